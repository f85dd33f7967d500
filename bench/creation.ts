// Validator creation on the real parts (DESIGN §5 benchmarks): Temporal dev server, anvil with our
// contracts, moto with the encrypted mnemonics, and the worker as its own process
// (test/harness/creation-network.ts). One fresh network per run, runs one after another.
//   1. end to end, mnemonic path: validators per minute, time to first deposit
//   2. gas per validator from the bot's mined transactions, deposits and keyshares registrations,
//      for batches of 1, 10 and 50
//   3. Temporal history events per validator, over every workflow on the task queue
//   4. key material per validator: the worker's prepareMnemonicValidators and
//      registerMnemonicKeyshares(Batch) activities (from the histories), beside the same steps measured
//      directly in this process (vault read, derivation, deposit signing, ssv-keys' keyshares)
// Run: npx tsx bench/creation.ts [validators=100] [--no-block-time] [--pipeline [--block-time=N] [--depths=1,8]]
//   validators: size of the end-to-end runs (the batch-1 and batch-10 runs create min(20, validators));
//   --no-block-time skips the second end-to-end run on 1-second blocks; --pipeline runs only batch 50
//   on 1-second blocks, with transactions.pipelineDepth 1 and then the default (issue 15 item 1).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KeySharesItem, SSVKeys } from 'ssv-keys';
import { nexusInterface } from '../activities/chain/abi';
import { readTxJournalRecords } from '../activities/chain/tx-manager';
import { deriveMasterKey, deriveSigningKeys, wipe, wipeKeys } from '../activities/keys/derivation';
import { genesisForkVersionOf, signDepositData, VALIDATOR_DEPOSIT_GWEI, withdrawalCredentialsFor } from '../activities/keys/deposit-data';
import { loadBls, loadLodestarParams, loadLodestarStateTransition, loadLodestarTypes } from '../activities/esm/loaders';
import { buildKeyshares, type KeysharesPayload } from '../activities/keys/keyshares';
import { monitorWorkflowId } from '../workflows/ids';
import { RunFailure, waitMonitorIdle } from './monitor-idle';
import { stopOnInterrupt } from './stop-on-interrupt';
import { maxDepositsWithinLimit } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork } from '../test/harness/creation-network';

const args = process.argv.slice(2);
const E2E_VALIDATORS = Number(args.find((a) => !a.startsWith('--')) ?? 100);
const SMALL_VALIDATORS = Math.min(20, E2E_VALIDATORS);
const WITH_BLOCK_TIME = !args.includes('--no-block-time');
const PIPELINE_ONLY = args.includes('--pipeline');
/** With --pipeline: --block-time=N (default 1) and --depths=1,8 (default: 1, then the worker's default). */
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const PIPELINE_BLOCK_TIME = Number(option('block-time') ?? 1);
const PIPELINE_DEPTHS: (number | undefined)[] = option('depths')?.split(',').map(Number) ?? [1, undefined];
const TASK_QUEUE = 'nexus-bot-creation-bench';
const LIMIT_BPS = 5000;
/** Direct key-material measurements: keys per step. */
const DIRECT_KEYS = 20;

interface RunSpec {
  name: string;
  validators: number;
  maxBatch: number;
  blockTime?: number;
  /** The worker's transactions.pipelineDepth (its default when absent). */
  pipelineDepth?: number;
  /** Measure the key-material steps directly on this run's network (vault and operators). */
  direct?: boolean;
}

interface TxGas {
  label: string;
  validators: number;
  gasUsed: bigint;
}

interface ActivityTime {
  type: string;
  ms: number;
  /** Validators the call covered. */
  validators: number;
}

interface RunResult {
  spec: RunSpec;
  /** Why the run did not finish; the figures below are then absent. */
  failure?: string;
  wallMs: number;
  firstDepositMs: number;
  creationRuns: number;
  txs: TxGas[];
  histories: { type: string; events: number }[];
  activities: ActivityTime[];
  direct?: DirectTimes;
}

/** The network of the run in progress, stopped by the signal handler too. */
let current: CreationNetwork | undefined;

