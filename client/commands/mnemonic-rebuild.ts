// `nexus-bot mnemonic rebuild <rollupAdmin>`: writes a rollup's lost key index state again from
// the chain and the mnemonic, in the worker's store (folder or DynamoDB table). The bot refuses to
// allocate keys for a rollup that has deposits but no state (activities/index-state-guard.ts);
// this is how the operator answers that.
//   1. the rollup's deposited keys: Nexus ValidatorSubmitted logs, read in chunks (chain/reads.ts);
//   2. the mnemonic's keys, derived index by index until all are found or a gap limit is reached
//      (activities/keys/index-rebuild.ts says why 1,000 by default);
//   3. the state, written under the store's lock (or conditional writes): next index past the
//      highest found, the found indices recorded as allocations. An existing state is changed only with --force, which keeps
//      its allocations and never moves its next index back; a run that finds nothing new writes
//      nothing (idempotent).
// Only public keys are printed; the salt, the mnemonic and the secret keys never are.
import { parseArgs } from 'node:util';
import { ethers } from 'ethers';
import { readRollupState, readRollupValidatorKeys } from '../../activities/chain/reads';
import { FailoverJsonRpcProvider, describeRpcUrl } from '../../activities/chain/rpc';
import type { IndexStore } from '../../activities/keys/index-store';
import {
  DEFAULT_GAP_LIMIT,
  describeRanges,
  planRebuild,
  scanMnemonicKeys,
  type RebuildPlan,
} from '../../activities/keys/index-rebuild';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config';
import { UsageError, positiveIntegerArgument } from '../cli-support';
import { chooseIndexStore, INDEX_STORE_OPTIONS, openIndexStore, type IndexStoreChoice } from './index-store-cli';
import {
  SALT_AND_AWS_OPTIONS,
  SALT_AND_AWS_PARSE_OPTIONS,
  awsOptions,
  parseOrExplain,
  readRollupMnemonic,
  requireSaltSource,
  rollupAdminArgument,
} from './mnemonic-support';

export const MNEMONIC_REBUILD_USAGE = `Usage: nexus-bot mnemonic rebuild <rollupAdmin> [--config <file>] [--rpc-url <url>] [--nexus <address>] [--index-state <folder> | --index-table <table>] [--gap-limit <n>] [--force] [--salt-file <path>|-] [--aws-region <region>] [--aws-endpoint <url>]

Rebuilds the rollup's key index state (file or DynamoDB items) from the chain and the rollup's mnemonic: reads the
keys Nexus holds deposited for the rollup (ValidatorSubmitted), derives the mnemonic's keys
m/12381/3600/<i>/0/0 from index 0 until every deposited key is found or --gap-limit indices in a
row after the last match derive none, and writes a state whose next index is past the highest
found, with the found indices recorded as allocated. Deposited keys this mnemonic does not derive
(DKG keys) are listed. Only public keys are printed.
An existing state is left alone when the rebuild finds nothing it lacks; changing it needs
--force, which keeps its allocations and never moves its next index back.
  --config <file>         the worker's configuration (NEXUS_BOT_CONFIG): chain.rpcUrls, chain.chainId,
                          contracts.nexus, chain.ssvFromBlock, chain.logMaxRange, keys.indexStateDir
                          or keys.indexStore
                          and aws are taken from it; the flags below override them
  --rpc-url <url>         JSON-RPC endpoint of the chain
  --nexus <address>       the Nexus contract
  --from-block <n>        first block of the ValidatorSubmitted scan (default: chain.ssvFromBlock, 0)
  --log-max-range <n>     largest eth_getLogs block range the RPC accepts (default: chain.logMaxRange)
${INDEX_STORE_OPTIONS}
  --gap-limit <n>         unmatched indices in a row after the last match before the search stops
                          (default ${DEFAULT_GAP_LIMIT}: ten failed batches of 100; ~21 ms per index)
  --force                 merge into an existing state
${SALT_AND_AWS_OPTIONS}`;

/** A progress line at most this often on long runs (stderr: stdout stays the summary). */
const PROGRESS_EVERY_MS = 2_000;

type Out = (line: string) => void;

interface Settings {
  rpcUrls: string[];
  chainId?: number;
  nexus: string;
  fromBlock: number;
  maxRange: number;
  store: IndexStoreChoice;
  region?: string;
  endpoint?: string;
}

