// Which worker ran which step of a workflow: read from its history, where every
// ActivityTaskStarted event records the identity of the worker that took the task
// (`<workerName>@<host>:<pid>`, worker/worker.ts) and its ActivityTaskScheduled event the task queue.
import type { temporal } from '@temporalio/proto';

export interface WorkerStep {
  activity: string;
  taskQueue: string;
  /** The identity of the worker that took the last started attempt (absent: not started yet). */
  worker?: string;
  attempt?: number;
}

export function workerSteps(history: temporal.api.history.v1.IHistory): WorkerStep[] {
  const steps = new Map<number, WorkerStep>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      steps.set(Number(event.eventId), {
        activity: scheduled.activityType?.name ?? '?',
        taskQueue: scheduled.taskQueue?.name ?? '?',
      });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    const step = started && steps.get(Number(started.scheduledEventId));
    if (step && started) {
      step.worker = started.identity ?? undefined;
      step.attempt = started.attempt ?? undefined;
    }
  }
  return [...steps.values()];
}

/** Lines for the CLI: one per step, the worker that ran it and the queue it was on. */
export function formatWorkerSteps(steps: WorkerStep[]): string[] {
  if (steps.length === 0) return [];
  const width = Math.max(...steps.map((s) => s.activity.length));
  return [
    'Steps (activity, worker that ran it, task queue):',
    ...steps.map(
      (s) =>
        `  ${s.activity.padEnd(width)}  ${s.worker ?? '(not started)'}${s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}  ${s.taskQueue}`,
    ),
  ];
}
