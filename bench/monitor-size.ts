// How big a rollup monitor gets with 10,000 validators (DESIGN §1, invariant 7): the history length
// and size of its runs and the size of its status query, on the time-skipping test server with the
// bot's workflows and the in-memory stub chain (test/workflows/stub-activities.ts) in place of
// the activities. Phase 1: the monitor idles over a rollup of N active validators at its limit.
// Phase 2: the limit drops so that `exits` validators must exit; the monitor runs its exit batches.
// Nothing is asserted. Run: npx tsx bench/monitor-size.ts [validators=10000] [exits=1000]
import { cpus } from 'node:os';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { startTimeSkippingEnvironment } from '../localnet/services/temporal';
import { monitorWorkflowId } from '../workflows/ids';
import { exitStatusQuery, monitorStatusQuery } from '../protocol/messages';
import { planExits } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { withTestWorker } from '../test/harness/time-skipping';
import { StubChain, stubActivities } from '../test/workflows/stub-activities';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';

const args = process.argv.slice(2);
const VALIDATORS = Number(args[0] ?? 10_000);
const EXITS = Number(args[1] ?? 1_000);
if (!Number.isInteger(VALIDATORS) || VALIDATORS < 1 || !Number.isInteger(EXITS) || EXITS < 0 || EXITS > VALIDATORS) {
  console.error('usage: npx tsx bench/monitor-size.ts [validators=10000 (≥ 1)] [exits=1000 (0…validators)]');
  process.exit(2);
}
const ETH = 10n ** 18n;
const ADMIN = `0x${'5'.repeat(40)}`;
const TASK_QUEUE = 'monitor-size-bench';

interface Peak {
  historyLength: number;
  historyBytes: number;
  statusBytes: number;
  runs: Set<string>;
}

/** Skips `steps` × `step` of time, reading the monitor's current run and status after each step. */
async function observe(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  step: string,
  steps: number,
  peak: Peak,
  done?: () => Promise<boolean>,
  tick?: () => Promise<void>,
): Promise<number> {
  for (let i = 1; i <= steps; i++) {
    await env.sleep(step);
    await tick?.();
    const description = await env.client.workflow.getHandle(handle.workflowId).describe();
    peak.runs.add(description.runId);
    peak.historyLength = Math.max(peak.historyLength, description.historyLength);
    // The test server does not report historySizeBytes: the run's history, encoded as stored.
    const history = await env.client.workflow.getHandle(handle.workflowId, description.runId).fetchHistory();
    peak.historyBytes = Math.max(peak.historyBytes, temporal.api.history.v1.History.encode(history).finish().length);
    const status = await env.client.workflow.getHandle(handle.workflowId).query(monitorStatusQuery);
    peak.statusBytes = Math.max(peak.statusBytes, Buffer.byteLength(JSON.stringify(status)));
    if (process.env.BENCH_VERBOSE)
      console.log(
        `  step ${i}: run ${description.runId.slice(0, 8)}, ${description.historyLength} events, status ${Buffer.byteLength(JSON.stringify(status))} B, phase ${status.phase}`,
      );
    if (done && (await done())) return i;
  }
  return steps;
}

const print = (label: string, p: Peak) =>
  console.log(
    `${label}: runs ${p.runs.size}, longest run ${p.historyLength} events (${(p.historyBytes / 1024).toFixed(0)} KiB), largest status query ${(p.statusBytes / 1024).toFixed(1)} KiB`,
  );

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}; a monitor over ${VALIDATORS} validators, ${EXITS} exits`,
  );
  const env = await startTimeSkippingEnvironment();
  try {
    const chain = new StubChain();
    chain.now = async () => env.currentTimeMs();
    // Exactly at a 50 % limit: nothing to create; bridge balance = what the validators staked.
    const staked = BigInt(VALIDATORS) * 32n * ETH;
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(5000),
      operatorCluster: 1,
      balanceWei: 2n * staked,
      validatorCount: 0n,
    });
    const keys = chain.addActiveValidators(ADMIN, VALIDATORS);
    keys.forEach((k) => chain.keyIndexed.add(k));
    const registrarWorkflowId = `${TASK_QUEUE}-registrar`;
    // The stub's listRunningExitBatches is a test hook; reconciliation needs the real answer (else
    // it adopts every exit again): the running batches exit-validators/<admin>/1, 2, … and their keys.
    const listRunningExitBatches = async () => {
      const running = [];
      for (let n = 1; ; n++) {
        const handle = env.client.workflow.getHandle(`exit-validators/${ADMIN}/${n}`);
        const description = await handle.describe().catch(() => undefined);
        if (!description) break;
        if (description.status.name !== 'RUNNING') continue;
        const status = await handle.query(exitStatusQuery);
        running.push({
          workflowId: handle.workflowId,
          pubkeys: status.pending.map((p) => p.pubkey.toLowerCase()),
          phase: status.phase,
        });
      }
      return running;
    };
    const activities = {
      ...stubActivities(chain, env.client, TASK_QUEUE, registrarWorkflowId),
      listRunningExitBatches,
    };
    await withTestWorker(env.address, { taskQueue: TASK_QUEUE, activities }, async () => {
      const started = Date.now();
      const handle = await env.client.workflow.start(rollupMonitorWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId: monitorWorkflowId(asRollupAdmin(ADMIN)),
        args: [
          {
            rollupAdmin: asRollupAdmin(ADMIN),
            keyPath: 'mnemonic',
            pollInterval: '1 minute',
            maxExitBatch: 200,
            exitPollInterval: { min: '1 minute', max: '10 minutes' },
          },
        ],
      });
      const idle: Peak = { historyLength: 0, historyBytes: 0, statusBytes: 0, runs: new Set() };
      await observe(env, handle, '30 minutes', 12, idle);
      print(`idle, 6 hours of polls every minute (${((Date.now() - started) / 1000).toFixed(0)} s)`, idle);

      // A lower limit that requires EXITS exits (exactly, by the bot's own arithmetic).
      const r = chain.rollup(ADMIN);
      let limit = r.stakingLimitBps;
      while (
        limit > 0 &&
        planExits({
          bridgeBalanceWei: r.balanceWei,
          validatorCount: r.validatorCount,
          stakingLimitBps: asBasisPoints(limit - 1),
          exiting: 0,
          maxBatch: VALIDATORS,
        }).toExit <= EXITS
      )
        limit--;
      r.stakingLimitBps = limit;
      const toExit = planExits({
        bridgeBalanceWei: r.balanceWei,
        validatorCount: r.validatorCount,
        stakingLimitBps: asBasisPoints(limit),
        exiting: 0,
        maxBatch: VALIDATORS,
      }).toExit;
      const exitsStarted = Date.now();
      const exiting: Peak = { historyLength: 0, historyBytes: 0, statusBytes: 0, runs: new Set() };
      // The stub's withdrawal sweep pays exited validators' ETH back to the bridge when called.
      const steps = await observe(
        env,
        handle,
        '1 hour',
        24 * 14,
        exiting,
        async () => chain.transferredCalls.length >= toExit,
        () => chain.sweep(),
      );
      print(
        `exits: limit ${limit} bps, ${toExit} to exit, ${chain.transferredCalls.length} accounted after ${steps} skipped hours (${((Date.now() - exitsStarted) / 1000).toFixed(0)} s)`,
        exiting,
      );
      await env.client.workflow.getHandle(handle.workflowId).terminate('bench over');
      await env.client.workflow
        .getHandle(registrarWorkflowId)
        .terminate('bench over')
        .catch(() => undefined);
    });
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
