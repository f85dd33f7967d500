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
import { performance } from 'node:perf_hooks';
import { monitorWorkflowId } from '../workflows/ids';
import { RunFailure, waitMonitorIdle } from './monitor-idle';
import { stopOnInterrupt } from './stop-on-interrupt';
import { maxDepositsWithinLimit } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork } from '../test/harness/creation-network';
import { botTransactions, collectHistories, measureDirect } from './creation-measure';
import { blocks, printReport, type RunResult, type RunSpec } from './creation-report';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';
import { MAX_CREATION_RUN } from '../workflows/monitor/events';

/** Creation runs the monitor starts: a mnemonic plan of several batches is one creation in rounds, up to MAX_CREATION_RUN. */
const creationRunsFor = (spec: RunSpec) => Math.ceil(spec.validators / Math.max(spec.maxBatch, MAX_CREATION_RUN));

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

/** The network of the run in progress, stopped by the signal handler too. */
let current: CreationNetwork | undefined;

/** Funding that makes exactly `n` validators fit under LIMIT_BPS (checked with the planner itself). */
function fundingFor(n: number): bigint {
  const funding = (BigInt(n) * 32n * ETH * 10_000n) / BigInt(LIMIT_BPS);
  const fits = maxDepositsWithinLimit({
    bridgeBalanceWei: funding,
    validatorCount: 0n,
    stakingLimitBps: asBasisPoints(LIMIT_BPS),
  });
  if (fits !== BigInt(n)) throw new Error(`${funding / ETH} ETH at ${LIMIT_BPS} bps fits ${fits} validators, not ${n}`);
  return funding;
}

/** The last warning or error lines of the worker log (ANSI colours removed), for a failure message. */
function workerLogProblems(net: CreationNetwork, lines = 2): string {
  const log = readFileSync(net.workerLog, 'utf8').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const hits = log
    .split('\n')
    .filter((l) => /\b(WARN|ERROR)\b/.test(l) && !l.includes('[WARN] creation did not complete'));
  return hits
    .slice(-lines)
    .map((l) => l.trim())
    .join(' | ');
}

async function run(spec: RunSpec): Promise<RunResult> {
  const funding = fundingFor(spec.validators);
  process.stderr.write(
    `run ${spec.name}: ${spec.validators} validators (${funding / ETH} ETH at ${LIMIT_BPS} bps), maxBatch ${spec.maxBatch}, ${blocks(spec)} ... `,
  );
  const t = performance.now();
  const result: RunResult = {
    spec,
    wallMs: NaN,
    firstDepositMs: NaN,
    creationRuns: creationRunsFor(spec),
    txs: [],
    histories: [],
    activities: [],
  };
  try {
    const net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'bench-rollup', funding, limit: LIMIT_BPS }],
      blockTime: spec.blockTime,
      pipelineDepth: spec.pipelineDepth,
      taskQueue: TASK_QUEUE,
    });
    current = net;
    await net.startWorker();
    const [rollup] = net.rollups;
    process.stderr.write(`network up in ${((performance.now() - t) / 1000).toFixed(1)} s ... `);

    const t0 = Date.now();
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: monitorWorkflowId(asRollupAdmin(rollup.admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(rollup.admin),
          keyPath: 'mnemonic',
          pollInterval: '1 minute',
          maxBatch: spec.maxBatch,
        },
      ],
    });
    try {
      await waitMonitorIdle(
        net,
        rollup.admin,
        spec.validators,
        600_000,
        () => `; worker log: ${workerLogProblems(net)}`,
      );
      result.wallMs = Date.now() - t0;
      const collected = await collectHistories(net, TASK_QUEUE, result.creationRuns);
      Object.assign(result, {
        firstDepositMs: collected.firstDepositAt - t0,
        histories: collected.histories,
        activities: collected.activities,
      });
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

/** Largest mnemonic batch whose pubkeys fit Temporal's default 2 KB search-attribute value (see the failure note). */
const SEARCH_ATTRIBUTE_SAFE_BATCH = 20;

async function main(): Promise<void> {
  const specs: RunSpec[] = PIPELINE_ONLY
    ? PIPELINE_DEPTHS.map((depth) => ({
        name: `e2e-b50-${PIPELINE_BLOCK_TIME}s-blocks-depth-${depth ?? 'default'}`,
        validators: E2E_VALIDATORS,
        maxBatch: 50,
        blockTime: PIPELINE_BLOCK_TIME,
        pipelineDepth: depth,
      }))
    : [
        { name: 'e2e-b50-automine', validators: E2E_VALIDATORS, maxBatch: 50, direct: true },
        ...(WITH_BLOCK_TIME
          ? [{ name: 'e2e-b50-1s-blocks', validators: E2E_VALIDATORS, maxBatch: 50, blockTime: 1 }]
          : []),
        {
          name: `e2e-b${SEARCH_ATTRIBUTE_SAFE_BATCH}-automine`,
          validators: E2E_VALIDATORS,
          maxBatch: SEARCH_ATTRIBUTE_SAFE_BATCH,
        },
        ...(WITH_BLOCK_TIME
          ? [
              {
                name: `e2e-b${SEARCH_ATTRIBUTE_SAFE_BATCH}-1s-blocks`,
                validators: E2E_VALIDATORS,
                maxBatch: SEARCH_ATTRIBUTE_SAFE_BATCH,
                blockTime: 1,
              },
            ]
          : []),
        { name: 'batch-1', validators: SMALL_VALIDATORS, maxBatch: 1 },
        { name: 'batch-10', validators: SMALL_VALIDATORS, maxBatch: 10 },
      ];
  const results: RunResult[] = [];
  for (const spec of specs) {
    // A batch size that failed on automine fails the same way on 1-s blocks: not run again.
    const failedBefore = results.find(
      (r) => r.failure && r.spec.maxBatch === spec.maxBatch && r.spec.validators === spec.validators,
    );
    if (failedBefore) {
      process.stderr.write(`run ${spec.name}: skipped (${failedBefore.spec.name} failed)\n`);
      results.push({
        spec,
        failure: `not run: ${failedBefore.spec.name} failed`,
        wallMs: NaN,
        firstDepositMs: NaN,
        creationRuns: creationRunsFor(spec),
        txs: [],
        histories: [],
        activities: [],
      });
      continue;
    }
    results.push(await run(spec));
  }
  printReport(results);
}

stopOnInterrupt(() => current);

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
