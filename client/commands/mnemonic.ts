// `nexus-bot mnemonic …`: set-up commands of the mnemonic key path (deprecated, still supported).
//   create  generates a rollup's 24-word mnemonic and stores it in AWS Secrets Manager as an
//           EIP-2335 keystore under the salt (MnemonicVault); the words are printed only with
//           --show-mnemonic, once, for an offline copy.
//   keys    re-derives the signing keys of every index the rollup has allocated (its index store)
//           and prints their public keys; the secret keys are wiped as soon as each batch is printed.
//   rebuild rebuilds a rollup's lost index state from the chain and the mnemonic (mnemonic-rebuild.ts).
//   create-index-table  creates the DynamoDB table of a shared index store (index-store-cli.ts).
//   import-index-state  copies a folder of state files into that table (index-state-import.ts).
// The salt is read by client/salt-input.ts (file, standard input or hidden prompt), never taken
// from an argument or the environment, and never printed (DESIGN.md invariant 3).
import { parseArgs } from 'node:util';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { generateMnemonic, MnemonicVault, mnemonicSecretName } from '../../activities/keys/mnemonic-vault';
import { UsageError } from '../cli-support';
import { readSalt } from '../salt-input';
import { mnemonicRebuildCommand } from './mnemonic-rebuild';
import { importIndexStateCommand } from './index-state-import';
import { chooseIndexStore, createIndexTableCommand, INDEX_STORE_OPTIONS, openIndexStore } from './index-store-cli';
import {
  SALT_AND_AWS_OPTIONS,
  SALT_AND_AWS_PARSE_OPTIONS,
  awsOptions,
  describeAwsFailure,
  parseOrExplain,
  readRollupMnemonic,
  requireSaltSource,
  rollupAdminArgument,
  secretsManager,
} from './mnemonic-support';

export const MNEMONIC_USAGE = `Usage: nexus-bot mnemonic <subcommand> [options]

Set-up of the mnemonic key path (deprecated, still supported): each rollup's validator keys are
derived (EIP-2333/2334) from its own mnemonic, kept in AWS Secrets Manager encrypted under the salt.

Subcommands:
  create <rollupAdmin>   generate the rollup's mnemonic and store it, encrypted under the salt
  keys <rollupAdmin>     re-derive and list the public keys of the rollup's allocated indices
  rebuild <rollupAdmin>  rebuild a lost index state from the chain's deposits and the mnemonic
  create-index-table     create the DynamoDB table of a key index state shared by several workers
  import-index-state     copy a folder of index state files into that table (moving to it)

\`nexus-bot mnemonic <subcommand> --help\` shows a subcommand's options.`;

export const MNEMONIC_CREATE_USAGE = `Usage: nexus-bot mnemonic create <rollupAdmin> [--show-mnemonic] [--salt-file <path>|-] [--aws-region <region>] [--aws-endpoint <url>]

Generates a 24-word BIP-39 mnemonic for the rollup whose admin address is <rollupAdmin> (EIP-55
or lower-case hex), encrypts it as an EIP-2335 keystore whose password is the salt, and stores it
in Secrets Manager as nexus-bot/rollups/<rollupAdmin in lower case>/mnemonic. An existing secret is
never replaced (that would orphan every validator derived from it). The mnemonic is not printed.
  --show-mnemonic         print the mnemonic once, to be written down and stored offline; the
                          only way its words ever reach a terminal
${SALT_AND_AWS_OPTIONS}`;

export const MNEMONIC_KEYS_USAGE = `Usage: nexus-bot mnemonic keys <rollupAdmin> --index-state <folder> [--json] [--salt-file <path>|-] [--aws-region <region>] [--aws-endpoint <url>]
       (--index-table <table> instead of --index-state: a DynamoDB store)

Reads the rollup's mnemonic from Secrets Manager (decrypted with the salt) and the key indices the
rollup has allocated from the bot's index state folder (or --index-table), re-derives the signing
keys (m/12381/3600/<index>/0/0) and prints "index  path  pubkey" per key. Secret keys are wiped after use.
${INDEX_STORE_OPTIONS}
  --json                  print a JSON array of {index, path, pubkey} instead
${SALT_AND_AWS_OPTIONS}`;

/** Keys are derived and wiped in batches: bounded memory and secret lifetime for 10,000+ indices. */
const DERIVE_BATCH = 256;

type Out = (line: string) => void;

/** `nexus-bot mnemonic <subcommand> …` */
export async function mnemonicCommand(argv: string[], out: Out): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '-h' || subcommand === '--help') {
    out(MNEMONIC_USAGE);
    return;
  }
  switch (subcommand) {
    case 'create':
      return create(rest, out);
    case 'keys':
      return keys(rest, out);
    case 'rebuild':
      return mnemonicRebuildCommand(rest, out);
    case 'create-index-table':
      return createIndexTableCommand(rest, out);
    case 'import-index-state':
      return importIndexStateCommand(rest, out);
    default:
      throw new UsageError(`unknown mnemonic subcommand "${subcommand}"\n\n${MNEMONIC_USAGE}`);
  }
}

