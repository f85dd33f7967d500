// The `nexus-bot` CLI. Commands are added by the issues that build them (start, pause, resume,
// status, list, show …); every command answers --help, and bad arguments get a clear error.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from '../temporal-config/names';
import { CODEC_KEYS_FILE_ENV, codecDataConverter } from '../temporal-config/data-converter';
import { selfCheckWorkflow } from '../workflows/self-check';
import { codecServerCommand } from './commands/codec-server';
import { mnemonicCommand } from './commands/mnemonic';

const USAGE = `Usage: nexus-bot <command> [options]

Commands:
  self-check   run a short workflow on the bot's task queue and report which worker ran it
  mnemonic     create a rollup's mnemonic secret, list its derived pubkeys (create, keys)
  codec-server serve the payload codec to the Temporal Web UI and \`temporal --codec-endpoint\`

Global options (or environment):
  --address <host:port>   Temporal frontend (NEXUS_BOT_TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace <name>      Temporal namespace (NEXUS_BOT_TEMPORAL_NAMESPACE, default ${DEFAULT_NAMESPACE})
  --codec-keys <file>     payload codec key file, as the worker's (${CODEC_KEYS_FILE_ENV}); without
                          it payloads are sent in clear and encrypted ones cannot be read
  -h, --help              this help; \`nexus-bot <command> --help\` for a command`;

const SELF_CHECK_USAGE = `Usage: nexus-bot self-check [--wait <duration>] [--address <host:port>] [--namespace <name>] [--codec-keys <file>]

Starts the self-check workflow on task queue "${TASK_QUEUE}", waits for it and prints the worker
that ran it. Fails when no worker picks it up within --timeout.
  --wait <duration>     durable timer inside the workflow (default "1 second")
  --timeout <seconds>   how long to wait for the result (default 30)`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export async function run(argv: string[], out: (line: string) => void = console.log): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    out(USAGE);
    return;
  }
  switch (command) {
    case 'self-check':
      return selfCheck(rest, out);
    case 'mnemonic':
      return mnemonicCommand(rest, out);
    case 'codec-server':
      return codecServerCommand(rest, out);
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

async function selfCheck(argv: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseOrExplain(SELF_CHECK_USAGE, () => parseArgs({
    args: argv,
    options: {
      ...GLOBAL_OPTIONS,
      wait: { type: 'string', default: '1 second' },
      timeout: { type: 'string', default: '30' },
    },
    strict: true,
  }));
  if (values.help) {
    out(SELF_CHECK_USAGE);
    return;
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: expected a positive number of seconds, got "${values.timeout}"`);
  const address = values.address ?? process.env.NEXUS_BOT_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = values.namespace ?? process.env.NEXUS_BOT_TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE;
  const dataConverter = codecDataConverter(values['codec-keys'] ?? process.env[CODEC_KEYS_FILE_ENV]);
  const connection = await connect(address);
  try {
    const client = new Client({ connection, namespace, dataConverter });
    const workflowId = `self-check-${Date.now()}`;
    const handle = await client.workflow.start(selfCheckWorkflow, { taskQueue: TASK_QUEUE, workflowId, args: [{ wait: values.wait }] });
    const result = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(
        `no worker finished ${workflowId} within ${timeoutSeconds} s: is a nexus-bot worker polling task queue "${TASK_QUEUE}" in namespace ${namespace}?`)), timeoutSeconds * 1000).unref()),
    ]).catch(async (err: unknown) => {
      await handle.terminate('self-check timed out').catch(() => undefined);
      throw err;
    });
    out(`ok: ${workflowId} ran on ${result.worker}; timer fired: ${result.timerFired}`);
  } finally {
    await connection.close();
  }
}

const GLOBAL_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  'codec-keys': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** node:util parseArgs errors, turned into a usage error that shows the command's help. */
function parseOrExplain<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

async function connect(address: string): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address}: ${(err as Error).message}`, { cause: err });
  }
}

if (require.main === module || process.argv[1]?.endsWith('nexus-bot.js')) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`nexus-bot: ${(err as Error).message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
