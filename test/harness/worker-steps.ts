// Every step (activity) of the workflows on a task queue, with the worker that ran it: read from
// the histories' ActivityTaskStarted identities (client/worker-steps.ts).
import type { Client } from '@temporalio/client';
import { workerSteps, type WorkerStep } from '../../client/worker-steps';

export async function stepsOnQueue(client: Client, taskQueue: string): Promise<(WorkerStep & { workflowId: string })[]> {
  const steps: (WorkerStep & { workflowId: string })[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    steps.push(...workerSteps(history).map((step) => ({ ...step, workflowId: execution.workflowId })));
  }
  return steps;
}

/** The worker name of an identity `<name>@<host>:<pid>`. */
export const workerNameOf = (identity: string | undefined) => identity?.split('@')[0];
