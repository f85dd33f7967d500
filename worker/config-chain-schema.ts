// The chain sections of the worker configuration: the RPC, transactions, keys, SSV funding, the
// runway watcher and the contracts (composed into the whole schema by worker/config-schema.ts).
import { z } from 'zod';
import { KNOWN_CHAIN_FORK_VERSIONS } from '../activities/chain/signing-network';
import { address, awsRegion, httpUrl, wsUrl } from './config-fields';

export const chainSection = z
  .strictObject({
    rpcUrls: z.array(httpUrl).min(1, 'expected at least one RPC URL'),
    /**
     * A websocket JSON-RPC endpoint: the chain watcher follows new blocks by `eth_subscribe`
     * `newHeads` there (activities/chain/head-follower.ts). Absent, unreachable or failing: it
     * polls eth_blockNumber on rpcUrls every headPollIntervalMs instead (a failure is one WARN).
     */
    wsUrl: wsUrl.optional(),
    /** How often the chain watcher asks eth_blockNumber for a new block when it does not follow a subscription. */
    headPollIntervalMs: z
      .number()
      .int('expected whole milliseconds')
      .min(100, 'expected at least 100 ms')
      .max(60_000, 'expected at most 60000 ms')
      .default(1_000),
    chainId: z.number().int().positive('expected a positive chain id'),
    /** First block of SSV log scans (the SSVNetwork deployment block). */
    ssvFromBlock: z.number().int().min(0, 'expected a block number ≥ 0').default(0),
    /** Largest eth_getLogs block range the RPC accepts. */
    logMaxRange: z.number().int().min(1, 'expected a positive number of blocks').default(10_000),
    /** Seconds per block, to turn ssv.runwayDays into blocks. */
    blockTimeSeconds: z.number().positive('expected seconds > 0').default(12),
    /**
     * The public Nexus version (facts/nexus-contracts.md): v2024-03 cannot exit DKG validators,
     * v2024-06 exits one key at a time through SSV. `auto`: v2024-06 if Nexus answers SSV_NETWORK().
     */
    nexusVersion: z.enum(['auto', 'v2024-03', 'v2024-06'], 'expected auto, v2024-03 or v2024-06').default('auto'),
  })
  .optional();

export const transactionsSection = z
  .strictObject({
    maxFeePerGasGwei: z.number().positive('expected a fee ceiling in gwei > 0').default(200),
    maxPriorityFeePerGasGwei: z.number().min(0, 'expected a tip in gwei ≥ 0').default(1),
    confirmations: z.number().int().min(1, 'expected at least 1 confirmation').default(2),
    stuckAfterSeconds: z.number().positive('expected seconds > 0').default(180),
    feeBumpPercent: z.number().min(10, "expected at least 10 (the nodes' replacement rule)").default(20),
    maxFeeBumps: z.number().int().min(0, 'expected a whole number ≥ 0').default(5),
    /**
     * Keyshares registrations of one batch (one rollup, one cluster) in flight at once, with
     * consecutive nonces (activities/registration-pipeline.ts); 1 sends each after the one before is mined.
     */
    pipelineDepth: z
      .number()
      .int('expected a whole number of transactions')
      .min(1, 'expected at least 1')
      .max(64, 'expected at most 64 (a block holds about 60 registrations)')
      .default(64),
    /** Where sent transactions are journaled (idempotent retries after a crash): one worker's file (the default store). */
    journalFile: z.string().min(1, 'expected a file path').optional(),
    /**
     * Instead of journalFile: the journal and nonce stream in a DynamoDB table shared by several
     * workers, each write fenced by the chain-writer lease (activities/chain/dynamo/). Uses aws.
     */
    dynamodb: z
      .strictObject({
        table: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
        /** A writer that stops renewing loses the lease after this long. */
        leaseTtlSeconds: z.number().positive('expected seconds > 0').default(30),
      })
      .optional(),
  })
  .refine(
    (t) => (t.journalFile === undefined) !== (t.dynamodb === undefined),
    'expected exactly one of journalFile (one worker) and dynamodb (a shared store)',
  )
  .optional();

