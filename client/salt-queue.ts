// Whether mnemonic work can run now: a step waiting on the salt task queue with no worker polling
// it is held "locked: waiting for the salt" (worker/salt-lock.ts). The CLI asks Temporal for the
// queue's activity pollers; Temporal lists a worker for a few minutes after it stopped polling,
// so a worker locked a moment ago still counts as polling for that long.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LOCKED_STATUS } from '../activities/keys/salt';

/** Whether any worker polls `saltQueue` for activity tasks. */
export async function saltQueuePolled(client: Client, saltQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: saltQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (pollers ?? []).length > 0;
}

/** The status line of mnemonic work held for the salt. */
export function lockedLine(saltQueue: string): string {
  return `salt        ${LOCKED_STATUS}: no worker polls ${saltQueue}, where mnemonic steps wait; give a worker the salt with \`nexus-bot unlock\``;
}
