// bench/creation.ts's report: one table per measurement, from every run's result.
import { cpus } from 'node:os';
import type { ActivityTime, DirectTimes, TxGas } from './creation-measure';

export interface RunSpec {
  name: string;
  validators: number;
  maxBatch: number;
  blockTime?: number;
  /** The worker's transactions.pipelineDepth (its default when absent). */
  pipelineDepth?: number;
  /** Measure the key-material steps directly on this run's network (vault and operators). */
  direct?: boolean;
}

export interface RunResult {
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

export const blocks = (s: RunSpec) => (s.blockTime === undefined ? 'automine' : `${s.blockTime}-s blocks`);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length === 0 ? NaN : sum(xs) / xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2 === 1
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join('  '));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Prints the tables of every run (failed ones say so), then the failures. */
export function printReport(results: RunResult[]): void {
  const ok = results.filter((r) => !r.failure);
  const failed = results.filter((r) => r.failure);

  const cpu = cpus();
  console.log(
    `validator creation, mnemonic path, one rollup, 4-operator SSV cluster (node ${process.version}; ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores)`,
  );
  console.log('each run: its own Temporal dev server + anvil + moto + worker process, all on this machine');

  // 1. End to end.
  table(
    '1. end to end: monitor start → all validators created and the monitor idle',
    ['run', 'validators', 'maxBatch', 'blocks', 'creations', 'first deposit s', 'total s', 'validators/min'],
    results.map((r) => [
      r.spec.name,
      r.spec.validators,
      r.spec.maxBatch,
      blocks(r.spec),
      r.creationRuns,
      r.failure ? 'FAILED' : f(r.firstDepositMs / 1000),
      r.failure ? '-' : f(r.wallMs / 1000),
      r.failure ? '-' : f(r.spec.validators / (r.wallMs / 60_000)),
    ]),
  );

  // 2. Gas per validator, by batch size (automine runs; gas does not depend on block time).
  const gasRows: (string | number)[][] = [];
  for (const r of results
    .filter((x) => x.spec.blockTime === undefined)
    .sort((a, b) => a.spec.maxBatch - b.spec.maxBatch)) {
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
      r.spec.maxBatch,
      r.spec.name,
      `${deposits.length} × ${[...new Set(deposits.map((d) => d.validators))].join('/')}`,
      f(Number(depositGas) / deposits.length, 0),
      f(Number(depositGas) / validators, 0),
      shares.length,
      f(Number(sharesGas) / shares.length, 0),
      other.length === 0 ? '0' : `${other.length} tx, ${otherGas}`,
      f(Number(depositGas + sharesGas + otherGas) / validators, 0),
    ]);
  }
  table(
    "2. gas (gasUsed of the bot's mined transactions, from its journal); automine runs",
    [
      'batch',
      'run',
      'deposit txs',
      'gas/deposit tx',
      'deposit gas/validator',
      'shares txs',
      'shares gas/validator',
      'other txs',
      'total gas/validator',
    ],
    gasRows,
  );

  // 3. History events.
  const kinds = ['rollupMonitorWorkflow', 'createValidatorsWorkflow', 'ssvRegistrarWorkflow'];
  table(
    '3. Temporal history events (describe().historyLength, every run on the task queue)',
    ['run', 'validators', 'maxBatch', 'monitor', 'creations (runs)', 'registrar', 'total', 'events/validator'],
    ok.map((r) => {
      const of = (type: string) => r.histories.filter((h) => h.type === type);
      const events = (type: string) => sum(of(type).map((h) => h.events));
      const unknown = r.histories.filter((h) => !kinds.includes(h.type));
      const total = sum(r.histories.map((h) => h.events));
      return [
        r.spec.name + (unknown.length > 0 ? ` (+${unknown.length} other)` : ''),
        r.spec.validators,
        r.spec.maxBatch,
        events(kinds[0]),
        `${events(kinds[1])} (${of(kinds[1]).length})`,
        events(kinds[2]),
        total,
        f(total / r.spec.validators),
      ];
    }),
  );

  // 4. Key material.
  table(
    '4a. key-material activities as the worker ran them (ActivityTaskStarted → ActivityTaskCompleted), ms per validator',
    [
      'run',
      'validators',
      'maxBatch',
      'blocks',
      'prepareMnemonicValidators',
      'registerMnemonicKeyshares mean',
      'median',
      'first 10',
      'last 10',
    ],
    ok.map((r) => {
      // Since issue 15 item 3 one activity allocates the indices and derives (the allocation is a small part of it).
      const prep = r.activities.filter(
        (a) => a.type === 'prepareMnemonicValidators' || a.type === 'allocateAndPrepareMnemonicValidators',
      );
      // Per key: single-key activities as they are, a batch (issue 15) spread over its keys.
      const reg = r.activities.flatMap((a) =>
        a.type === 'registerMnemonicKeyshares'
          ? [a.ms]
          : a.type === 'registerMnemonicKeysharesBatch'
            ? Array.from({ length: a.validators }, () => a.ms / a.validators)
            : [],
      );
      return [
        r.spec.name,
        r.spec.validators,
        r.spec.maxBatch,
        blocks(r.spec),
        f(sum(prep.map((a) => a.ms)) / sum(prep.map((a) => a.validators))),
        f(mean(reg)),
        f(median(reg)),
        f(mean(reg.slice(0, 10))),
        f(mean(reg.slice(-10))),
      ];
    }),
  );
  console.log(
    '   prepareMnemonicValidators = vault read + derivation + deposit signing, for the whole batch, divided by its size;',
  );
  console.log(
    '   registerMnemonicKeyshares = status + owner-nonce + cluster reads, vault read, derivation, keyshares, transaction mined',
  );
  console.log(
    '   (registerMnemonicKeysharesBatch: its time divided by its keys; the vault and cluster read once per batch)',
  );
  const direct = results.find((r) => r.direct)?.direct;
  if (direct) {
    const row = (what: string, ms: number[]) =>
      console.log(
        `${what.padEnd(76)} mean ${f(mean(ms), 2).padStart(8)} ms   median ${f(median(ms), 2).padStart(8)} ms`,
      );
    console.log(
      `\n4b. the same steps measured directly in this process, ${direct.keys} keys, 4 operators (per validator)`,
    );
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