async function create(argv: string[], out: Out): Promise<void> {
  const { values, positionals } = parseOrExplain(MNEMONIC_CREATE_USAGE, () =>
    parseArgs({
      args: argv,
      options: { ...SALT_AND_AWS_PARSE_OPTIONS, 'show-mnemonic': { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    out(MNEMONIC_CREATE_USAGE);
    return;
  }
  const admin = rollupAdminArgument(positionals, MNEMONIC_CREATE_USAGE);
  const aws = awsOptions(values['aws-region'], values['aws-endpoint']);
  requireSaltSource(values['salt-file'], MNEMONIC_CREATE_USAGE);

  const salt = await readSalt({ saltFile: values['salt-file'] });
  const client = secretsManager(aws);
  try {
    const vault = new MnemonicVault(client, salt);
    // Without --show-mnemonic the words are generated inside the vault and never exist here.
    const shown = values['show-mnemonic'] ? generateMnemonic() : undefined;
    const { secretArn } = await describeAwsFailure(aws, () =>
      vault.createMnemonic(admin, shown === undefined ? {} : { mnemonic: shown }),
    );
    out(`created the mnemonic secret of rollup ${admin}`);
    out(`  name: ${mnemonicSecretName(admin)}`);
    out(`  arn:  ${secretArn}`);
    out('  stored as an EIP-2335 keystore encrypted under the salt');
    if (shown === undefined) {
      out('The mnemonic was NOT printed. The secret and the salt together are the only way to recover it:');
      out('keep both safe (re-running create never replaces the secret).');
    } else {
      out('');
      out('WARNING: the mnemonic below is shown this once. Write it down and store it offline (paper or');
      out('hardware, never a file, chat or ticket), then clear this terminal: anyone who has it controls');
      out(`every validator key of rollup ${admin}.`);
      out('');
      out(`mnemonic: ${shown}`);
    }
  } finally {
    salt.wipe();
    client.destroy();
  }
}

async function keys(argv: string[], out: Out): Promise<void> {
  const { values, positionals } = parseOrExplain(MNEMONIC_KEYS_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        ...SALT_AND_AWS_PARSE_OPTIONS,
        'index-state': { type: 'string' },
        'index-table': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    out(MNEMONIC_KEYS_USAGE);
    return;
  }
  const admin = rollupAdminArgument(positionals, MNEMONIC_KEYS_USAGE);
  const choice =
    values['index-state'] === ''
      ? undefined
      : chooseIndexStore({ indexState: values['index-state'], indexTable: values['index-table'] }, undefined);
  if (choice === undefined) {
    throw new UsageError(
      `--index-state <folder> is required (the worker's index state folder), or --index-table <table>\n\n${MNEMONIC_KEYS_USAGE}`,
    );
  }
  const aws = awsOptions(values['aws-region'], values['aws-endpoint']);
  requireSaltSource(values['salt-file'], MNEMONIC_KEYS_USAGE);

  // The index state first: a wrong folder or table is reported before anyone is asked for the salt.
  const opened = await openIndexStore(choice, { region: values['aws-region'], endpoint: values['aws-endpoint'] });
  const { where } = opened;
  const noun = opened.store.kind === 'file' ? 'index state file' : 'index state';
  let present: boolean;
  let indices: number[];
  try {
    present = (await opened.store.readStateIfPresent(admin)) !== undefined;
    indices = await opened.store.allocatedIndices(admin);
  } finally {
    opened.close();
  }
  const mnemonic = await readRollupMnemonic(admin, aws, values['salt-file']);

  if (indices.length === 0) {
    if (values.json) out('[]');
    else if (present)
      out(`rollup ${admin} has no allocated key indices in ${where} (its mnemonic secret opens with this salt)`);
    else {
      out(`rollup ${admin} has no ${noun} in ${where} (its mnemonic secret opens with this salt); if Nexus holds`);
      out(
        `deposits for it, the ${opened.store.kind === 'file' ? 'file' : 'state'} is lost: \`nexus-bot mnemonic rebuild ${admin}\` rebuilds it from the chain`,
      );
    }
    return;
  }
  const rows: { index: number; path: string; pubkey: string }[] = [];
  const pathWidth = `m/12381/3600/${indices[indices.length - 1]}/0/0`.length;
  if (!values.json) out(`${'index'.padEnd(7)}${'path'.padEnd(pathWidth + 2)}pubkey`);
  for (let i = 0; i < indices.length; i += DERIVE_BATCH) {
    const derived = await deriveSigningKeys(mnemonic, indices.slice(i, i + DERIVE_BATCH));
    try {
      for (const key of derived) {
        if (values.json) rows.push({ index: key.index, path: key.path, pubkey: key.pubkeyHex });
        else out(`${String(key.index).padEnd(7)}${key.path.padEnd(pathWidth + 2)}${key.pubkeyHex}`);
      }
    } finally {
      wipeKeys(derived);
    }
  }
  if (values.json) out(JSON.stringify(rows, null, 2));
}
