// The nexus-bot worker as a child process of the local network, configured by a JSON file.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { join, resolve } from 'node:path';
import { startService, type ServiceProcess } from './process';

const REPO_ROOT = resolve(__dirname, '..', '..');

export interface WorkerProcessOptions {
  configFile: string;
  /** Unique per start: readiness waits for a poller with exactly this name. */
  workerName: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  logFile?: string;
  /** The mnemonic salt, handed over on standard input (the worker config sets keys.saltFromStdin). */
  salt?: string;
  /** Extra environment (e.g. AWS credentials for an emulator). */
  env?: NodeJS.ProcessEnv;
  /** Its name in the launcher's messages (several workers: "nexus-bot worker 2"). */
  serviceName?: string;
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<ServiceProcess> {
  return startService({
    name: opts.serviceName ?? 'nexus-bot worker',
    // One process (no tsx wrapper), so that its PID is the worker's own.
    command: process.execPath,
    args: ['--require', 'tsx/cjs', join(REPO_ROOT, 'worker', 'main.ts')],
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env, NEXUS_BOT_CONFIG: opts.configFile, NEXUS_BOT_WORKER_NAME: opts.workerName },
    logFile: opts.logFile,
    stdin: opts.salt,
    // Ready once this worker (not one of an earlier run, still listed for a while) polls.
    ready: async () => {
      const connection = await Connection.connect({ address: opts.temporalAddress, connectTimeout: 1_000 });
      try {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace: opts.namespace,
          taskQueue: { name: opts.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return (pollers ?? []).some((poller) => poller.identity?.startsWith(`${opts.workerName}@`));
      } finally {
        await connection.close();
      }
    },
    readyTimeoutMs: 120_000,
    killAfterMs: 15_000,
  });
}