interface DirectTimes {
  keys: number;
  readMnemonicMs: number[];
  masterKeyMs: number[];
  deriveMs: number[];
  signMs: number[];
  buildKeysharesMs: number[];
  ssvKeysMs: number[];
}

const blocks = (s: RunSpec) => (s.blockTime === undefined ? 'automine' : `${s.blockTime}-s blocks`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length === 0 ? NaN : sum(xs) / xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** google.protobuf.Timestamp (seconds may be a Long) → epoch milliseconds. */
function tsMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return NaN;
  const s = ts.seconds;
  const seconds = typeof s === 'number' ? s : s === null || s === undefined ? 0 : Number(String(s));
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** Funding that makes exactly `n` validators fit under LIMIT_BPS (checked with the planner itself). */
function fundingFor(n: number): bigint {
  const funding = (BigInt(n) * 32n * ETH * 10_000n) / BigInt(LIMIT_BPS);
  const fits = maxDepositsWithinLimit({ bridgeBalanceWei: funding, validatorCount: 0n, stakingLimitBps: LIMIT_BPS });
  if (fits !== BigInt(n)) throw new Error(`${funding / ETH} ETH at ${LIMIT_BPS} bps fits ${fits} validators, not ${n}`);
  return funding;
}

/** The last warning or error lines of the worker log (ANSI colours removed), for a failure message. */
function workerLogProblems(net: CreationNetwork, lines = 2): string {
  const log = readFileSync(net.workerLog, 'utf8').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const hits = log.split('\n').filter((l) => /\b(WARN|ERROR)\b/.test(l) && !l.includes('[WARN] creation did not complete'));
  return hits.slice(-lines).map((l) => l.trim()).join(' | ');
}

/** Every mined transaction of the bot, from the worker's journal, with its gas and batch size. */
async function botTransactions(net: CreationNetwork): Promise<TxGas[]> {
  const records = readTxJournalRecords(join(net.dir, 'tx-journal.json'));
  const out: TxGas[] = [];
  for (const record of records) {
    if (!record.minedHash) throw new Error(`journal record ${record.idempotencyKey} (${record.label}) is ${record.status}, not mined`);
    const [receipt, tx] = await Promise.all([net.provider.getTransactionReceipt(record.minedHash), net.provider.getTransaction(record.minedHash)]);
    if (!receipt || !tx) throw new Error(`transaction ${record.minedHash} not found`);
    if (receipt.status !== 1) throw new Error(`transaction ${record.minedHash} (${record.label}) reverted`);
    const parsed = nexusInterface.parseTransaction({ data: tx.data });
    const validators = parsed?.name === 'depositValidatorRollup' ? (parsed.args[1] as unknown[]).length : parsed?.name === 'depositValidatorShares' ? 1 : 0;
    out.push({ label: parsed?.name ?? record.label, validators, gasUsed: receipt.gasUsed });
  }
  return out;
}

/** History lengths and activity durations of every workflow run on the task queue. */
async function collectHistories(net: CreationNetwork, expectedCreationRuns: number) {
  type Execution = { workflowId: string; runId: string; type: string };
  const listAll = async () => {
    const out: Execution[] = [];
    for await (const e of net.client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}"` })) {
      out.push({ workflowId: e.workflowId, runId: e.runId, type: e.type });
    }
    return out;
  };
  // Visibility is eventually consistent: wait (up to 10 s) until every creation run is listed.
  let executions = await listAll();
  for (let attempt = 0; attempt < 50 && executions.filter((e) => e.type === 'createValidatorsWorkflow').length < expectedCreationRuns; attempt++) {
    await sleep(200);
    executions = await listAll();
  }
  const histories: { type: string; events: number }[] = [];
  const activities: ActivityTime[] = [];
  let firstDepositAt = Infinity;
  for (const e of executions) {
    const handle = net.client.workflow.getHandle(e.workflowId, e.runId);
    const description = await handle.describe();
    histories.push({ type: e.type, events: description.historyLength });
    const history = await handle.fetchHistory();
    const scheduled = new Map<string, { type: string; validators: number }>();
    const started = new Map<string, number>();
    for (const event of history.events ?? []) {
      const id = String(event.eventId);
      const s = event.activityTaskScheduledEventAttributes;
      if (s) {
        const type = s.activityType?.name ?? '?';
        // prepareMnemonicValidators covers its keyIndices, a batch registration its keys; the others one validator (or none).
        let validators = 1;
        if (type === 'prepareMnemonicValidators' || type === 'allocateAndPrepareMnemonicValidators' || type === 'registerMnemonicKeysharesBatch') {
          const payload = s.input?.payloads?.[0]?.data;
          const input = payload ? JSON.parse(Buffer.from(payload).toString('utf8')) as { keyIndices?: number[]; keys?: unknown[]; count?: number } : {};
          validators = (input.keyIndices ?? input.keys)?.length ?? input.count ?? NaN;
        }
        scheduled.set(id, { type, validators });
      }
      const st = event.activityTaskStartedEventAttributes;
      if (st) started.set(String(st.scheduledEventId), tsMs(event.eventTime));
      const c = event.activityTaskCompletedEventAttributes;
      if (c) {
        const key = String(c.scheduledEventId);
        const what = scheduled.get(key);
        const at = tsMs(event.eventTime);
        if (what) activities.push({ type: what.type, ms: at - (started.get(key) ?? NaN), validators: what.validators });
        if (what?.type === 'submitDeposits') firstDepositAt = Math.min(firstDepositAt, at);
      }
    }
  }
  return { histories, activities, firstDepositAt };
}

