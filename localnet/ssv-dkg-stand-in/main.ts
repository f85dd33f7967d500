// Entry point of the ssv-dkg stand-in (see README of the fixtures: ssv-dkg v3.1.0 cannot be
// installed here). Dispatches the subcommands the bot and the local network use: version,
// start-operator, init, ping; the others print their real help and refuse to run. Exit status 0
// on success, 1 on any failure, as the real binary.
import { standInVersion } from './common';
import { flagReader, FlagError, parseFlags } from './flags';
import { HELP_TEXTS } from './help-texts';
import { runInit } from './init-command';
import { FatalExit } from './logger';
import { startOperator } from './operator-command';
import { runPing } from './ping-command';

const ROOT_HELP = `DKG tool to create validator keys with SSV operators (stand-in of ssv-dkg ${'v3.1.0'})

Usage:
  ssv-dkg [command]

Available Commands:
  generate-resign-msg Generate resign message hash for one or multiple ceremonies
  help                Help about any command
  init                Initiates a DKG protocol
  ping                Ping DKG operators
  reshare             Reshare an existing key to new operators
  resign              Resigning DKG results
  start-operator      Starts an instance of DKG operator
  verify              Verifies a DKG ceremony directory
  version             Print the version

Flags:
  -h, --help      help for ssv-dkg
  -v, --version   version for ssv-dkg

Use "ssv-dkg [command] --help" for more information about a command.
`;

const RUNNERS: Readonly<Record<string, (f: ReturnType<typeof flagReader>) => Promise<void>>> = {
  init: runInit,
  'start-operator': startOperator,
  ping: runPing,
};

function usageOf(command: string): string {
  const help = HELP_TEXTS[command];
  return help.slice(help.indexOf('Usage:'));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const target = command === 'help' ? rest[0] : undefined;
    process.stdout.write(target !== undefined && HELP_TEXTS[target] !== undefined ? HELP_TEXTS[target] : ROOT_HELP);
    return 0;
  }
  if (command === 'version' || command === '-v' || command === '--version') {
    process.stdout.write(`${standInVersion()}\n`);
    return 0;
  }
  if (HELP_TEXTS[command] === undefined) {
    process.stderr.write(`Error: unknown command "${command}" for "ssv-dkg"\nRun 'ssv-dkg --help' for usage.\n`);
    return 1;
  }
  let flags: ReturnType<typeof flagReader>;
  try {
    flags = flagReader(parseFlags(command, rest));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`Error: ${err.message}\n${usageOf(command)}`);
    return 1;
  }
  if (flags.bool('help')) {
    process.stdout.write(HELP_TEXTS[command]);
    return 0;
  }
  if (flags.isSet('version') && flags.bool('version')) {
    process.stdout.write(`${standInVersion()}\n`);
    return 0;
  }
  const run = RUNNERS[command];
  if (!run) {
    process.stderr.write(`Error: ssv-dkg ${command} is not implemented by the stand-in\n`);
    return 1;
  }
  try {
    await run(flags);
    return 0;
  } catch (err) {
    if (!(err instanceof FatalExit)) process.stderr.write(`Error: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
