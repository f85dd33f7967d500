// The worker's configuration schema (zod): every field with its default and the form it expects.
// The chain sections are in worker/config-chain-schema.ts, the field forms in worker/config-fields.ts.
import { z } from 'zod';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from '../temporal-config/names';
import { WORKER_ROLES } from '../temporal-config/task-queues';
import { DKG_NETWORKS } from '../activities/dkg/workspace';
import { DEFAULT_CEREMONY_TIMEOUT } from '../activities/dkg/run-init';
import { awsRegion, DAY, duration, durationMs, hostPort, httpUrl, SECOND } from './config-fields';
import {
  chainSection,
  contractsSection,
  keysSection,
  runwaySection,
  ssvSection,
  transactionsSection,
} from './config-chain-schema';

export const workerConfigSchema = z
  .strictObject({
    workerName: z.string().min(1, 'expected a non-empty worker name').default('nexus-bot-worker'),
    /**
     * Which task queues this worker polls (temporal-config/task-queues.ts): general (workflows and
     * every activity not below), writer (transactions from the bot key: one writer per deployment),
     * salt (mnemonic key material; polled only when the salt was given). Default: all, as one worker alone.
     */
    roles: z
      .array(z.enum(WORKER_ROLES, `expected roles among ${WORKER_ROLES.join(', ')}`))
      .min(1, 'expected at least one role')
      .refine((roles) => new Set(roles).size === roles.length, 'expected each role once')
      .default([...WORKER_ROLES]),
    temporal: z
      .strictObject({
        address: hostPort.default('127.0.0.1:7233'),
        namespace: z.string().min(1, 'expected a namespace name').default(DEFAULT_NAMESPACE),
        taskQueue: z.string().min(1, 'expected a task queue name').default(TASK_QUEUE),
        /** mTLS or server TLS (a Temporal cluster, Temporal Cloud with certificates): files, never inline keys. */
        tls: z
          .strictObject({
            serverRootCaFile: z.string().min(1, 'expected the path of a PEM file').optional(),
            clientCertFile: z.string().min(1, 'expected the path of a PEM file').optional(),
            clientKeyFile: z.string().min(1, 'expected the path of a PEM file').optional(),
            /** Overrides the name the server certificate is checked against. */
            serverName: z.string().min(1, 'expected a host name').optional(),
          })
          .refine(
            (t) => (t.clientCertFile === undefined) === (t.clientKeyFile === undefined),
            'expected clientCertFile and clientKeyFile together',
          )
          .optional(),
        /** Temporal Cloud API key: a file holding it (implies TLS). */
        apiKeyFile: z.string().min(1, 'expected the path of a file holding the API key').optional(),
      })
      .prefault({}),
    /** A pre-built workflow bundle (`npm run bundle`): loaded instead of bundling the workflow code at start. */
    workflowBundleFile: z.string().min(1, 'expected the path of a bundle built by npm run bundle').optional(),
    /** On SIGTERM/SIGINT: how long running activities get to finish before they are cancelled. */
    shutdownGraceSeconds: z.number().min(0, 'expected seconds ≥ 0').default(60),
    /** Plan and log, send nothing: no transaction, no broadcast, no batch started. */
    dryRun: z.boolean('expected true or false').default(false),
    chain: chainSection,
    /** The bot account: a file holding its private key (0x-hex), never the key itself. */
    botKeyFile: z.string().min(1, 'expected the path of a file holding the bot key').optional(),
    transactions: transactionsSection,
    keys: keysSection,
    /** Metrics endpoint, logs and the stuck-work signal (worker/observability/). */
    observability: z
      .strictObject({
        /** Absent: no metrics endpoint. `{}`: on 127.0.0.1:9464. Port 0: any free port (logged). */
        metrics: z
          .strictObject({
            listen: z
              .string()
              .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
              .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535, 'expected a port of at most 65535')
              .default('127.0.0.1:9464'),
          })
          .optional(),
        /** An activity attempt running longer than this is reported stuck (metric and log line). */
        stuckAfterSeconds: z.number().positive('expected seconds > 0').default(900),
        logFormat: z.enum(['json', 'text'], 'expected json or text').default('json'),
        logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], 'expected DEBUG, INFO, WARN or ERROR').default('INFO'),
      })
      .prefault({}),
    ssv: ssvSection,
    /** The cluster runway watcher (workflows/cluster-runway.ts). */
    runway: runwaySection,
    contracts: contractsSection,
    /**
     * Settings of the rollup monitors that `nexus-bot start --config <this file>` starts (its flags
     * override them). A running monitor keeps the settings it was started with; `nexus-bot
     * poll-interval` changes its poll interval.
     */
    monitors: z
      .strictObject({
        /** How often a monitor looks at the chain without a wake-up. */
        pollInterval: duration(SECOND, DAY, 'from 1 second to 1 day').default('5 minutes'),
        /** Most validators per creation batch (a DKG ceremony makes at most 100). */
        maxBatch: z.number().int('expected a whole number').min(1, 'expected at least 1').default(100),
        /** Most validators per exit batch. */
        maxExitBatch: z.number().int('expected a whole number').min(1, 'expected at least 1').default(50),
        /** How often exit batches look at the beacon chain, at least and at most. */
        exitPollInterval: z
          .strictObject({
            min: duration(SECOND, DAY, 'from 1 second to 1 day').default('1 minute'),
            max: duration(SECOND, 7 * DAY, 'from 1 second to 7 days').default('6 hours'),
          })
          .refine((e) => durationMs(e.min) <= durationMs(e.max), 'expected min no longer than max')
          .prefault({}),
      })
      .prefault({}),
    /** Beacon API endpoints (several: failover in order), needed for exits. */
    beacon: z
      .strictObject({
        urls: z.array(httpUrl).min(1, 'expected at least one beacon API URL'),
        /** The network's genesis validators root: a node of another network is refused (recommended). */
        genesisValidatorsRoot: z
          .string()
          .regex(/^0x[0-9a-fA-F]{64}$/, 'expected the 32-byte 0x-hex genesis validators root')
          .optional(),
        timeoutSeconds: z.number().positive('expected seconds > 0').default(30),
      })
      .optional(),
    /** The pre-deposit guard's log indexes (activities/guard/, README "Pre-deposit guard"). */
    depositGuard: z
      .strictObject({
        /** First block of the DepositEvent index: the deposit contract's deployment, or any block before the bot's first key existed. */
        depositContractFromBlock: z.number().int().min(0, 'expected a block number ≥ 0').default(0),
        /** Blocks below the head that are re-read at every check instead of indexed (reorg depth). */
        reorgBlocks: z.number().int().min(0, 'expected blocks ≥ 0').default(64),
        /** Folder of the persisted indexes; absent: <state folder>/deposit-guard. */
        indexDir: z.string().min(1, 'expected a folder path').optional(),
        /** Local network only: beacon genesis validators with the batch's own withdrawal credentials pass the beacon check. */
        acceptOwnGenesisValidators: z.boolean('expected true or false').default(false),
      })
      .prefault({}),
    /** DKG ceremonies (ssv-dkg initiator, activities/dkg/). */
    dkg: z
      .strictObject({
        /** The ssv-dkg binary; absent: NEXUS_BOT_SSV_DKG, else the tool cache (tools/install.sh ssv-dkg). */
        binary: z.string().min(1, 'expected the path of the ssv-dkg binary').optional(),
        /** ssv-dkg --network; absent: keys.depositNetwork, which it must equal (same fork version). */
        network: z.enum(DKG_NETWORKS, 'expected mainnet, holesky, sepolia or hoodi (an ssv-dkg network)').optional(),
        /** PEM file of each operator's CA (or self-signed certificate), by operator id; absent: the system CAs. */
        operatorCaFiles: z
          .record(z.string(), z.string().min(1, 'expected the path of a PEM file'))
          .refine(
            (m) => Object.keys(m).every((id) => /^[1-9]\d*$/.test(id)),
            'expected operator ids in decimal as the keys, e.g. {"1": "operator-1.crt"}',
          )
          .optional(),
        /** Where each init attempt gets its own folder; absent: <state dir>/dkg/work. */
        workDir: z.string().min(1, 'expected a folder path').optional(),
        /** The durable ceremony archive (never deleted by the bot); absent: <state dir>/dkg/archive. */
        archiveDir: z.string().min(1, 'expected a folder path').optional(),
        /** Deadline of one `ssv-dkg init`: fixedSeconds + perValidatorSeconds × validators. */
        ceremonyTimeout: z
          .strictObject({
            fixedSeconds: z.number().positive('expected seconds > 0').default(DEFAULT_CEREMONY_TIMEOUT.fixedSeconds),
            perValidatorSeconds: z
              .number()
              .min(0, 'expected seconds ≥ 0')
              .default(DEFAULT_CEREMONY_TIMEOUT.perValidatorSeconds),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Payload encryption (codec): a key file, never the keys themselves (see temporal-config/codec-keys.ts). */
    codec: z
      .strictObject({
        keysFile: z
          .string()
          .min(1, 'expected the path of the codec key file ({"activeKeyId", "keys": [{"id", "key"}]})'),
      })
      .optional(),
    /**
     * The unlock socket (worker/unlock-socket.ts): where `nexus-bot unlock` / `lock` reach a worker
     * started without the salt (or any worker, once this is set). Absent: <state folder>/unlock/unlock.sock.
     * Its folder must be this user's alone (mode 0700; created so when missing).
     */
    unlock: z
      .strictObject({
        socketPath: z
          .string()
          .min(1, 'expected the path of a Unix socket')
          .refine((p) => p.startsWith('/'), 'expected an absolute path, e.g. /run/nexus-bot/unlock.sock')
          .refine((p) => Buffer.byteLength(p) <= 107, 'expected at most 107 bytes (the limit of a Unix socket path)')
          .optional(),
      })
      .prefault({}),
    aws: z
      .strictObject({
        region: awsRegion,
        endpoint: httpUrl.optional(),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    // ssv-dkg signs the deposits with its network's fork version: it must be the one the bot signs
    // and checks deposits for (keys.depositNetwork, checked against the chain before each batch).
    if (config.dkg.network !== undefined && config.dkg.network !== config.keys.depositNetwork) {
      ctx.addIssue({
        code: 'custom',
        path: ['dkg', 'network'],
        message: `expected the deposit network keys.depositNetwork (${config.keys.depositNetwork}): ssv-dkg signs the deposits with ${config.dkg.network}'s fork version`,
      });
    }
    if (config.transactions?.dynamodb && !config.aws) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws'],
        message: 'expected region (and endpoint) for the DynamoDB transaction store (transactions.dynamodb)',
      });
    }
    if (config.keys.indexStore && config.keys.indexStore.region === undefined && config.aws === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys', 'indexStore', 'region'],
        message: 'expected the DynamoDB region here or in aws.region',
      });
    }
  });

export type WorkerConfig = z.infer<typeof workerConfigSchema>;
