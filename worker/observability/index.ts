// The worker's observability, set up once per process before any Temporal connection:
//   - the Temporal Runtime, with the line logger (JSON by default) for the SDK, workflow and
//     activity logs (core logs forwarded to it too) and, when metrics are on, the SDK's Prometheus
//     exporter on a free loopback port;
//   - the bot's metrics registry and the one /metrics endpoint on observability.metrics.listen;
//   - the activity interceptor (errors by type, stuck steps, last successful polls, `rollup` in
//     activity logs) and the workflow interceptor module (`rollup` in workflow logs);
//   - the transaction manager's events as metrics (fees) and log lines.
// Runtime.install may run only once per process: tests of this module run it in a child process.
import type { Client } from '@temporalio/client';
import type { LogLevel } from '@temporalio/common';
import { Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { TxEvent } from '../../activities/chain/tx-manager';
import type * as BotWorkflows from '../../workflows';
import type { WorkerConfig } from '../config';
import { activityObservabilityInterceptors } from './activity-interceptor';
import { LineLogger } from './logger';
import { BotMetrics } from './metrics';
import { installOnFreeLoopbackPort, startMetricsServer, type MetricsServer } from './server';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../bundle';

export { LineLogger, formatLogLine } from './logger';
export { BotMetrics } from './metrics';

const CREATION_WORKFLOW: keyof typeof BotWorkflows = 'createValidatorsWorkflow';
const EXIT_WORKFLOW: keyof typeof BotWorkflows = 'exitValidatorsWorkflow';

export interface Observability {
  logger: LineLogger;
  metrics: BotMetrics;
  /** Absent when observability.metrics is not configured. */
  metricsServer?: MetricsServer;
  /** For Worker.create's interceptors.activity. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** For Worker.create's interceptors.workflowModules (used when the worker bundles its workflows). */
  workflowInterceptorModules: string[];
  /** The transaction manager's `log` option. */
  txEvent(event: TxEvent): void;
  /** Lets the in-flight gauges ask Temporal visibility. */
  attachClient(client: Client): void;
  close(): Promise<void>;
}

export async function startObservability(config: WorkerConfig): Promise<Observability> {
  const { observability } = config;
  const logger = new LineLogger({ format: observability.logFormat, level: observability.logLevel });
  const coreLevel: LogLevel =
    observability.logLevel === 'DEBUG' ? 'DEBUG' : observability.logLevel === 'ERROR' ? 'ERROR' : 'WARN';
  const install = (sdkPort?: number) =>
    Runtime.install({
      logger,
      telemetryOptions: {
        logging: { filter: { core: coreLevel, other: 'ERROR' }, forward: {} },
        ...(sdkPort !== undefined ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } } : {}),
      },
    });
  // The exporter's port is picked free and may be taken before it binds: then another is tried.
  let sdkPort: number | undefined;
  if (observability.metrics) sdkPort = (await installOnFreeLoopbackPort(install)).port;
  else install();

  // Node's process warnings (e.g. a library's deprecation notice) as log lines too, instead of
  // Node's own plain line on standard error: every line of the worker's output has one form.
  process.removeAllListeners('warning');
  process.on('warning', (warning) =>
    logger.warn(warning.message, { warning: warning.name, code: (warning as { code?: string }).code }),
  );

  let inflightWarned = false;
  const metrics = new BotMetrics({
    onInflightError: (err) => {
      if (inflightWarned) return;
      inflightWarned = true; // once per failure streak
      logger.warn('in-flight counts unavailable: Temporal visibility query failed', {
        error: (err as Error)?.message ?? String(err),
      });
    },
  });
  const metricsServer = observability.metrics
    ? await startMetricsServer({
        registry: metrics.registry,
        listen: observability.metrics.listen,
        sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
      })
    : undefined;
  if (metricsServer) logger.info('metrics endpoint listening', { url: metricsServer.url });

  return {
    logger,
    metrics,
    metricsServer,
    activityInterceptors: [
      activityObservabilityInterceptors({ metrics, stuckAfterMs: observability.stuckAfterSeconds * 1000 }),
    ],
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    txEvent(event) {
      metrics.txEvent(event);
      const { event: name, ...fields } = event;
      const level =
        name === 'mined' || name === 'sent' ? 'INFO' : name === 'reused' || name === 'rebroadcast' ? 'DEBUG' : 'WARN';
      logger.log(level, `transaction ${name}`, fields);
    },
    attachClient(client) {
      const running = async (type: string) =>
        (await client.workflow.count(`WorkflowType = '${type}' AND ExecutionStatus = 'Running'`)).count;
      metrics.setInflightSource({
        count: () =>
          client.withDeadline(Date.now() + 5_000, async () => {
            const [ceremonies, exits] = await Promise.all([running(CREATION_WORKFLOW), running(EXIT_WORKFLOW)]);
            inflightWarned = false;
            return { ceremonies, exits };
          }),
      });
    },
    async close() {
      await metricsServer?.close();
    },
  };
}
