// Where a creation's Temporal history events come from (issue 15 item 3), on the real parts:
// Temporal dev server, anvil with our contracts, moto, and the worker as its own process
// (test/harness/creation-network.ts, as bench/creation.ts uses it). For each batch size, one fresh
// network creates `validators` validators (mnemonic path, automine, monitor polling every minute,
// as in creation.ts), then every workflow run on the task queue is fetched and its events counted:
// per workflow type, per event type and per activity type (remote activities by their type, local
// ones and patches by their marker).
// Run: npx tsx bench/history-events.ts [validators=100] [batches=20,50]
import { performance } from 'node:perf_hooks';
import { monitorWorkflowId } from '../workflows/ids';
import { waitMonitorIdle } from './monitor-idle';
import { stopOnInterrupt } from './stop-on-interrupt';
import { maxDepositsWithinLimit } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork } from '../test/harness/creation-network';
import { breakdown, countEvents, formatBreakdown, type RunEvents } from '../test/harness/history-events';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';
import { MAX_CREATION_RUN } from '../workflows/monitor/events';

const args = process.argv.slice(2);
const VALIDATORS = Number(args[0] ?? 100);
const BATCHES = (args[1] ?? '20,50').split(',').map(Number);
if (!Number.isInteger(VALIDATORS) || VALIDATORS < 1)
  throw new Error(`validators: expected a positive integer, got "${args[0]}"`);
if (BATCHES.some((b) => !Number.isInteger(b) || b < 1))
  throw new Error(`batches: expected comma-separated positive integers, got "${args[1]}"`);
const TASK_QUEUE = 'nexus-bot-history-bench';
const LIMIT_BPS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let current: CreationNetwork | undefined;

/** Every run on the task queue (visibility is eventually consistent: waits until each creation is listed). */
async function allRuns(net: CreationNetwork, creations: number): Promise<RunEvents[]> {
  type Execution = { workflowId: string; runId: string; type: string };
  let executions: Execution[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    executions = [];
    for await (const e of net.client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}"` }))
      executions.push({ workflowId: e.workflowId, runId: e.runId, type: e.type });
    if (executions.filter((e) => e.type === 'createValidatorsWorkflow').length >= creations) break;
    await sleep(200);
  }
  const runs: RunEvents[] = [];
  for (const e of executions)
    runs.push(
      countEvents(e.workflowId, e.runId, await net.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory()),
    );
  return runs;
}

async function run(batch: number): Promise<string[]> {
  const funding = (BigInt(VALIDATORS) * 32n * ETH * 10_000n) / BigInt(LIMIT_BPS);
  if (
    maxDepositsWithinLimit({
      bridgeBalanceWei: funding,
      validatorCount: 0n,
      stakingLimitBps: asBasisPoints(LIMIT_BPS),
    }) !== BigInt(VALIDATORS)
  )
    throw new Error(`funding does not fit ${VALIDATORS} validators`);
  process.stderr.write(`batch ${batch}: ${VALIDATORS} validators ... `);
  try {
    const net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'bench-rollup', funding, limit: LIMIT_BPS }],
      taskQueue: TASK_QUEUE,
    });
    current = net;
    await net.startWorker();
    const [rollup] = net.rollups;
    const t0 = performance.now();
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: monitorWorkflowId(asRollupAdmin(rollup.admin)),
      args: [
        { rollupAdmin: asRollupAdmin(rollup.admin), keyPath: 'mnemonic', pollInterval: '1 minute', maxBatch: batch },
      ],
    });
    await waitMonitorIdle(net, rollup.admin, VALIDATORS, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`done in ${seconds.toFixed(1)} s\n`);
    const b = breakdown(await allRuns(net, Math.ceil(VALIDATORS / Math.max(batch, MAX_CREATION_RUN))));
    return [
      `batch ${batch} (${seconds.toFixed(1)} s, monitor polling every minute):`,
      ...formatBreakdown(b, VALIDATORS).map((l) => `  ${l}`),
    ];
  } finally {
    const net = current;
    current = undefined;
    await net?.stop();
  }
}

async function main(): Promise<void> {
  const out: string[] = [];
  for (const batch of BATCHES) out.push(...(await run(batch)), '');
  console.log(
    `history events of a mnemonic creation, ${VALIDATORS} validators, automine; every workflow run on the task queue`,
  );
  for (const line of out) console.log(line);
}

stopOnInterrupt(() => current);

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
