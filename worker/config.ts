// The worker's configuration: one zod schema, read from a JSON file (NEXUS_BOT_CONFIG) and
// overridden field by field by environment variables. Every error names the field and the
// expected form; nothing secret belongs here (secrets come from the AWS chain or a prompt).
import { readFileSync } from 'node:fs';
import { isAddress } from 'ethers';
import { z } from 'zod';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from '../temporal-config/names';
import { WORKER_ROLES } from '../temporal-config/task-queues';
import { KNOWN_CHAIN_FORK_VERSIONS } from '../activities/chain/signing-network';
import { DKG_NETWORKS } from '../activities/dkg/workspace';
import { DEFAULT_CEREMONY_TIMEOUT } from '../activities/dkg/run-init';
import { ConfigError } from '../protocol/config-error';

/** host:port, as the Temporal address is written (the CLI's --address is checked with it too). */
export const HOST_PORT_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT_PATTERN, 'expected host:port, e.g. 127.0.0.1:7233');
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL, e.g. http://127.0.0.1:8545');
const wsUrl = z.string().regex(/^wss?:\/\/[^\s/]+(\/\S*)?$/, 'expected a websocket URL (ws:// or wss://), e.g. ws://127.0.0.1:8545');
const address = z.string().refine((v) => isAddress(v), 'expected a 0x-prefixed 20-byte hex address');
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region, e.g. eu-west-1');
/** A duration as Temporal writes them ("30 seconds", "5m"), within bounds. */
const duration = (minMs: number, maxMs: number, bounds: string) => z.string().refine((v) => {
  const ms = durationMs(v);
  return ms >= minMs && ms <= maxMs;
}, `expected a duration such as "30 seconds" or "5m", ${bounds}`);
/** Milliseconds of a duration, or NaN (a comparison with NaN is false: the field's own check reports it). */
export function durationMs(value: string): number {
  try {
    return msToNumber(value as Duration);
  } catch {
    return Number.NaN;
  }
}
const SECOND = 1_000;
const DAY = 24 * 3_600 * SECOND;

