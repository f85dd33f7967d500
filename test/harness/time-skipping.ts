// The Java time-skipping test server for a describe block. Workers in these tests connect on
// their own connections (withTestWorker), so that a failed test that leaves a worker running can
// never stop teardown from killing the server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { startTimeSkippingEnvironment } from '../../localnet/services/temporal';
import { useService } from './service';
import { workflowBundle } from './workflow-bundle';
import { roleTaskQueue } from '../../temporal-config/task-queues';

/** Workers for the general queue (workflows and activities) and its role queues (activities), sharing `activities`. */
export async function createRoleQueueWorkers(
  connection: NativeConnection,
  taskQueue: string,
  activities: WorkerOptions['activities'],
): Promise<Worker[]> {
  return [
    await Worker.create({ connection, workflowBundle: await workflowBundle(), taskQueue, activities }),
    ...(await Promise.all(
      (['writer', 'salt'] as const).map((role) =>
        Worker.create({ connection, taskQueue: roleTaskQueue(taskQueue, role), activities }),
      ),
    )),
  ];
}

export function useTimeSkippingEnv(): () => TestWorkflowEnvironment {
  const service = useService('time-skipping server', async () => {
    const testEnv = await startTimeSkippingEnvironment();
    return { testEnv, stop: () => testEnv.teardown() };
  });
  return () => service().testEnv;
}

/**
 * Runs `fn` while a worker with the bot's workflow bundle and the given activities polls
 * `taskQueue`, and activity-only workers with the same activities poll its role queues (the chain
 * writer's and the salt holders', temporal-config/task-queues.ts): one worker with every role.
 */
export async function withTestWorker<T>(
  address: string,
  opts: Pick<WorkerOptions, 'taskQueue' | 'activities'>,
  fn: () => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address });
  try {
    const workers = await createRoleQueueWorkers(connection, opts.taskQueue, opts.activities);
    // Nested runUntil: each worker runs while the next one (and finally fn) does.
    const run = workers.reduceRight<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner()), fn);
    return await run();
  } finally {
    await connection.close().catch(() => undefined);
  }
}
