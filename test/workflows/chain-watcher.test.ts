// The chain watcher's command sequence (time-skipping, its activity replaced by a script): a new
// run records the FOLLOW_HEADS_PATCH marker, waits for blocks in waitForRollupChanges (heartbeat
// and start-to-close timeouts from its poll interval) with no timer, and sends all wakes of a look
// in one workflow task. A history recorded by the sleep loop before the change
// (test/fixtures/histories/chain-watcher-sleep-loop.binpb, see the README there) still replays, and
// the patch marker is what tells the two apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { FollowInput, WatchInput, WatchResult } from '../../activities/watch';
import { chainWatcherWorkflow, FOLLOW_HEADS_PATCH } from '../../workflows/chain-watcher';
import { monitorWorkflowId } from '../../workflows/ids';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { workflowBundle } from '../harness/workflow-bundle';
import { asRollupAdmin } from '../../protocol/identifiers';

type History = temporal.api.history.v1.IHistory;
const SLEEP_LOOP_HISTORY = join(__dirname, '..', 'fixtures', 'histories', 'chain-watcher-sleep-loop.binpb');
const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;

describe('workflows: chain watcher follows new blocks (time-skipping)', function () {
  this.timeout(120_000);
  const testEnv = useTimeSkippingEnv();
  const admins = [`0x${'a1'.repeat(20)}`, `0x${'c3'.repeat(20)}`].map((a) => asRollupAdmin(a));
  const workflowId = `chain-watcher-heads-${Date.now()}`;
  const calls: FollowInput[] = [];
  let history: History;

  before(async () => {
    const env = testEnv();
    const taskQueue = workflowId;
    const activities = {
      // The sleep loop's activity too: code that went back to it fails the assertions, not the hook.
      async detectRollupChanges(input: WatchInput): Promise<WatchResult> {
        return activities.waitForRollupChanges({ ...input, maxWaitMs: Number.NaN });
      },
      async waitForRollupChanges(input: FollowInput): Promise<WatchResult> {
        calls.push(input);
        if (calls.length > 4) await sleep(200); // slow the next runs down until the test terminates them
        const from = input.fromBlock ?? 100;
        // The second look finds a change for both rollups.
        const wake =
          calls.length === 2
            ? admins.map((rollupAdmin) => ({ rollupAdmin, reason: `staking limit changed (block ${from})` }))
            : [];
        return { nextFromBlock: from + 1, wake, balances: {} };
      },
    };
    // Stand-ins under the monitors' ids on a queue nobody polls: their histories record the wakes.
    for (const admin of admins)
      await env.client.workflow.start('monitorStandIn', {
        taskQueue: `${taskQueue}-nobody`,
        workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      });
    await withTestWorker(env.address, { taskQueue, activities }, async () => {
      const handle = await env.client.workflow.start(chainWatcherWorkflow, {
        taskQueue,
        workflowId,
        args: [{ pollInterval: '20 seconds', continueAsNewAfterPolls: 3 }],
      });
      while (calls.length < 4) await env.sleep('20 seconds');
      history = await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
      // The run may be continuing as new at that moment: then its successor is terminated.
      for (let i = 0; ; i++) {
        try {
          await env.client.workflow.getHandle(workflowId).terminate('test over');
          break;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) || i >= 10) throw err;
        }
      }
    });
    for (const admin of admins)
      await env.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin))).terminate('test over');
  });

  it('records the patch marker, waits in waitForRollupChanges (no timer) with timeouts from the poll interval, carries the scanned block', () => {
    const events = history.events ?? [];
    const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    assert.equal(markers.length, 1, 'one patch marker');
    const patchData = markers[0].markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    assert.match(Buffer.from(patchData ?? []).toString(), new RegExp(FOLLOW_HEADS_PATCH));
    assert.equal(events.filter((e) => e.timerStartedEventAttributes).length, 0, 'a timer was started');
    const scheduled = events
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a !== null && a !== undefined);
    assert.deepEqual(
      scheduled.map((a) => a.activityType?.name),
      ['waitForRollupChanges', 'waitForRollupChanges', 'waitForRollupChanges'],
    );
    assert.equal(seconds(scheduled[0].heartbeatTimeout), 30);
    assert.equal(seconds(scheduled[0].startToCloseTimeout), 20 + 60);
    assert.deepEqual(
      calls.slice(0, 3).map((c) => [c.fromBlock, c.maxWaitMs]),
      [
        [undefined, 20_000],
        [101, 20_000],
        [102, 20_000],
      ],
    );
    assert.equal(calls[3].fromBlock, 103, 'the next run starts after the last scanned block');
  });

  it('sends every wake of one look in the same workflow task', () => {
    const signals = (history.events ?? [])
      .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)
      .filter((a) => a !== null && a !== undefined);
    assert.deepEqual(
      signals.map((s) => s.workflowExecution?.workflowId),
      admins.map(monitorWorkflowId),
    );
    assert.equal(
      new Set(signals.map((s) => Number(s.workflowTaskCompletedEventId))).size,
      1,
      'the wakes went out in separate workflow tasks',
    );
  });

  it('a history of the sleep loop recorded before the change, and one of the new code, both replay', async () => {
    const old = temporal.api.history.v1.History.decode(readFileSync(SLEEP_LOOP_HISTORY));
    assert.ok(
      old.events?.some((e) => e.timerStartedEventAttributes),
      'the fixture is a sleep-loop history',
    );
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'sleep-loop' },
      old,
      'nexus-chain-watcher-recorded',
    ).catch((err: Error) => assert.fail(`the sleep-loop history does not replay: ${err.message}`));
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'follows-heads' },
      history,
      workflowId,
    ).catch((err: Error) => assert.fail(`the new history does not replay: ${err.message}`));
  });

  it('the replay check is not blind: without its patch marker the new history does not replay', async () => {
    const copy = structuredClone(history);
    for (const event of copy.events ?? []) {
      const payload = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
      if (payload?.data)
        payload.data = Buffer.from(Buffer.from(payload.data).toString().replace(FOLLOW_HEADS_PATCH, 'another-patch'));
    }
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'no-marker' }, copy, workflowId),
      /DeterminismViolation|[Nn]ondeterminism/,
    );
  });
});
