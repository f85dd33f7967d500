// DKG validator creation end to end on the real parts (Temporal dev server, anvil with our
// contracts, moto, the worker as its own process, the cluster's four ssv-dkg operators: the real
// binary when the tool cache has it, else the stand-in). For each ceremony size k, one fresh
// network creates 100 validators for one rollup in batches (= ceremonies) of k, and prints:
//   - validators per minute end to end (monitor start → the 100th keyshares registered, idle);
//   - the time of each ceremony as the worker logged it (ssv-dkg init + verification + archive);
//   - what the same run would take with the real binary's measured ~20 s + 0.9 s per validator
//     per ceremony (../shared/fixtures/ssv-dkg-v3.1.0/README.md) in place of the stand-in's time.
// Run: npx tsx bench/dkg-creation.ts [sizes=10,50,100] [validators=100]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorWorkflowId } from '../workflows/ids';
import { monitorStatusQuery, type MonitorStatus } from '../protocol/messages';
import { maxDepositsWithinLimit } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork } from '../test/harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';

const args = process.argv.slice(2);
const SIZES = (args[0] ?? '10,50,100').split(',').map(Number);
const VALIDATORS = Number(args[1] ?? 100);
const LIMIT_BPS = 10_000;
const TASK_QUEUE = 'nexus-bot-dkg-bench';
/** The real ssv-dkg v3.1.0 as measured on 2 cores (fixtures README). */
const REAL_FIXED_S = 20;
const REAL_PER_VALIDATOR_S = 0.9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function fundingFor(n: number): bigint {
  for (let eth = BigInt(n) * 32n; ; eth++) {
    const fits = maxDepositsWithinLimit({
      bridgeBalanceWei: eth * ETH,
      validatorCount: 0n,
      stakingLimitBps: asBasisPoints(LIMIT_BPS),
    });
    if (fits === BigInt(n)) return eth * ETH;
    if (fits > BigInt(n)) throw new Error(`no funding fits exactly ${n} validators at ${LIMIT_BPS} bps`);
  }
}

/** elapsedMs of every "DKG ceremony done" line of the worker's log, in order. */
function ceremonyTimes(net: CreationNetwork): { validators: number; ms: number }[] {
  return readFileSync(net.workerLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes('DKG ceremony done'))
    .map((line) => ({
      validators: Number(/"validators":(\d+)/.exec(line)?.[1]),
      ms: Number(/"elapsedMs":(\d+)/.exec(line)?.[1]),
    }))
    .filter((c) => Number.isFinite(c.ms));
}

interface Result {
  size: number;
  wallMs: number;
  ceremonies: { validators: number; ms: number }[];
  binary: string;
}

async function run(size: number): Promise<Result> {
  const net = await startCreationNetwork({
    rollups: [
      {
        account: 2,
        name: `dkg-bench-${size}`,
        funding: fundingFor(VALIDATORS),
        limit: LIMIT_BPS,
        createMnemonic: false,
      },
    ],
    taskQueue: TASK_QUEUE,
    dkg: {},
  });
  try {
    await net.startWorker();
    const admin = net.rollups[0].admin;
    const startedAt = Date.now();
    const handle = await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'dkg', pollInterval: '1 second', maxBatch: size }],
    });
    const deadline = startedAt + 30 * 60_000;
    for (;;) {
      const status: MonitorStatus = await handle.query(monitorStatusQuery);
      if (status.validatorsCreated === VALIDATORS && status.phase === 'idle') break;
      if (Date.now() > deadline) throw new Error(`size ${size}: not done after 30 min: ${JSON.stringify(status)}`);
      await sleep(250);
    }
    const wallMs = Date.now() - startedAt;
    await handle.terminate('bench over');
    return { size, wallMs, ceremonies: ceremonyTimes(net), binary: net.dkgOperators?.binary.kind ?? '?' };
  } finally {
    await net.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `DKG creation end to end: ${VALIDATORS} validators per run, one rollup, limit ${LIMIT_BPS} bps, automine`,
  );
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const results: Result[] = [];
  for (const size of SIZES) {
    const r = await run(size);
    results.push(r);
    console.log(
      `  size ${size}: ${r.binary}, ${r.ceremonies.length} ceremonies, ${(r.wallMs / 1000).toFixed(1)} s, ${(VALIDATORS / (r.wallMs / 60_000)).toFixed(1)} validators/min`,
    );
  }
  console.log(
    '\n| ceremony size | ceremonies | wall s | validators/min | stand-in s per ceremony (mean) | of it per validator ms | rest (deposit, registration, planning) s | with the real binary: s | validators/min |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ceremonyMs = sum(r.ceremonies.map((c) => c.ms));
    const n = r.ceremonies.length;
    const restS = (r.wallMs - ceremonyMs) / 1000;
    const realCeremoniesS = sum(r.ceremonies.map((c) => REAL_FIXED_S + REAL_PER_VALIDATOR_S * c.validators));
    const projectedS = restS + realCeremoniesS;
    console.log(
      `| ${r.size} | ${n} | ${(r.wallMs / 1000).toFixed(1)} | ${(VALIDATORS / (r.wallMs / 60_000)).toFixed(1)} | ${(ceremonyMs / n / 1000).toFixed(2)} | ${(ceremonyMs / VALIDATORS).toFixed(0)} | ${restS.toFixed(1)} | ${projectedS.toFixed(0)} | ${(VALIDATORS / (projectedS / 60)).toFixed(1)} |`,
    );
  }
  console.log(
    `\nwith the real binary: the rest as measured here, plus ${REAL_FIXED_S} s + ${REAL_PER_VALIDATOR_S} s per validator per ceremony (its measured time on 2 cores)`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
