// Builds the Temporal worker from a validated configuration.
import { hostname } from 'node:os';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WorkerConfig } from './config';

export interface BuiltWorker {
  worker: Worker;
  connection: NativeConnection;
}

export async function buildWorker(config: WorkerConfig, opts: { workflowBundle?: WorkflowBundleOption } = {}): Promise<BuiltWorker> {
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: config.temporal.address });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (temporal.address): ${(err as Error).message}`, { cause: err });
  }
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Shown in the Web UI's pollers list: which worker, on which host, which process.
    identity: `${config.workerName}@${hostname()}:${process.pid}`,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ workerName: config.workerName }),
  });
  return { worker, connection };
}
