// Before every plan the monitor asks whether each exit batch in flight still runs. One
// isWorkflowRunning after another cost a round trip per batch between a limit change and the
// creation (bench/limit-reaction.ts); runs recorded since BATCHES_CHECKED_AT_ONCE_PATCH ask for all
// batches in one workflow task. Time-skipping, activities on the in-memory chain (an exit takes
// about 38 hours there, so every batch stays in flight).
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { monitorWorkflowId } from '../../workflows/ids';
import { BATCHES_CHECKED_AT_ONCE_PATCH } from '../../workflows/monitor/batches';
import { wakeSignal } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { workflowBundle } from '../harness/workflow-bundle';
import { StubChain, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

/** For each workflow task that scheduled any, how many isWorkflowRunning activities it scheduled for the given batches. */
function checksPerTask(events: temporal.api.history.v1.IHistoryEvent[], batchIds: Set<string>): number[] {
  const groups: number[] = [];
  let current = 0;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) {
      if (current > 0) groups.push(current);
      current = 0;
    }
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name !== 'isWorkflowRunning') continue;
    const input = JSON.parse(Buffer.from(s.input?.payloads?.[0]?.data ?? []).toString('utf8')) as {
      workflowId: string;
    };
    if (batchIds.has(input.workflowId)) current++;
  }
  if (current > 0) groups.push(current);
  return groups;
}

describe('workflows: the monitor checks its exit batches in flight at once (time-skipping)', function () {
  this.timeout(300_000);
  const testEnv = useTimeSkippingEnv();
  const taskQueue = `exit-batches-at-once-${Date.now()}`;
  const ADMIN = `0x0017${'e'.repeat(36)}`;

  it('with k exit batches in flight, each look schedules its k isWorkflowRunning checks in one workflow task; the history replays', async () => {
    const env = testEnv();
    const chain = new StubChain();
    chain.now = () => env.currentTimeMs();
    // 20 validators, limit 10 %: 10 must exit; at most 2 per batch, one batch per look: 5 batches.
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 1000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    chain.addActiveValidators(ADMIN, 20);
    await withTestWorker(
      env.address,
      { taskQueue, activities: stubActivities(chain, env.client, taskQueue, `${taskQueue}-registrar`) },
      async () => {
        const handle = await env.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue,
          workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
          args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', pollInterval: '6 hours', maxExitBatch: 2 }],
        });
        for (let k = 1; k <= 5; k++) {
          if (k > 1) await handle.signal(wakeSignal, { reason: `look ${k}` });
          await waitForMonitor(
            env,
            handle,
            (s) => s.exitsInFlight.length === k && s.phase === 'idle',
            `${k} exit batch(es) in flight`,
            '1 minute',
            30,
          );
        }
        // One more look with all five in flight.
        await handle.signal(wakeSignal, { reason: 'look 6' });
        await env.sleep('1 minute');
        const status = await waitForMonitor(env, handle, (s) => s.phase === 'idle', 'the sixth look', '1 minute', 30);
        const batchIds = new Set(status.exitsInFlight.map((e) => e.workflowId));
        assert.equal(batchIds.size, 5);

        const history = await handle.fetchHistory();
        const events = history.events ?? [];
        // Looks 2..6 had 1..5 batches in flight; each asked about all of them in one task.
        assert.deepEqual(
          checksPerTask(events, batchIds),
          [1, 2, 3, 4, 5],
          'the exit batches were not checked in one workflow task per look',
        );
        const markers = events
          .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
          .map((e) =>
            Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString(
              'utf8',
            ),
          );
        assert.ok(
          markers.some((m) => m.includes(BATCHES_CHECKED_AT_ONCE_PATCH)),
          `no ${BATCHES_CHECKED_AT_ONCE_PATCH} marker in the history (markers: ${markers.join(', ')})`,
        );
        await Worker.runReplayHistory(
          { workflowBundle: await workflowBundle(), replayName: 'exit-batches-at-once' },
          history,
        );
        await stopMonitor(env, handle);
      },
    );
  });
});
