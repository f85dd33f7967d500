// The local network's long-lived workflows: one monitor per demo rollup, the chain watcher and the
// cluster runway watcher. A restart on a kept Temporal history finds them running and leaves them.
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { startMonitor } from '../client/monitors';
import { codecDataConverter } from '../temporal-config/data-converter';
import { TASK_QUEUE } from '../temporal-config/names';
import { chainWatcherWorkflow } from '../workflows/chain-watcher';
import { clusterRunwayWorkflow } from '../workflows/cluster-runway';
import { CHAIN_WATCHER_WORKFLOW_ID, CLUSTER_RUNWAY_WORKFLOW_ID, monitorWorkflowId } from '../workflows/ids';
import type { Deployment } from './demo';
import { asRollupAdmin } from '../protocol/identifiers';

/**
 * The demo rollups' monitor settings, also written to the worker's configuration, so that
 * `nexus-bot start --config state/worker-config.json` starts a monitor like them.
 */
export const LOCAL_MONITORS = {
  pollInterval: '30 seconds',
  maxBatch: 10,
  maxExitBatch: 50,
  // Exit batches look at the local beacon chain (16-s epochs) every few seconds at least.
  exitPollInterval: { min: '4 seconds', max: '1 minute' },
};

/** One monitor per demo rollup, the chain watcher and the cluster runway watcher; one that already runs (a restart on a kept history) is left alone. */
export async function startMonitors(
  address: string,
  namespace: string,
  rollups: Deployment['rollups'],
  codecKeysFile: string,
  log: (line: string) => void,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace, dataConverter: codecDataConverter(codecKeysFile) });
    for (const rollup of rollups) {
      try {
        await startMonitor(client, {
          rollupAdmin: asRollupAdmin(rollup.admin),
          keyPath: rollup.keyPath,
          ...LOCAL_MONITORS,
          startedBy: 'local network launcher',
        });
        log(
          `monitor of ${rollup.name} (${rollup.keyPath} keys) started: ${monitorWorkflowId(asRollupAdmin(rollup.admin))}`,
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        log(`monitor of ${rollup.name} already running: ${monitorWorkflowId(asRollupAdmin(rollup.admin))}`);
      }
    }
    // One watcher wakes the monitors when a limit, a registration or a bridge balance changes: at
    // each new block, and after 30 s at the latest on a quiet chain.
    await client.workflow
      .start(chainWatcherWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId: CHAIN_WATCHER_WORKFLOW_ID,
        args: [{ pollInterval: '30 seconds' }],
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
    // The cluster runway watcher: runways as metrics and `nexus-bot runway` (watch only: no budget set).
    await client.workflow
      .start(clusterRunwayWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId: CLUSTER_RUNWAY_WORKFLOW_ID,
        args: [{ pollInterval: '1 minute' }],
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  } finally {
    await connection.close();
  }
}