/** The key-material steps of the two activities, measured here on this network's vault and operators. */
async function measureDirect(net: CreationNetwork, admin: string, bridge: string): Promise<DirectTimes> {
  await Promise.all([loadBls(), loadLodestarTypes(), loadLodestarParams(), loadLodestarStateTransition()]);
  const operators = net.operators.map((o) => ({ id: o.id, publicKeyBase64: o.publicKeyBase64 }));
  const ssvOps = operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 }));
  const owner = net.system.addresses.nexus;
  const wc = withdrawalCredentialsFor(bridge);
  const fork = await genesisForkVersionOf('holesky'); // the harness worker's keys.depositNetwork
  const times: DirectTimes = { keys: DIRECT_KEYS, readMnemonicMs: [], masterKeyMs: [], deriveMs: [], signMs: [], buildKeysharesMs: [], ssvKeysMs: [] };
  // Indices far above the ones the run used: these keys are never deposited.
  const base = 1_000_000;
  let mnemonic = await net.vault.readMnemonic(admin); // warm-up (SDK client, JIT)
  {
    const [k] = await deriveSigningKeys(mnemonic, [base - 1]);
    await buildKeyshares({ secretKey: k.secretKey, operators, owner, ownerNonce: 0 });
    wipeKeys([k]);
  }
  for (let i = 0; i < DIRECT_KEYS; i++) {
    let t = performance.now();
    mnemonic = await net.vault.readMnemonic(admin);
    times.readMnemonicMs.push(performance.now() - t);

    t = performance.now();
    wipe(deriveMasterKey(mnemonic));
    times.masterKeyMs.push(performance.now() - t);

    t = performance.now();
    const [key] = await deriveSigningKeys(mnemonic, [base + i]);
    times.deriveMs.push(performance.now() - t - times.masterKeyMs[i]); // deriveSigningKeys derives the master too

    t = performance.now();
    await signDepositData({ secretKey: key.secretKey, withdrawalCredentials: wc, amountGwei: VALIDATOR_DEPOSIT_GWEI, genesisForkVersion: fork });
    times.signMs.push(performance.now() - t);

    t = performance.now();
    const payload = await buildKeyshares({ secretKey: key.secretKey, operators, owner, ownerNonce: i });
    times.buildKeysharesMs.push(performance.now() - t);

    // ssv-keys' own cost: the same calls bench/keyshares.ts times.
    const skHex = `0x${Buffer.from(key.secretKey).toString('hex')}`;
    t = performance.now();
    const ssvKeys = new SSVKeys();
    const threshold = await ssvKeys.createThreshold(skHex, ssvOps);
    const encrypted = await ssvKeys.encryptShares(ssvOps, threshold.shares);
    const raw = (await new KeySharesItem().buildPayload(
      { publicKey: threshold.publicKey, operators: ssvOps, encryptedShares: encrypted },
      { ownerAddress: owner, ownerNonce: i, privateKey: skHex },
    )) as KeysharesPayload;
    times.ssvKeysMs.push(performance.now() - t);
    if (raw.sharesData.length !== payload.sharesData.length) throw new Error('ssv-keys payload length differs from buildKeyshares');
    wipeKeys([key]);
  }
  return times;
}

