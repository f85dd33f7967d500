// A real worker for workflow tests: the bot's bundled workflow code and activities.
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TASK_QUEUE } from '../../temporal-config/names';
import { workflowBundle } from './workflow-bundle';

export async function createTestWorker(
  connection: NativeConnection,
  workerName: string,
  taskQueue = TASK_QUEUE,
): Promise<Worker> {
  return Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workerName }),
  });
}