export const workerConfigSchema = z.strictObject({
  workerName: z.string().min(1, 'expected a non-empty worker name').default('nexus-bot-worker'),
  /**
   * Which task queues this worker polls (temporal-config/task-queues.ts): general (workflows and
   * every activity not below), writer (transactions from the bot key: one writer per deployment),
   * salt (mnemonic key material; polled only when the salt was given). Default: all, as one worker alone.
   */
  roles: z.array(z.enum(WORKER_ROLES, `expected roles among ${WORKER_ROLES.join(', ')}`))
    .min(1, 'expected at least one role')
    .refine((roles) => new Set(roles).size === roles.length, 'expected each role once')
    .default([...WORKER_ROLES]),
  temporal: z.strictObject({
    address: hostPort.default('127.0.0.1:7233'),
    namespace: z.string().min(1, 'expected a namespace name').default(DEFAULT_NAMESPACE),
    taskQueue: z.string().min(1, 'expected a task queue name').default(TASK_QUEUE),
    /** mTLS or server TLS (a Temporal cluster, Temporal Cloud with certificates): files, never inline keys. */
    tls: z.strictObject({
      serverRootCaFile: z.string().min(1, 'expected the path of a PEM file').optional(),
      clientCertFile: z.string().min(1, 'expected the path of a PEM file').optional(),
      clientKeyFile: z.string().min(1, 'expected the path of a PEM file').optional(),
      /** Overrides the name the server certificate is checked against. */
      serverName: z.string().min(1, 'expected a host name').optional(),
    }).refine((t) => (t.clientCertFile === undefined) === (t.clientKeyFile === undefined), 'expected clientCertFile and clientKeyFile together')
      .optional(),
    /** Temporal Cloud API key: a file holding it (implies TLS). */
    apiKeyFile: z.string().min(1, 'expected the path of a file holding the API key').optional(),
  }).prefault({}),
  /** A pre-built workflow bundle (`npm run bundle`): loaded instead of bundling the workflow code at start. */
  workflowBundleFile: z.string().min(1, 'expected the path of a bundle built by npm run bundle').optional(),
  /** On SIGTERM/SIGINT: how long running activities get to finish before they are cancelled. */
  shutdownGraceSeconds: z.number().min(0, 'expected seconds ≥ 0').default(60),
  /** Plan and log, send nothing: no transaction, no broadcast, no batch started. */
  dryRun: z.boolean('expected true or false').default(false),
  chain: z.strictObject({
    rpcUrls: z.array(httpUrl).min(1, 'expected at least one RPC URL'),
    /**
     * A websocket JSON-RPC endpoint: the chain watcher follows new blocks by `eth_subscribe`
     * `newHeads` there (activities/chain/head-follower.ts). Absent, unreachable or failing: it
     * polls eth_blockNumber on rpcUrls every headPollIntervalMs instead (a failure is one WARN).
     */
    wsUrl: wsUrl.optional(),
    /** How often the chain watcher asks eth_blockNumber for a new block when it does not follow a subscription. */
    headPollIntervalMs: z.number().int('expected whole milliseconds').min(100, 'expected at least 100 ms').max(60_000, 'expected at most 60000 ms').default(1_000),
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
  }).optional(),
  /** The bot account: a file holding its private key (0x-hex), never the key itself. */
  botKeyFile: z.string().min(1, 'expected the path of a file holding the bot key').optional(),
  transactions: z.strictObject({
    maxFeePerGasGwei: z.number().positive('expected a fee ceiling in gwei > 0').default(200),
    maxPriorityFeePerGasGwei: z.number().min(0, 'expected a tip in gwei ≥ 0').default(1),
    confirmations: z.number().int().min(1, 'expected at least 1 confirmation').default(2),
    stuckAfterSeconds: z.number().positive('expected seconds > 0').default(180),
    feeBumpPercent: z.number().min(10, 'expected at least 10 (the nodes\' replacement rule)').default(20),
    maxFeeBumps: z.number().int().min(0, 'expected a whole number ≥ 0').default(5),
    /**
     * Keyshares registrations of one batch (one rollup, one cluster) in flight at once, with
     * consecutive nonces (activities/registration-pipeline.ts); 1 sends each after the one before is mined.
     */
    pipelineDepth: z.number().int('expected a whole number of transactions').min(1, 'expected at least 1').max(64, 'expected at most 64 (a block holds about 60 registrations)').default(8),
    /** Where sent transactions are journaled (idempotent retries after a crash): one worker's file (the default store). */
    journalFile: z.string().min(1, 'expected a file path').optional(),
    /**
     * Instead of journalFile: the journal and nonce stream in a DynamoDB table shared by several
     * workers, each write fenced by the chain-writer lease (activities/chain/dynamo/). Uses aws.
     */
    dynamodb: z.strictObject({
      table: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
      /** A writer that stops renewing loses the lease after this long. */
      leaseTtlSeconds: z.number().positive('expected seconds > 0').default(30),
    }).optional(),
  }).refine((t) => (t.journalFile === undefined) !== (t.dynamodb === undefined), 'expected exactly one of journalFile (one worker) and dynamodb (a shared store)')
    .optional(),
  keys: z.strictObject({
    /** The network whose GENESIS_FORK_VERSION signs deposits. */
    depositNetwork: z.enum(['mainnet', 'holesky', 'sepolia', 'hoodi'], 'expected mainnet, holesky, sepolia or hoodi').default('mainnet'),
    /** Per-rollup mnemonic key-index state files (mnemonic path); one host, or a folder all hosts mount. */
    indexStateDir: z.string().min(1, 'expected a folder path').optional(),
    /** Instead of indexStateDir: the key-index state in DynamoDB, shared by workers on several hosts (README "Running in production"). */
    indexStore: z.strictObject({
      kind: z.literal('dynamodb', 'expected "dynamodb" (the shared store; without indexStore, keys.indexStateDir holds the state)'),
      table: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name (3-255 letters, digits, _ . -), made by `nexus-bot mnemonic create-index-table`'),
      /** Absent: aws.region / aws.endpoint. */
      region: awsRegion.optional(),
      endpoint: httpUrl.optional(),
    }).optional(),
    /**
     * Genesis fork versions of chain ids that are not public networks (a local chain), e.g.
     * {"31337": "0x01017000"}: deposits are signed only for the chain the bot is connected to.
     */
    chainForkVersions: z.record(
      z.string().regex(/^\d+$/, 'expected a chain id in decimal as the key'),
      z.string().regex(/^0x[0-9a-fA-F]{8}$/, 'expected a 4-byte 0x-hex fork version, e.g. 0x01017000'),
    ).refine((m) => Object.keys(m).every((id) => !(id in KNOWN_CHAIN_FORK_VERSIONS)), 'expected only chain ids of networks that are not public (1, 17000, 11155111 and 560048 have fixed fork versions)')
      .default({}),
    /** Read the mnemonic salt from standard input at start (mnemonic path); it stays in memory. */
    saltFromStdin: z.boolean().default(false),
  }).refine((k) => k.indexStateDir === undefined || k.indexStore === undefined, {
    path: ['indexStore'], message: 'expected keys.indexStateDir or keys.indexStore, not both (one place holds the key-index state)',
  }).prefault({}),
  /** Metrics endpoint, logs and the stuck-work signal (worker/observability/). */
  observability: z.strictObject({
    /** Absent: no metrics endpoint. `{}`: on 127.0.0.1:9464. Port 0: any free port (logged). */
    metrics: z.strictObject({
      listen: z.string()
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
        .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535, 'expected a port of at most 65535')
        .default('127.0.0.1:9464'),
    }).optional(),
    /** An activity attempt running longer than this is reported stuck (metric and log line). */
    stuckAfterSeconds: z.number().positive('expected seconds > 0').default(900),
    logFormat: z.enum(['json', 'text'], 'expected json or text').default('json'),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], 'expected DEBUG, INFO, WARN or ERROR').default('INFO'),
  }).prefault({}),
  ssv: z.strictObject({
    /** Removed: each registration's SSV amount is computed from the cluster's burn rate, balance and runwayDays. */
    amountPerValidatorWei: z.undefined('removed: the SSV amount is now computed per registration (ssv.runwayDays); delete this field').optional(),
    /** Days of operator and network fees each registration leaves the cluster funded for. */
    runwayDays: z.number().positive('expected days > 0').max(3_650, 'expected at most 3650 days').default(30),
    /** Blocks of burn added to each amount for the blocks before the registration is mined. */
    safetyMarginBlocks: z.number().int('expected a whole number of blocks').min(0, 'expected blocks ≥ 0').default(300),
    /** The SSVNetwork ABI the bot speaks (contracts/src/SSVNetwork.sol is its v1.x surface). */
    abiVersion: z.enum(['v1'], 'expected v1 (the SSVNetwork v1.x ABI, the only one supported)').default('v1'),
  }).prefault({}),
  /** The cluster runway watcher (workflows/cluster-runway.ts): top-ups from the bot's own SSV tokens and alerts. */
  runway: z.strictObject({
    /** Below this many days of runway a cluster is topped up (SSVNetwork.deposit from the bot account). */
    topUpBelowDays: z.number().positive('expected days > 0').default(20),
    /** A top-up brings the runway to this many days. */
    topUpToDays: z.number().positive('expected days > 0').max(3_650, 'expected at most 3650 days').default(45),
    /** Below this many days (lower than topUpBelowDays) the watcher logs an ERROR alert. */
    alertBelowDays: z.number().positive('expected days > 0').default(7),
    /** SSV tokens the bot may spend on top-ups per period; "0": no top-ups, metrics and alerts only. */
    budgetSsv: z.string('expected SSV tokens as a decimal string, e.g. "250" or "12.5"').regex(/^\d{1,12}(\.\d{1,18})?$/, 'expected SSV tokens as a decimal string, e.g. "250" or "12.5"').default('0'),
    /** The rolling period the budget covers. */
    budgetPeriodDays: z.number().positive('expected days > 0').max(366, 'expected at most 366 days').default(30),
  }).refine((r) => r.alertBelowDays < r.topUpBelowDays, 'expected alertBelowDays below topUpBelowDays (alert only when top-ups did not help)')
    .refine((r) => r.topUpToDays > r.topUpBelowDays, 'expected topUpToDays above topUpBelowDays')
    .prefault({}),
  contracts: z.strictObject({
    nexus: address,
    nodeOperator: address,
    ssvNetwork: address,
    /** SSVNetworkViews: fees, cluster balances, liquidation (needed to fund registrations). */
    ssvNetworkViews: address.optional(),
    ssvToken: address,
    depositContract: address,
  }).optional(),
  /**
   * Settings of the rollup monitors that `nexus-bot start --config <this file>` starts (its flags
   * override them). A running monitor keeps the settings it was started with; `nexus-bot
   * poll-interval` changes its poll interval.
   */
  monitors: z.strictObject({
    /** How often a monitor looks at the chain without a wake-up. */
    pollInterval: duration(SECOND, DAY, 'from 1 second to 1 day').default('5 minutes'),
    /** Most validators per creation batch (a DKG ceremony makes at most 100). */
    maxBatch: z.number().int('expected a whole number').min(1, 'expected at least 1').default(100),
    /** Most validators per exit batch. */
    maxExitBatch: z.number().int('expected a whole number').min(1, 'expected at least 1').default(50),
    /** How often exit batches look at the beacon chain, at least and at most. */
    exitPollInterval: z.strictObject({
      min: duration(SECOND, DAY, 'from 1 second to 1 day').default('1 minute'),
      max: duration(SECOND, 7 * DAY, 'from 1 second to 7 days').default('6 hours'),
    }).refine((e) => durationMs(e.min) <= durationMs(e.max), 'expected min no longer than max').prefault({}),
  }).prefault({}),
  /** Beacon API endpoints (several: failover in order), needed for exits. */
  beacon: z.strictObject({
    urls: z.array(httpUrl).min(1, 'expected at least one beacon API URL'),
    /** The network's genesis validators root: a node of another network is refused (recommended). */
    genesisValidatorsRoot: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected the 32-byte 0x-hex genesis validators root').optional(),
    timeoutSeconds: z.number().positive('expected seconds > 0').default(30),
  }).optional(),
  /** The pre-deposit guard's log indexes (activities/guard/, README "Pre-deposit guard"). */
  depositGuard: z.strictObject({
    /** First block of the DepositEvent index: the deposit contract's deployment, or any block before the bot's first key existed. */
    depositContractFromBlock: z.number().int().min(0, 'expected a block number ≥ 0').default(0),
    /** Blocks below the head that are re-read at every check instead of indexed (reorg depth). */
    reorgBlocks: z.number().int().min(0, 'expected blocks ≥ 0').default(64),
    /** Folder of the persisted indexes; absent: <state folder>/deposit-guard. */
    indexDir: z.string().min(1, 'expected a folder path').optional(),
    /** Local network only: beacon genesis validators with the batch's own withdrawal credentials pass the beacon check. */
    acceptOwnGenesisValidators: z.boolean('expected true or false').default(false),
  }).prefault({}),
  /** DKG ceremonies (ssv-dkg initiator, activities/dkg/). */
  dkg: z.strictObject({
    /** The ssv-dkg binary; absent: NEXUS_BOT_SSV_DKG, else the tool cache (tools/install.sh ssv-dkg). */
    binary: z.string().min(1, 'expected the path of the ssv-dkg binary').optional(),
    /** ssv-dkg --network; absent: keys.depositNetwork, which it must equal (same fork version). */
    network: z.enum(DKG_NETWORKS, 'expected mainnet, holesky, sepolia or hoodi (an ssv-dkg network)').optional(),
    /** PEM file of each operator's CA (or self-signed certificate), by operator id; absent: the system CAs. */
    operatorCaFiles: z.record(z.string(), z.string().min(1, 'expected the path of a PEM file'))
      .refine((m) => Object.keys(m).every((id) => /^[1-9]\d*$/.test(id)), 'expected operator ids in decimal as the keys, e.g. {"1": "operator-1.crt"}')
      .optional(),
    /** Where each init attempt gets its own folder; absent: <state dir>/dkg/work. */
    workDir: z.string().min(1, 'expected a folder path').optional(),
    /** The durable ceremony archive (never deleted by the bot); absent: <state dir>/dkg/archive. */
    archiveDir: z.string().min(1, 'expected a folder path').optional(),
    /** Deadline of one `ssv-dkg init`: fixedSeconds + perValidatorSeconds × validators. */
    ceremonyTimeout: z.strictObject({
      fixedSeconds: z.number().positive('expected seconds > 0').default(DEFAULT_CEREMONY_TIMEOUT.fixedSeconds),
      perValidatorSeconds: z.number().min(0, 'expected seconds ≥ 0').default(DEFAULT_CEREMONY_TIMEOUT.perValidatorSeconds),
    }).prefault({}),
  }).prefault({}),
  /** Payload encryption (codec): a key file, never the keys themselves (see temporal-config/codec-keys.ts). */
  codec: z.strictObject({
    keysFile: z.string().min(1, 'expected the path of the codec key file ({"activeKeyId", "keys": [{"id", "key"}]})'),
  }).optional(),
  /**
   * The unlock socket (worker/unlock-socket.ts): where `nexus-bot unlock` / `lock` reach a worker
   * started without the salt (or any worker, once this is set). Absent: <state folder>/unlock/unlock.sock.
   * Its folder must be this user's alone (mode 0700; created so when missing).
   */
  unlock: z.strictObject({
    socketPath: z.string().min(1, 'expected the path of a Unix socket').refine((p) => p.startsWith('/'), 'expected an absolute path, e.g. /run/nexus-bot/unlock.sock')
      .refine((p) => Buffer.byteLength(p) <= 107, 'expected at most 107 bytes (the limit of a Unix socket path)').optional(),
  }).prefault({}),
  aws: z.strictObject({
    region: awsRegion,
    endpoint: httpUrl.optional(),
  }).optional(),
}).superRefine((config, ctx) => {
  // ssv-dkg signs the deposits with its network's fork version: it must be the one the bot signs
  // and checks deposits for (keys.depositNetwork, checked against the chain before each batch).
  if (config.dkg.network !== undefined && config.dkg.network !== config.keys.depositNetwork) {
    ctx.addIssue({
      code: 'custom', path: ['dkg', 'network'],
      message: `expected the deposit network keys.depositNetwork (${config.keys.depositNetwork}): ssv-dkg signs the deposits with ${config.dkg.network}'s fork version`,
    });
  }
  if (config.transactions?.dynamodb && !config.aws) {
    ctx.addIssue({ code: 'custom', path: ['aws'], message: 'expected region (and endpoint) for the DynamoDB transaction store (transactions.dynamodb)' });
  }
  if (config.keys.indexStore && config.keys.indexStore.region === undefined && config.aws === undefined) {
    ctx.addIssue({ code: 'custom', path: ['keys', 'indexStore', 'region'], message: 'expected the DynamoDB region here or in aws.region' });
  }
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

// The class lives below worker/ so that temporal-config/ (the connection) can throw it too.
export { ConfigError };

/** Environment variables that override single fields of the file. */
const ENV_FIELDS: Record<string, string[]> = {
  NEXUS_BOT_WORKER_NAME: ['workerName'],
  NEXUS_BOT_TEMPORAL_ADDRESS: ['temporal', 'address'],
  NEXUS_BOT_TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  NEXUS_BOT_TASK_QUEUE: ['temporal', 'taskQueue'],
  NEXUS_BOT_ROLES: ['roles'],
  NEXUS_BOT_CODEC_KEYS_FILE: ['codec', 'keysFile'],
  NEXUS_BOT_METRICS_LISTEN: ['observability', 'metrics', 'listen'],
  NEXUS_BOT_LOG_FORMAT: ['observability', 'logFormat'],
  NEXUS_BOT_DRY_RUN: ['dryRun'],
  NEXUS_BOT_WORKFLOW_BUNDLE: ['workflowBundleFile'],
  NEXUS_BOT_TEMPORAL_API_KEY_FILE: ['temporal', 'apiKeyFile'],
};

/** Environment variables holding a boolean: only these spellings, anything else is an error naming the variable. */
const BOOLEAN_ENV: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

/** Parses and validates a configuration object; throws ConfigError listing every bad field. */
export function parseWorkerConfig(raw: unknown, source = 'config'): WorkerConfig {
  const result = workerConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  ${field}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${source}:\n${problems.join('\n')}`);
}

/** Reads NEXUS_BOT_CONFIG (a JSON file, optional), applies env overrides, validates. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const file = env.NEXUS_BOT_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file} (NEXUS_BOT_CONFIG): ${(err as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_FIELDS)) {
    const value = env[name];
    if (value === undefined) continue;
    if (name === 'NEXUS_BOT_DRY_RUN') {
      if (!(value in BOOLEAN_ENV)) throw new ConfigError(`invalid environment:\n  NEXUS_BOT_DRY_RUN (dryRun): expected true, false, 1 or 0, got "${value}"`);
      setPath(raw, path, BOOLEAN_ENV[value]);
    } else if (name === 'NEXUS_BOT_ROLES') setPath(raw, path, value.split(',').map((role) => role.trim()));
    else setPath(raw, path, value);
  }
  return parseWorkerConfig(raw, file ? `config (${file})` : 'config');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