async function run(spec: RunSpec): Promise<RunResult> {
  const funding = fundingFor(spec.validators);
  process.stderr.write(`run ${spec.name}: ${spec.validators} validators (${funding / ETH} ETH at ${LIMIT_BPS} bps), maxBatch ${spec.maxBatch}, ${blocks(spec)} ... `);
  const t = performance.now();
  const result: RunResult = { spec, wallMs: NaN, firstDepositMs: NaN, creationRuns: Math.ceil(spec.validators / spec.maxBatch), txs: [], histories: [], activities: [] };
  try {
    const net = await startCreationNetwork({ rollups: [{ account: 2, name: 'bench-rollup', funding, limit: LIMIT_BPS }], blockTime: spec.blockTime, pipelineDepth: spec.pipelineDepth, taskQueue: TASK_QUEUE });
    current = net;
    await net.startWorker();
    const [rollup] = net.rollups;
    process.stderr.write(`network up in ${((performance.now() - t) / 1000).toFixed(1)} s ... `);

    const t0 = Date.now();
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE, workflowId: monitorWorkflowId(rollup.admin),
      args: [{ rollupAdmin: rollup.admin, keyPath: 'mnemonic', pollInterval: '1 minute', maxBatch: spec.maxBatch }],
    });
    try {
      await waitMonitorIdle(net, rollup.admin, spec.validators, 600_000, () => `; worker log: ${workerLogProblems(net)}`);
      result.wallMs = Date.now() - t0;
      const collected = await collectHistories(net, result.creationRuns);
      Object.assign(result, { firstDepositMs: collected.firstDepositAt - t0, histories: collected.histories, activities: collected.activities });
      result.txs = await botTransactions(net);
      process.stderr.write(`done in ${(result.wallMs / 1000).toFixed(1)} s\n`);
    } catch (err) {
      if (!(err instanceof RunFailure)) throw err;
      result.failure = err.message;
      process.stderr.write(`FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err.message}\n`);
    }
    // The direct measurements need only the vault and the operators: taken even after a failed run.
    if (spec.direct) result.direct = await measureDirect(net, rollup.admin, rollup.bridge);
    return result;
  } catch (err) {
    process.stderr.write('failed\n');
    throw err;
  } finally {
    const net = current;
    current = undefined;
    await net?.stop();
  }
}

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join('  '));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Largest mnemonic batch whose pubkeys fit Temporal's default 2 KB search-attribute value (see the failure note). */
const SEARCH_ATTRIBUTE_SAFE_BATCH = 20;

