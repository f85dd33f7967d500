// Task queues by role (issue 14): a mnemonic creation runs with three workers that each register
// only their own role's activities, so an activity scheduled on the wrong queue is never run (the
// batch would hang). The histories show every activity on its role's queue and started by that
// role's worker; and a history whose activities were all scheduled on the one old queue (what the
// code before the split recorded) still replays on the current code: no patched() is needed.
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { activityRole, roleTaskQueue, type WorkerRole } from '../../temporal-config/task-queues';
import { activitiesFor } from '../../worker/role-workers';
import { formatWorkerSteps, workerSteps } from '../../client/worker-steps';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv } from '../harness/time-skipping';
import { workflowBundle } from '../harness/workflow-bundle';
import { StubChain, stubActivities } from './stub-activities';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;
type History = temporal.api.history.v1.IHistory;

describe('workflows: activities on the task queue of their role (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  const taskQueue = `roles-${Date.now()}`;
  const admin = `0x0001${'c'.repeat(36)}`;
  const registrarWorkflowId = `${taskQueue}-registrar`;
  const histories = new Map<string, History>();

  before(async () => {
    const env = testEnv();
    const chain = new StubChain();
    chain.addRollup(admin, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(2000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    const expected = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 640n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(2000),
      }),
    );
    const all = stubActivities(chain, env.client, taskQueue, registrarWorkflowId);
    const connection = await NativeConnection.connect({ address: env.address });
    try {
      const worker = async (role: WorkerRole) =>
        Worker.create({
          connection,
          taskQueue: roleTaskQueue(taskQueue, role),
          identity: `${role}-worker`,
          activities: activitiesFor(all, [role]),
          ...(role === 'general' ? { workflowBundle: await workflowBundle() } : {}),
        });
      const [general, writer, salt] = [await worker('general'), await worker('writer'), await worker('salt')];
      const workflowId = `${monitorWorkflowId(asRollupAdmin(admin))}-${taskQueue}`;
      await general.runUntil(
        writer.runUntil(
          salt.runUntil(async () => {
            const handle = await env.client.workflow.start(rollupMonitorWorkflow, {
              taskQueue,
              workflowId,
              args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '1 minute', maxBatch: 4 }],
            });
            await waitForMonitor(
              env,
              handle,
              (s) => s.validatorsCreated === expected && s.phase === 'idle',
              `${expected} validators`,
              '20 seconds',
              60,
            );
            for (const id of [workflowId, creationWorkflowId(asRollupAdmin(admin)), registrarWorkflowId])
              histories.set(id, await env.client.workflow.getHandle(id).fetchHistory());
            await stopMonitor(env, handle, '20 seconds', 60);
            await env.client.workflow
              .getHandle(registrarWorkflowId)
              .terminate('test over')
              .catch(() => undefined);
          }),
        ),
      );
    } finally {
      await connection.close();
    }
  });

  it("schedules transactions on the chain-writer queue, mnemonic key material on the salt queue, the rest on the general one; each started by its role's worker", () => {
    const seen = new Map<string, Set<string>>();
    for (const history of histories.values()) {
      const events = history.events ?? [];
      for (const event of events) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (!scheduled) continue;
        const type = scheduled.activityType?.name ?? '';
        const role = activityRole(type);
        assert.equal(
          scheduled.taskQueue?.name,
          roleTaskQueue(taskQueue, role),
          `${type} scheduled on ${scheduled.taskQueue?.name}`,
        );
        const started = events.find(
          (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(event.eventId),
        );
        assert.equal(
          started?.activityTaskStartedEventAttributes?.identity,
          `${role}-worker`,
          `${type} started by ${started?.activityTaskStartedEventAttributes?.identity}`,
        );
        seen.set(role, (seen.get(role) ?? new Set()).add(type));
      }
    }
    assert.deepEqual([...(seen.get('writer') ?? [])].sort(), ['registerMnemonicKeysharesBatch', 'submitDeposits']);
    // One salt activity allocates and derives since issue 15 item 3 (activities/mnemonic-batch.ts).
    assert.deepEqual([...(seen.get('salt') ?? [])].sort(), ['allocateAndPrepareMnemonicValidators']);
    // readRollup is a local activity since issue 15 item 3 (run by the general worker, which runs the workflows).
    assert.ok(seen.get('general')?.has('guardDeposits'));
  });

  it('`nexus-bot show` reads the same from a history: each step with the worker that ran it and its queue', () => {
    const steps = workerSteps(histories.get(creationWorkflowId(asRollupAdmin(admin)))!);
    const deposit = steps.find((s) => s.activity === 'submitDeposits');
    assert.deepEqual(deposit, {
      activity: 'submitDeposits',
      taskQueue: roleTaskQueue(taskQueue, 'writer'),
      worker: 'writer-worker',
      attempt: 1,
    });
    const lines = formatWorkerSteps(steps);
    assert.equal(lines[0], 'Steps (activity, worker that ran it, task queue):');
    assert.ok(
      lines.some((l) => /^ {2}allocateAndPrepareMnemonicValidators +salt-worker {2}roles-\d+-salt$/.test(l)),
      lines.join('\n'),
    );
  });

  it('a history recorded with every activity on the one old queue replays on the current code (command matching ignores the task queue)', async () => {
    for (const [workflowId, history] of histories) {
      const old = rewriteScheduled(history, (attrs) => {
        attrs.taskQueue = { ...attrs.taskQueue, name: taskQueue };
      });
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), replayName: workflowId },
        old,
        workflowId,
      ).catch((err: Error) => assert.fail(`${workflowId} does not replay: ${err.message}`));
    }
  });

  it('the replay check is not blind: a history whose scheduled activity type differs does not replay', async () => {
    const [workflowId, history] = [
      creationWorkflowId(asRollupAdmin(admin)),
      histories.get(creationWorkflowId(asRollupAdmin(admin)))!,
    ];
    const renamed = rewriteScheduled(history, (attrs) => {
      if (attrs.activityType?.name === 'submitDeposits') attrs.activityType = { name: 'submitDepositsRenamed' };
    });
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: workflowId }, renamed, workflowId),
      /DeterminismViolation|[Nn]ondeterminism/,
    );
  });
});

/** A deep copy of `history` with each ActivityTaskScheduled event's attributes edited. */
function rewriteScheduled(
  history: History,
  edit: (attrs: temporal.api.history.v1.IActivityTaskScheduledEventAttributes) => void,
): History {
  const copy = structuredClone(history);
  for (const event of copy.events ?? [])
    if (event.activityTaskScheduledEventAttributes) edit(event.activityTaskScheduledEventAttributes);
  return copy;
}