export async function mnemonicRebuildCommand(
  argv: string[],
  out: Out,
  progress: Out = (line) => process.stderr.write(`${line}\n`),
): Promise<void> {
  const { values, positionals } = parseOrExplain(MNEMONIC_REBUILD_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        ...SALT_AND_AWS_PARSE_OPTIONS,
        config: { type: 'string' },
        'rpc-url': { type: 'string' },
        nexus: { type: 'string' },
        'from-block': { type: 'string' },
        'log-max-range': { type: 'string' },
        'index-state': { type: 'string' },
        'index-table': { type: 'string' },
        'gap-limit': { type: 'string' },
        force: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    out(MNEMONIC_REBUILD_USAGE);
    return;
  }
  const admin = rollupAdminArgument(positionals, MNEMONIC_REBUILD_USAGE);
  const settings = resolveSettings(values);
  const gapLimit = positiveIntegerArgument('--gap-limit', values['gap-limit']) ?? DEFAULT_GAP_LIMIT;
  const aws = awsOptions(values['aws-region'] ?? settings.region, values['aws-endpoint'] ?? settings.endpoint);
  requireSaltSource(values['salt-file'], MNEMONIC_REBUILD_USAGE);
  // A wrong folder or a missing table is reported before the chain is read or anyone is asked for the salt.
  const opened = await openIndexStore(settings.store, {
    region: values['aws-region'],
    endpoint: values['aws-endpoint'],
  });
  try {
    await rebuild(
      admin,
      settings,
      { gapLimit, force: values.force, aws, saltFile: values['salt-file'] },
      opened.store,
      out,
      progress,
    );
  } finally {
    opened.close();
  }
}

async function rebuild(
  admin: string,
  settings: Settings,
  opts: { gapLimit: number; force: boolean; aws: ReturnType<typeof awsOptions>; saltFile: string | undefined },
  store: IndexStore,
  out: Out,
  progress: Out,
): Promise<void> {
  const { gapLimit } = opts;
  const statePath = store.stateLocation(admin);

  const tick = throttle(progress);
  const chainId = settings.chainId ?? (await chainIdOf(settings.rpcUrls[0]));
  const provider = new FailoverJsonRpcProvider({ urls: settings.rpcUrls, chainId });
  let deposits: { blockNumber: number; pubkeys: string[] };
  try {
    // A rollup Nexus does not know (a typo, another Nexus) fails here, instead of writing an empty state.
    await readRollupState(provider, settings.nexus, admin);
    deposits = await readRollupValidatorKeys(provider, settings.nexus, admin, {
      fromBlock: settings.fromBlock,
      maxRange: settings.maxRange,
      onProgress: ({ scannedBlocks, totalBlocks }) =>
        tick(`scanned ${scannedBlocks} of ${totalBlocks} blocks for ValidatorSubmitted logs`),
    });
  } finally {
    provider.destroy();
  }
  const deposited = [...new Set(deposits.pubkeys)];
  out(
    `rollup ${admin}: ${deposited.length} key(s) deposited at Nexus ${ethers.getAddress(settings.nexus)} (ValidatorSubmitted, blocks ${settings.fromBlock}-${deposits.blockNumber})`,
  );

  let found: { index: number; pubkey: string }[] = [];
  let notDerived: string[] = [];
  if (deposited.length > 0) {
    const mnemonic = await readRollupMnemonic(admin, opts.aws, opts.saltFile);
    const started = Date.now();
    const scan = await scanMnemonicKeys({
      mnemonic,
      deposited,
      gapLimit,
      onProgress: ({ derived, found: n }) =>
        tick(
          `derived ${derived} key(s), found ${n} of ${deposited.length} (${Math.round((Date.now() - started) / 1000)} s)`,
        ),
    });
    ({ found, notDerived } = scan);
    out(`derived indices 0-${scan.derived - 1} of the rollup's mnemonic (gap limit ${gapLimit})`);
  }
  const highest = found.length > 0 ? found[found.length - 1].index : undefined;
  out(
    `found ${found.length} of ${deposited.length} deposited key(s) derived from this mnemonic; highest index ${highest ?? 'none'}`,
  );
  if (notDerived.length > 0) {
    out(
      `${notDerived.length} deposited key(s) not derived from this mnemonic within the gap limit (DKG keys, or another mnemonic's):`,
    );
    for (const k of notDerived) out(`  ${k}`);
    out(
      "  (if some are this mnemonic's keys past a longer run of unused indices, run again with a larger --gap-limit and --force)",
    );
  }

  let plan: RebuildPlan | undefined;
  const result = await store.updateState(admin, (current) => {
    plan = planRebuild({ rollupAdmin: admin, current, found, force: opts.force, statePath });
    return plan.state;
  });
  const added = plan?.added ?? [];
  const ranges = describeRanges(added);
  if (!result.written) {
    out(`${statePath} already holds every found index (next index ${result.before?.nextIndex}): nothing written`);
    return;
  }
  const before = result.before
    ? `was ${result.before.nextIndex}`
    : `no ${store.kind === 'file' ? 'file' : 'state'} before`;
  out(
    `wrote ${statePath}: next index ${result.after?.nextIndex} (${before}), ${added.length} allocation(s) added${ranges ? ` for indices ${ranges}` : ''}`,
  );
}

