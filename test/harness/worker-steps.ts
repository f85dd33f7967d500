// Every step (activity) of the workflows on a task queue, with the worker that ran it: read from
// the histories' ActivityTaskStarted identities (client/worker-steps.ts). Also the steps running
// now (the open workflows' pending activities) and the workers polling a queue: what a test needs
// to stop a worker in the middle of a step and to tell which workers still poll.
import type { Client, ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workerSteps, type WorkerStep } from '../../client/worker-steps';

export async function stepsOnQueue(
  client: Client,
  taskQueue: string,
): Promise<(WorkerStep & { workflowId: string })[]> {
  const steps: (WorkerStep & { workflowId: string })[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    steps.push(...workerSteps(history).map((step) => ({ ...step, workflowId: execution.workflowId })));
  }
  return steps;
}

/** The worker name of an identity `<name>@<host>:<pid>`. */
export const workerNameOf = (identity: string | undefined) => identity?.split('@')[0];

/** The PID of an identity `<name>@<host>:<pid>` (the lease holder's `<name>:<pid>` too). */
export const pidOf = (identity: string | undefined) => Number(identity?.split(':').pop());

/** The activities started and not finished in the open workflows on a task queue, with the worker running each. */
export async function runningSteps(
  client: Client,
  taskQueue: string,
): Promise<{ activity: string; worker: string; workflowId: string }[]> {
  const running: { activity: string; worker: string; workflowId: string }[] = [];
  for await (const execution of client.workflow.list({
    query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
  })) {
    const { raw } = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
    for (const a of raw.pendingActivities ?? []) {
      if (
        a.state !== temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED ||
        !a.lastWorkerIdentity
      )
        continue;
      running.push({
        activity: a.activityType?.name ?? '?',
        worker: a.lastWorkerIdentity,
        workflowId: execution.workflowId,
      });
    }
  }
  return running;
}

/**
 * The workers that polled a queue for activity tasks, each with the time (ms) its last poll request
 * reached the server. The server lists a worker for 5 minutes after its last poll and a long poll
 * lasts up to a minute, so "polls now" is "polled since t", read at least a long poll after t.
 */
export async function activityPollers(
  connection: ConnectionLike,
  taskQueue: string,
): Promise<{ pid: number; lastPollAt: number }[]> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const last = new Map<number, number>();
  for (const p of pollers ?? []) {
    const at = Number(String(p.lastAccessTime?.seconds ?? 0)) * 1000 + Math.floor((p.lastAccessTime?.nanos ?? 0) / 1e6);
    const pid = pidOf(p.identity ?? undefined);
    last.set(pid, Math.max(at, last.get(pid) ?? 0));
  }
  return [...last].map(([pid, lastPollAt]) => ({ pid, lastPollAt })).sort((a, b) => a.pid - b.pid);
}
