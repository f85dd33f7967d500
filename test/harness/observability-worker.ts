// A worker process for test/integration/observability.test.ts: the real observability set-up of
// worker/main.ts (startObservability: Runtime logger and SDK metrics exporter, /metrics endpoint,
// activity and workflow interceptors) around small probe activities and workflows, so that errors
// and stuck steps happen on demand. Its own process: Runtime.install runs once per process.
// Configured like the worker (NEXUS_BOT_CONFIG and the same environment overrides).
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadWorkerConfig } from '../../worker/config';
import { startObservability } from '../../worker/observability';

export interface ProbeActivities {
  readRollup(input: { rollupAdmin: string }): Promise<string>;
  slowStep(input: { rollupAdmin: string; ms: number }): Promise<string>;
  failingStep(input: { rollupAdmin: string; type: string }): Promise<void>;
}

const activities: ProbeActivities = {
  async readRollup() {
    process.emitWarning('the probe warns on purpose', { code: 'PROBE_WARNING' });
    return 'ok';
  },
  async slowStep({ ms }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'slow done';
  },
  async failingStep({ type }) {
    throw ApplicationFailure.retryable('the probe fails on purpose', type);
  },
};

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const observability = await startObservability(config);
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  observability.attachClient(new Client({ connection, namespace: config.temporal.namespace }));
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity: `${config.workerName}@probe:${process.pid}`,
    workflowsPath: require.resolve('./observability-workflows'),
    activities,
    interceptors: {
      activity: observability.activityInterceptors,
      workflowModules: observability.workflowInterceptorModules,
    },
  });
  observability.logger.info('probe worker polling', {
    taskQueue: config.temporal.taskQueue,
    metrics: observability.metricsServer?.url,
  });
  await worker.run();
  await connection.close();
  await nativeConnection.close();
  await observability.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
