// The Java time-skipping test server for a describe block. Workers in these tests connect on
// their own connections (withTestWorker), so that a failed test that leaves a worker running can
// never stop teardown from killing the server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { startTimeSkippingEnvironment } from '../../localnet/services/temporal';
import { useService } from './service';
import { workflowBundle } from './workflow-bundle';

export function useTimeSkippingEnv(): () => TestWorkflowEnvironment {
  const service = useService('time-skipping server', async () => {
    const testEnv = await startTimeSkippingEnvironment();
    return { testEnv, stop: () => testEnv.teardown() };
  });
  return () => service().testEnv;
}

/** Runs `fn` while a worker with the bot's workflow bundle and the given activities polls `taskQueue`. */
export async function withTestWorker<T>(
  address: string,
  opts: Pick<WorkerOptions, 'taskQueue' | 'activities'>,
  fn: () => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, workflowBundle: await workflowBundle(), ...opts });
    return await worker.runUntil(fn());
  } finally {
    await connection.close().catch(() => undefined);
  }
}
