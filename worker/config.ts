// The worker's configuration: one zod schema, read from a JSON file (NEXUS_BOT_CONFIG) and
// overridden field by field by environment variables. Every error names the field and the
// expected form; nothing secret belongs here (secrets come from the AWS chain or a prompt).
import { readFileSync } from 'node:fs';
import { isAddress } from 'ethers';
import { z } from 'zod';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from '../temporal-config/names';

/** host:port, as the Temporal address is written (the CLI's --address is checked with it too). */
export const HOST_PORT_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT_PATTERN, 'expected host:port, e.g. 127.0.0.1:7233');
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL, e.g. http://127.0.0.1:8545');
const address = z.string().refine((v) => isAddress(v), 'expected a 0x-prefixed 20-byte hex address');
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
    chainId: z.number().int().positive('expected a positive chain id'),
    /** First block of SSV log scans (the SSVNetwork deployment block). */
    ssvFromBlock: z.number().int().min(0, 'expected a block number ≥ 0').default(0),
    /** Largest eth_getLogs block range the RPC accepts. */
    logMaxRange: z.number().int().min(1, 'expected a positive number of blocks').default(10_000),
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
    /** Where sent transactions are journaled (idempotent retries after a crash). */
    journalFile: z.string().min(1, 'expected a file path'),
  }).optional(),
  keys: z.strictObject({
    /** The network whose GENESIS_FORK_VERSION signs deposits. */
    depositNetwork: z.enum(['mainnet', 'holesky', 'sepolia', 'hoodi'], 'expected mainnet, holesky, sepolia or hoodi').default('mainnet'),
    /** Per-rollup mnemonic key-index state files (mnemonic path). */
    indexStateDir: z.string().min(1, 'expected a folder path').optional(),
    /** Read the mnemonic salt from standard input at start (mnemonic path); it stays in memory. */
    saltFromStdin: z.boolean().default(false),
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
    /** SSV tokens (wei, decimal string) that fund each registered validator. */
    amountPerValidatorWei: z.string().regex(/^\d+$/, 'expected a whole number of wei as a decimal string').default('0'),
    /** The SSVNetwork ABI the bot speaks (contracts/src/SSVNetwork.sol is its v1.x surface). */
    abiVersion: z.enum(['v1'], 'expected v1 (the SSVNetwork v1.x ABI, the only one supported)').default('v1'),
  }).prefault({}),
  contracts: z.strictObject({
    nexus: address,
    nodeOperator: address,
    ssvNetwork: address,
    ssvToken: address,
    depositContract: address,
    /** SSV's read-only views contract (optional; the local network deploys one and lists it with the others). */
    ssvNetworkViews: address.optional(),
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
  /** Payload encryption (codec): a key file, never the keys themselves (see temporal-config/codec-keys.ts). */
  codec: z.strictObject({
    keysFile: z.string().min(1, 'expected the path of the codec key file ({"activeKeyId", "keys": [{"id", "key"}]})'),
  }).optional(),
  aws: z.strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region, e.g. eu-west-1'),
    endpoint: httpUrl.optional(),
  }).optional(),
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables that override single fields of the file. */
const ENV_FIELDS: Record<string, string[]> = {
  NEXUS_BOT_WORKER_NAME: ['workerName'],
  NEXUS_BOT_TEMPORAL_ADDRESS: ['temporal', 'address'],
  NEXUS_BOT_TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  NEXUS_BOT_TASK_QUEUE: ['temporal', 'taskQueue'],
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
    } else setPath(raw, path, value);
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