/** Flags over the worker configuration (--config or NEXUS_BOT_CONFIG), each missing one named. */
function resolveSettings(values: Record<string, string | boolean | undefined>): Settings {
  const flag = (name: string) => values[name] as string | undefined;
  const env = { ...process.env, ...(flag('config') !== undefined ? { NEXUS_BOT_CONFIG: flag('config') } : {}) };
  const config: WorkerConfig | undefined = env.NEXUS_BOT_CONFIG ? loadWorkerConfig(env) : undefined;
  const rpcUrl = flag('rpc-url');
  if (rpcUrl !== undefined && !/^https?:\/\/\S+$/.test(rpcUrl))
    throw new UsageError(`--rpc-url: expected an http(s) URL, got "${rpcUrl}"`);
  const rpcUrls = rpcUrl !== undefined ? [rpcUrl] : config?.chain?.rpcUrls;
  if (!rpcUrls)
    throw new UsageError(
      `no chain: pass --rpc-url <url> or --config <worker config with chain.rpcUrls>\n\n${MNEMONIC_REBUILD_USAGE}`,
    );
  const nexus = flag('nexus') ?? config?.contracts?.nexus;
  if (nexus === undefined)
    throw new UsageError(
      `no Nexus address: pass --nexus <address> or --config <worker config with contracts.nexus>\n\n${MNEMONIC_REBUILD_USAGE}`,
    );
  if (!ethers.isAddress(nexus))
    throw new UsageError(`--nexus: expected a 0x-prefixed 20-byte hex address, got "${nexus}"`);
  const store = chooseIndexStore({ indexState: flag('index-state'), indexTable: flag('index-table') }, config);
  if (store === undefined) {
    throw new UsageError(
      `no index state: pass --index-state <folder>, --index-table <table> or --config <worker config with keys.indexStateDir or keys.indexStore>\n\n${MNEMONIC_REBUILD_USAGE}`,
    );
  }
  const fromBlock =
    flag('from-block') === undefined
      ? (config?.chain?.ssvFromBlock ?? 0)
      : blockNumberArgument(flag('from-block') as string);
  return {
    rpcUrls,
    chainId: rpcUrl === undefined ? config?.chain?.chainId : undefined,
    nexus,
    fromBlock,
    maxRange: positiveIntegerArgument('--log-max-range', flag('log-max-range')) ?? config?.chain?.logMaxRange ?? 10_000,
    store,
    region: config?.aws?.region,
    endpoint: config?.aws?.endpoint,
  };
}

function blockNumberArgument(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new UsageError(`--from-block: expected a block number ≥ 0, got "${value}"`);
  return n;
}

/** The chain id the endpoint reports (an --rpc-url without a configuration that names it). */
async function chainIdOf(url: string): Promise<number> {
  const probe = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    return Number(BigInt((await probe.send('eth_chainId', [])) as string));
  } catch (err) {
    // Named by its redacted form: providers put API keys in the URL.
    throw new Error(
      `cannot read the chain id from ${describeRpcUrl(url)} (${(err as { code?: string }).code ?? 'error'}); pass --config with chain.chainId`,
      { cause: err },
    );
  } finally {
    probe.destroy();
  }
}

/** Passes a line on at most every PROGRESS_EVERY_MS (the first after that long: short runs print none). */
function throttle(progress: Out): Out {
  let last = Date.now();
  return (line) => {
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    progress(line);
  };
}
