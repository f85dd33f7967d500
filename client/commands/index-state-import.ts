// `nexus-bot mnemonic import-index-state`: copies every rollup's key index state file of a folder
// into the DynamoDB store, as it is (every allocation, recorded pubkeys, next index). This, not a
// rebuild, is how a deployment moves from the folder to the table: a rebuild restores only what
// reached the chain, so a batch allocated but not yet deposited could get its indices again.
// Idempotent: a rollup the table already holds identically is skipped; one it holds differently is
// refused (named), never merged or overwritten.
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { getAddress } from 'ethers';
import type { IndexState } from '../../activities/keys/index-store';
import { loadWorkerConfig } from '../../worker/config';
import { UsageError } from '../cli-support';
import { chooseIndexStore, openIndexStore } from './index-store-cli';
import { parseOrExplain } from './mnemonic-support';

export const IMPORT_INDEX_STATE_USAGE = `Usage: nexus-bot mnemonic import-index-state --index-state <folder> [--index-table <table>] [--config <file>] [--aws-region <region>] [--aws-endpoint <url>]

Copies the key index state of every rollup in the folder (one <rollupAdmin>.json each) into the
DynamoDB table of keys.indexStore, as it is. Stop the workers that use the folder first, and start
them on the table after. A rollup the table already holds identically is skipped; one it holds
differently is refused and named (nothing is merged or overwritten).
  --index-state <folder>  the folder of state files (keys.indexStateDir)
  --index-table <table>   the table (default: keys.indexStore.table of --config)
  --config <file>         the worker's configuration with keys.indexStore (table, region, endpoint)
  --aws-region <region>   DynamoDB region (default: keys.indexStore.region, aws.region, $AWS_REGION)
  --aws-endpoint <url>    DynamoDB endpoint, e.g. moto or localstack
  -h, --help              this help`;

const STATE_FILE = /^(0x[0-9a-f]{40})\.json$/;

export async function importIndexStateCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseOrExplain(IMPORT_INDEX_STATE_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        'index-state': { type: 'string' },
        'index-table': { type: 'string' },
        config: { type: 'string' },
        'aws-region': { type: 'string' },
        'aws-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    out(IMPORT_INDEX_STATE_USAGE);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${IMPORT_INDEX_STATE_USAGE}`);
  const folder = values['index-state'];
  if (folder === undefined || folder === '')
    throw new UsageError(
      `--index-state <folder> is required (the folder of state files)\n\n${IMPORT_INDEX_STATE_USAGE}`,
    );
  const config =
    values.config === undefined ? undefined : loadWorkerConfig({ ...process.env, NEXUS_BOT_CONFIG: values.config });
  const target = chooseIndexStore({ indexTable: values['index-table'] }, config);
  if (target?.kind !== 'dynamodb')
    throw new UsageError(
      `no table: pass --index-table <table> or --config <worker config with keys.indexStore>\n\n${IMPORT_INDEX_STATE_USAGE}`,
    );

  const source = await openIndexStore({ kind: 'file', folder }, {});
  const names = (await fs.readdir(folder)).filter((n) => STATE_FILE.test(n)).sort();
  const opened = await openIndexStore(target, { region: values['aws-region'], endpoint: values['aws-endpoint'] });
  const refused: string[] = [];
  try {
    out(`${names.length} rollup state file(s) in ${folder} → ${opened.where}`);
    for (const name of names) {
      const admin = getAddress((STATE_FILE.exec(name) as RegExpExecArray)[1]);
      const state = await source.store.readStateIfPresent(admin);
      if (state === undefined) continue; // removed since the listing
      const result = await opened.store
        .updateState(admin, (current) => {
          if (current === undefined) return state;
          if (sameState(current, state)) return undefined;
          throw new Error(
            `the table holds another state for rollup ${admin} (next index ${current.nextIndex}, ` +
              `${current.allocations.length} allocation(s); the file: ${state.nextIndex}, ${state.allocations.length}): nothing written for it`,
          );
        })
        .catch((err: unknown) => {
          refused.push(`${admin}: ${(err as Error).message}`);
          return undefined;
        });
      if (result === undefined) continue;
      out(
        `  ${admin}: ${result.written ? `imported, next index ${state.nextIndex}, ${state.allocations.length} allocation(s)` : 'already in the table, identical: skipped'}`,
      );
    }
  } finally {
    opened.close();
  }
  if (refused.length > 0) throw new Error(`${refused.length} rollup(s) not imported:\n  ${refused.join('\n  ')}`);
}

function sameState(a: IndexState, b: IndexState): boolean {
  const key = (s: IndexState) =>
    JSON.stringify({
      nextIndex: s.nextIndex,
      allocations: [...s.allocations]
        .sort((x, y) => x.start - y.start)
        .map((x) => [x.requestId, x.start, x.count, x.allocatedAt, x.pubkeys ?? null]),
    });
  return key(a) === key(b);
}
