// Activities proxied onto a role's task queue (temporal-config/task-queues.ts): the chain writer's
// or the salt holders'. The queue is named after the workflow's own, read when the activity is
// scheduled (workflowInfo() exists only inside a running workflow, not when the module loads).
//
// Replay: a changed task queue does not break running histories. Command matching compares an
// activity's type and id only (sdk-core activity_state_machine: ActTaskScheduledData holds
// act_id and act_type), so no patched() is needed; test/workflows/task-queues.test.ts replays
// a history whose activities were scheduled on the old single queue.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { roleTaskQueue, type WorkerRole } from '../temporal-config/task-queues';

export function proxyRoleActivities<A extends object>(
  role: Exclude<WorkerRole, 'general'>,
  options: ActivityOptions,
): A {
  return new Proxy({} as A, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const taskQueue = roleTaskQueue(workflowInfo().taskQueue, role);
        const activity = proxyActivities({ ...options, taskQueue })[name] as (...a: unknown[]) => Promise<unknown>;
        return activity(...args);
      };
    },
  });
}
