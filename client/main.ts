// The `nexus-bot` CLI: one file per group of commands under commands/; every command answers
// --help, bad arguments get a clear error (exit code 2), operational errors exit with 1.
import { CODEC_KEYS_FILE_ENV } from '../temporal-config/data-converter';
import { DEFAULT_NAMESPACE } from '../temporal-config/names';
import { UsageError, type Out } from './cli-support';
import { codecServerCommand } from './commands/codec-server';
import { listCommand, showCommand, statusCommand } from './commands/inspect';
import { mnemonicCommand } from './commands/mnemonic';
import { registrarCommand } from './commands/registrar';
import {
  pauseCommand,
  pollIntervalCommand,
  resumeCommand,
  startCommand,
  stopCommand,
  syncCommand,
} from './commands/rollups';
import { runwayCommand } from './commands/runway';
import { searchAttributesCommand } from './commands/search-attributes';
import { selfCheckCommand } from './commands/self-check';
import { lockCommand, unlockCommand } from './commands/unlock';

export { UsageError };

const COMMANDS: Record<string, (argv: string[], out: Out) => Promise<void>> = {
  start: startCommand,
  stop: stopCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  status: statusCommand,
  list: listCommand,
  show: showCommand,
  'poll-interval': pollIntervalCommand,
  sync: syncCommand,
  'search-attributes': searchAttributesCommand,
  'self-check': selfCheckCommand,
  mnemonic: mnemonicCommand,
  'codec-server': codecServerCommand,
  runway: runwayCommand,
  registrar: registrarCommand,
  unlock: unlockCommand,
  lock: lockCommand,
};

const USAGE = `Usage: nexus-bot <command> [options]

Rollups (named by their admin address):
  start <rollup> --key-path <mnemonic|dkg>   start the rollup's monitor
  stop <rollup>            stop its monitor (batches in flight finish on their own)
  pause <rollup> --reason  stop new work at the next safe point, and say why
  resume <rollup>          go on after a pause
  status <rollup> [--json] what its monitor is doing: phase, pause, last plan, batches in flight
  list [--json]            every monitored rollup with its state
  show <workflowId|pubkey> a creation (ceremony) or exit batch, found by id or validator key
  poll-interval <rollup> <duration>   how often its monitor looks at the chain
  sync <rollup>            make its monitor look at the chain now

SSV clusters:
  runway [--json]          each Nexus cluster's runway, state and the top-up budget left
  runway start             start the cluster runway watcher (one per namespace)

SSV registrations (every rollup's, in the Nexus owner-nonce order):
  registrar status         queue, reservation, owner-nonce floor, and whether registrations are halted
  registrar resume --reason <text>   lift a halt once an operator has acted (re-reads the chain)

The salt of a running worker (over its local unlock socket):
  unlock [--salt-file <path>|-]   give the salt to a worker started without it (checked first)
  unlock --status          whether the worker is locked ("locked: waiting for the salt")
  lock                     take the salt back: mnemonic steps wait again

Set-up and tools:
  search-attributes register   register the bot's search attributes in a namespace
  self-check   run a short workflow on the bot's task queue and report which worker ran it
  mnemonic     create a rollup's mnemonic secret, list its derived pubkeys, rebuild a lost
               index state from the chain (create, keys, rebuild)
  codec-server serve the payload codec to the Temporal Web UI and \`temporal --codec-endpoint\`

Options of the commands that talk to Temporal (or environment):
  --config <file>         the worker's configuration (NEXUS_BOT_CONFIG): address, namespace, TLS
                          and API key files for a Temporal cluster or Temporal Cloud, codec keys
  --address <host:port>   Temporal frontend (NEXUS_BOT_TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace <name>      Temporal namespace (NEXUS_BOT_TEMPORAL_NAMESPACE, default ${DEFAULT_NAMESPACE})
  --codec-keys <file>     payload codec key file, as the worker's (${CODEC_KEYS_FILE_ENV}); without
                          it payloads are sent in clear and encrypted ones cannot be read
  -h, --help              this help; \`nexus-bot <command> --help\` for a command`;

export async function run(argv: string[], out: Out = console.log): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    out(USAGE);
    return;
  }
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  return handler(rest, out);
}

if (require.main === module || process.argv[1]?.endsWith('nexus-bot.js')) {
  // The AWS SDK's notice that its releases after January 2027 need Node 22 (Node 20 here, the SDK
  // pinned): silenced with the SDK's own switch unless the operator set it (README, Node version).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`nexus-bot: ${(err as Error).message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