async function main(): Promise<void> {
  const specs: RunSpec[] = PIPELINE_ONLY ? PIPELINE_DEPTHS.map((depth) => (
    { name: `e2e-b50-${PIPELINE_BLOCK_TIME}s-blocks-depth-${depth ?? 'default'}`, validators: E2E_VALIDATORS, maxBatch: 50, blockTime: PIPELINE_BLOCK_TIME, pipelineDepth: depth })
  ) : [
    { name: 'e2e-b50-automine', validators: E2E_VALIDATORS, maxBatch: 50, direct: true },
    ...(WITH_BLOCK_TIME ? [{ name: 'e2e-b50-1s-blocks', validators: E2E_VALIDATORS, maxBatch: 50, blockTime: 1 }] : []),
    { name: `e2e-b${SEARCH_ATTRIBUTE_SAFE_BATCH}-automine`, validators: E2E_VALIDATORS, maxBatch: SEARCH_ATTRIBUTE_SAFE_BATCH },
    ...(WITH_BLOCK_TIME ? [{ name: `e2e-b${SEARCH_ATTRIBUTE_SAFE_BATCH}-1s-blocks`, validators: E2E_VALIDATORS, maxBatch: SEARCH_ATTRIBUTE_SAFE_BATCH, blockTime: 1 }] : []),
    { name: 'batch-1', validators: SMALL_VALIDATORS, maxBatch: 1 },
    { name: 'batch-10', validators: SMALL_VALIDATORS, maxBatch: 10 },
  ];
  const results: RunResult[] = [];
  for (const spec of specs) {
    // A batch size that failed on automine fails the same way on 1-s blocks: not run again.
    const failedBefore = results.find((r) => r.failure && r.spec.maxBatch === spec.maxBatch && r.spec.validators === spec.validators);
    if (failedBefore) {
      process.stderr.write(`run ${spec.name}: skipped (${failedBefore.spec.name} failed)\n`);
      results.push({ spec, failure: `not run: ${failedBefore.spec.name} failed`, wallMs: NaN, firstDepositMs: NaN, creationRuns: Math.ceil(spec.validators / spec.maxBatch), txs: [], histories: [], activities: [] });
      continue;
    }
    results.push(await run(spec));
  }
  const ok = results.filter((r) => !r.failure);
  const failed = results.filter((r) => r.failure);

  const cpu = cpus();
  console.log(`validator creation, mnemonic path, one rollup, 4-operator SSV cluster (node ${process.version}; ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores)`);
  console.log('each run: its own Temporal dev server + anvil + moto + worker process, all on this machine');

  // 1. End to end.
  table('1. end to end: monitor start → all validators created and the monitor idle',
    ['run', 'validators', 'maxBatch', 'blocks', 'batches', 'first deposit s', 'total s', 'validators/min'],
    results.map((r) => [r.spec.name, r.spec.validators, r.spec.maxBatch, blocks(r.spec), r.creationRuns,
      r.failure ? 'FAILED' : f(r.firstDepositMs / 1000), r.failure ? '-' : f(r.wallMs / 1000), r.failure ? '-' : f(r.spec.validators / (r.wallMs / 60_000))]));

  // 2. Gas per validator, by batch size (automine runs; gas does not depend on block time).
  const gasRows: (string | number)[][] = [];
  for (const r of results.filter((x) => x.spec.blockTime === undefined).sort((a, b) => a.spec.maxBatch - b.spec.maxBatch)) {
    if (r.failure) {
      gasRows.push([r.spec.maxBatch, r.spec.name, 'FAILED', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    const deposits = r.txs.filter((t) => t.label === 'depositValidatorRollup');
    const shares = r.txs.filter((t) => t.label === 'depositValidatorShares');
    const other = r.txs.filter((t) => t.label !== 'depositValidatorRollup' && t.label !== 'depositValidatorShares');
    const validators = sum(deposits.map((d) => d.validators));
    const depositGas = deposits.reduce((a, d) => a + d.gasUsed, 0n);
    const sharesGas = shares.reduce((a, d) => a + d.gasUsed, 0n);
    const otherGas = other.reduce((a, d) => a + d.gasUsed, 0n);
    gasRows.push([
      r.spec.maxBatch, r.spec.name, `${deposits.length} × ${[...new Set(deposits.map((d) => d.validators))].join('/')}`,
      f(Number(depositGas) / deposits.length, 0), f(Number(depositGas) / validators, 0), shares.length, f(Number(sharesGas) / shares.length, 0),
      other.length === 0 ? '0' : `${other.length} tx, ${otherGas}`, f(Number(depositGas + sharesGas + otherGas) / validators, 0),
    ]);
  }
  table('2. gas (gasUsed of the bot\'s mined transactions, from its journal); automine runs',
    ['batch', 'run', 'deposit txs', 'gas/deposit tx', 'deposit gas/validator', 'shares txs', 'shares gas/validator', 'other txs', 'total gas/validator'],
    gasRows);

  // 3. History events.
  const kinds = ['rollupMonitorWorkflow', 'createValidatorsWorkflow', 'ssvRegistrarWorkflow'];
  table('3. Temporal history events (describe().historyLength, every run on the task queue)',
    ['run', 'validators', 'maxBatch', 'monitor', 'creations (runs)', 'registrar', 'total', 'events/validator'],
    ok.map((r) => {
      const of = (type: string) => r.histories.filter((h) => h.type === type);
      const events = (type: string) => sum(of(type).map((h) => h.events));
      const unknown = r.histories.filter((h) => !kinds.includes(h.type));
      const total = sum(r.histories.map((h) => h.events));
      return [r.spec.name + (unknown.length > 0 ? ` (+${unknown.length} other)` : ''), r.spec.validators, r.spec.maxBatch,
        events(kinds[0]), `${events(kinds[1])} (${of(kinds[1]).length})`, events(kinds[2]), total, f(total / r.spec.validators)];
    }));

  // 4. Key material.
  table('4a. key-material activities as the worker ran them (ActivityTaskStarted → ActivityTaskCompleted), ms per validator',
    ['run', 'validators', 'maxBatch', 'blocks', 'prepareMnemonicValidators', 'registerMnemonicKeyshares mean', 'median', 'first 10', 'last 10'],
    ok.map((r) => {
      // Since issue 15 item 3 one activity allocates the indices and derives (the allocation is a small part of it).
      const prep = r.activities.filter((a) => a.type === 'prepareMnemonicValidators' || a.type === 'allocateAndPrepareMnemonicValidators');
      // Per key: single-key activities as they are, a batch (issue 15) spread over its keys.
      const reg = r.activities.flatMap((a) => (a.type === 'registerMnemonicKeyshares' ? [a.ms]
        : a.type === 'registerMnemonicKeysharesBatch' ? Array.from({ length: a.validators }, () => a.ms / a.validators) : []));
      return [r.spec.name, r.spec.validators, r.spec.maxBatch, blocks(r.spec), f(sum(prep.map((a) => a.ms)) / sum(prep.map((a) => a.validators))),
        f(mean(reg)), f(median(reg)), f(mean(reg.slice(0, 10))), f(mean(reg.slice(-10)))];
    }));
  console.log('   prepareMnemonicValidators = vault read + derivation + deposit signing, for the whole batch, divided by its size;');
  console.log('   registerMnemonicKeyshares = status + owner-nonce + cluster reads, vault read, derivation, keyshares, transaction mined');
  console.log('   (registerMnemonicKeysharesBatch: its time divided by its keys; the vault and cluster read once per batch)');
  const direct = results.find((r) => r.direct)?.direct;
  if (direct) {
    const row = (what: string, ms: number[]) => console.log(`${what.padEnd(76)} mean ${f(mean(ms), 2).padStart(8)} ms   median ${f(median(ms), 2).padStart(8)} ms`);
    console.log(`\n4b. the same steps measured directly in this process, ${direct.keys} keys, 4 operators (per validator)`);
    row('vault.readMnemonic (moto GetSecretValue + EIP-2335 decrypt)', direct.readMnemonicMs);
    row('master key from mnemonic (BIP-39 PBKDF2 + EIP-2333)', direct.masterKeyMs);
    row('signing key m/12381/3600/i/0/0 + pubkey', direct.deriveMs);
    row('sign deposit data (roots + BLS signature)', direct.signMs);
    row('buildKeyshares (operator-key checks + ssv-keys + independent verification)', direct.buildKeysharesMs);
    row('ssv-keys alone (createThreshold + encryptShares + buildPayload)', direct.ssvKeysMs);
  }
  console.log('\nDKG path: not measured — ssv-dkg cannot be installed here (the Go module proxy refuses it).');
  if (failed.length > 0) {
    console.log('\nfailed runs:');
    for (const r of failed) console.log(`  ${r.spec.name}: ${r.failure}`);
  }
}

stopOnInterrupt(() => current);

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