export const keysSection = z
  .strictObject({
    /** The network whose GENESIS_FORK_VERSION signs deposits. */
    depositNetwork: z
      .enum(['mainnet', 'holesky', 'sepolia', 'hoodi'], 'expected mainnet, holesky, sepolia or hoodi')
      .default('mainnet'),
    /** Per-rollup mnemonic key-index state files (mnemonic path); one host, or a folder all hosts mount. */
    indexStateDir: z.string().min(1, 'expected a folder path').optional(),
    /** Instead of indexStateDir: the key-index state in DynamoDB, shared by workers on several hosts (README "Running in production"). */
    indexStore: z
      .strictObject({
        kind: z.literal(
          'dynamodb',
          'expected "dynamodb" (the shared store; without indexStore, keys.indexStateDir holds the state)',
        ),
        table: z
          .string()
          .regex(
            /^[A-Za-z0-9_.-]{3,255}$/,
            'expected a DynamoDB table name (3-255 letters, digits, _ . -), made by `nexus-bot mnemonic create-index-table`',
          ),
        /** Absent: aws.region / aws.endpoint. */
        region: awsRegion.optional(),
        endpoint: httpUrl.optional(),
      })
      .optional(),
    /**
     * Genesis fork versions of chain ids that are not public networks (a local chain), e.g.
     * {"31337": "0x01017000"}: deposits are signed only for the chain the bot is connected to.
     */
    chainForkVersions: z
      .record(
        z.string().regex(/^\d+$/, 'expected a chain id in decimal as the key'),
        z.string().regex(/^0x[0-9a-fA-F]{8}$/, 'expected a 4-byte 0x-hex fork version, e.g. 0x01017000'),
      )
      .refine(
        (m) => Object.keys(m).every((id) => !(id in KNOWN_CHAIN_FORK_VERSIONS)),
        'expected only chain ids of networks that are not public (1, 17000, 11155111 and 560048 have fixed fork versions)',
      )
      .default({}),
    /** Read the mnemonic salt from standard input at start (mnemonic path); it stays in memory. */
    saltFromStdin: z.boolean().default(false),
  })
  .refine((k) => k.indexStateDir === undefined || k.indexStore === undefined, {
    path: ['indexStore'],
    message: 'expected keys.indexStateDir or keys.indexStore, not both (one place holds the key-index state)',
  })
  .prefault({});

export const ssvSection = z
  .strictObject({
    /** Removed: each registration's SSV amount is computed from the cluster's burn rate, balance and runwayDays. */
    amountPerValidatorWei: z
      .undefined('removed: the SSV amount is now computed per registration (ssv.runwayDays); delete this field')
      .optional(),
    /** Days of operator and network fees each registration leaves the cluster funded for. */
    runwayDays: z.number().positive('expected days > 0').max(3_650, 'expected at most 3650 days').default(30),
    /** Blocks of burn added to each amount for the blocks before the registration is mined. */
    safetyMarginBlocks: z.number().int('expected a whole number of blocks').min(0, 'expected blocks ≥ 0').default(300),
    /** The SSVNetwork ABI the bot speaks (contracts/src/SSVNetwork.sol is its v1.x surface). */
    abiVersion: z.enum(['v1'], 'expected v1 (the SSVNetwork v1.x ABI, the only one supported)').default('v1'),
  })
  .prefault({});

/** The cluster runway watcher (workflows/cluster-runway.ts): top-ups from the bot's own SSV tokens and alerts. */
export const runwaySection = z
  .strictObject({
    /** Below this many days of runway a cluster is topped up (SSVNetwork.deposit from the bot account). */
    topUpBelowDays: z.number().positive('expected days > 0').default(20),
    /** A top-up brings the runway to this many days. */
    topUpToDays: z.number().positive('expected days > 0').max(3_650, 'expected at most 3650 days').default(45),
    /** Below this many days (lower than topUpBelowDays) the watcher logs an ERROR alert. */
    alertBelowDays: z.number().positive('expected days > 0').default(7),
    /** SSV tokens the bot may spend on top-ups per period; "0": no top-ups, metrics and alerts only. */
    budgetSsv: z
      .string('expected SSV tokens as a decimal string, e.g. "250" or "12.5"')
      .regex(/^\d{1,12}(\.\d{1,18})?$/, 'expected SSV tokens as a decimal string, e.g. "250" or "12.5"')
      .default('0'),
    /** The rolling period the budget covers. */
    budgetPeriodDays: z.number().positive('expected days > 0').max(366, 'expected at most 366 days').default(30),
  })
  .refine(
    (r) => r.alertBelowDays < r.topUpBelowDays,
    'expected alertBelowDays below topUpBelowDays (alert only when top-ups did not help)',
  )
  .refine((r) => r.topUpToDays > r.topUpBelowDays, 'expected topUpToDays above topUpBelowDays')
  .prefault({});

export const contractsSection = z
  .strictObject({
    nexus: address,
    nodeOperator: address,
    ssvNetwork: address,
    /** SSVNetworkViews: fees, cluster balances, liquidation (needed to fund registrations). */
    ssvNetworkViews: address.optional(),
    ssvToken: address,
    depositContract: address,
  })
  .optional();
