// What every `nexus-bot` command shares: usage errors, the Temporal connection options and the
// connection itself, and the checks of arguments that name a rollup or a duration.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { getAddress } from 'ethers';
import { DEFAULT_NAMESPACE } from '../temporal-config/names';
import { CODEC_KEYS_FILE_ENV, codecDataConverter } from '../temporal-config/data-converter';
import { HOST_PORT_PATTERN, durationMs, loadWorkerConfig, type WorkerConfig } from '../worker/config';
import { temporalConnectionOptions } from '../temporal-config/connection';
import { asRollupAdmin, type RollupAdmin } from '../protocol/identifiers';

/** Bad arguments: the CLI prints the message (with the command's usage) and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Out = (line: string) => void;

export const TEMPORAL_OPTIONS_HELP = `  --config <file>         the worker's configuration file (NEXUS_BOT_CONFIG): Temporal address,
                          namespace, TLS and API key files, codec key file, as the worker uses them
  --address <host:port>   Temporal frontend (NEXUS_BOT_TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace <name>      Temporal namespace (NEXUS_BOT_TEMPORAL_NAMESPACE, default ${DEFAULT_NAMESPACE})
  --codec-keys <file>     the worker's payload codec key file (${CODEC_KEYS_FILE_ENV}); needed
                          to read and send payloads when the worker encrypts them
  -h, --help              this help`;

export const TEMPORAL_OPTIONS = {
  config: { type: 'string' },
  address: { type: 'string' },
  namespace: { type: 'string' },
  'codec-keys': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments (strict: unknown options are errors); node:util's errors become
 * usage errors that show the command's help. Returns undefined after printing the help.
 */
export function parseCommand<O extends Options>(
  usage: string,
  argv: string[],
  options: O,
  out: Out,
  allowPositionals = false,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    out(usage);
    return undefined;
  }
  return parsed;
}

/** Exactly the named positional arguments; a missing or extra one is named in the error. */
export function positionalArguments(usage: string, given: string[], names: string[]): string[] {
  if (given.length < names.length) throw new UsageError(`missing argument <${names[given.length]}>\n\n${usage}`);
  if (given.length > names.length) throw new UsageError(`unexpected argument "${given[names.length]}"\n\n${usage}`);
  return given;
}

/** A rollup is named by its admin address (EIP-55 or lower case), checked here and then carried in lower case. */
export function rollupAdminArgument(value: string): RollupAdmin {
  try {
    getAddress(value); // the EIP-55 checksum of a mixed-case address (the brand checks the form only)
    return asRollupAdmin(value);
  } catch {
    // Mixed case is checked as an EIP-55 checksum, so a mistyped digit is caught too.
    throw new UsageError(
      `<rollupAdmin>: expected the rollup admin's address (0x and 40 hex digits, EIP-55 checksum if mixed case), got "${value}"`,
    );
  }
}

/** A duration as Temporal writes them ("30 seconds", "5m", "1 hour"), checked against bounds. */
export function durationArgument(flag: string, value: string, bounds: { min: number; max: number }): string {
  const ms = durationMs(value);
  if (Number.isNaN(ms))
    throw new UsageError(`${flag}: expected a duration such as "30 seconds", "5m" or "1 hour", got "${value}"`);
  if (ms < bounds.min || ms > bounds.max) {
    throw new UsageError(`${flag}: expected between ${bounds.min / 1000} s and ${bounds.max / 1000} s, got "${value}"`);
  }
  return value;
}

/** A positive integer option, or undefined when it is not given. */
export function positiveIntegerArgument(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got "${value}"`);
  return n;
}

export interface TemporalTarget {
  /** Address, namespace, TLS and API key, as the worker's configuration has them. */
  temporal: WorkerConfig['temporal'];
  codecKeysFile?: string;
  /** Settings of the monitors `start` starts, unless its flags say otherwise. */
  monitors: WorkerConfig['monitors'];
}

/**
 * Where the command connects: the worker's configuration (--config or NEXUS_BOT_CONFIG, with the
 * same environment overrides as the worker, so TLS and API key for a Temporal cluster or Temporal
 * Cloud come from there), then the command's own flags.
 */
export function temporalTarget(values: {
  address?: string;
  namespace?: string;
  'codec-keys'?: string;
  config?: string;
}): TemporalTarget {
  if (values.address !== undefined && !HOST_PORT_PATTERN.test(values.address))
    throw new UsageError(`--address: expected host:port, e.g. 127.0.0.1:7233, got "${values.address}"`);
  const env = { ...process.env, ...(values.config !== undefined ? { NEXUS_BOT_CONFIG: values.config } : {}) };
  const config = loadWorkerConfig(env);
  return {
    temporal: {
      ...config.temporal,
      ...(values.address ? { address: values.address } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
    },
    codecKeysFile: values['codec-keys'] ?? config.codec?.keysFile,
    monitors: config.monitors,
  };
}

export async function connect(temporal: WorkerConfig['temporal']): Promise<Connection> {
  const options = temporalConnectionOptions(temporal);
  try {
    return await Connection.connect({ ...options, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${temporal.address}${options.tls ? ' (TLS)' : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Runs `use` with a client of the target, and closes the connection after. */
export async function withClient<T>(
  target: TemporalTarget,
  use: (client: Client, connection: Connection) => Promise<T>,
): Promise<T> {
  // The key file is read before connecting: a bad one is named at once.
  const dataConverter = codecDataConverter(target.codecKeysFile);
  const connection = await connect(target.temporal);
  try {
    return await use(new Client({ connection, namespace: target.temporal.namespace, dataConverter }), connection);
  } finally {
    await connection.close();
  }
}
