// The rollup monitors as seen from a client: start one (with the search attributes and memo the
// Web UI shows), find one by rollup, list them all. Used by the CLI and the local network launcher.
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUE } from '../temporal-config/names';
import { rollupSearchAttributes } from '../temporal-config/search-attributes';
import { monitorWorkflowId } from '../workflows/ids';
import type { rollupMonitorWorkflow, RollupMonitorInput } from '../workflows/rollup-monitor';

// Listing the running monitors is the worker's too (the salt check): it lives in temporal-config/.
import { MONITOR_WORKFLOW_TYPE } from '../temporal-config/monitor-listing';
import type { RollupAdmin } from '../protocol/identifiers';
export { MONITOR_WORKFLOW_TYPE, listMonitors, type MonitorListing } from '../temporal-config/monitor-listing';

/** An operator-facing error (unknown rollup, monitor not running …): printed as is, exit code 1. */
export class MonitorError extends Error {
  override name = 'MonitorError';
}

export interface StartMonitorOptions extends Omit<RollupMonitorInput, 'carried' | 'continueAsNewAfterLoops'> {
  /** Who started it, kept in the memo (e.g. "nexus-bot CLI", "local network launcher"). */
  startedBy: string;
  taskQueue?: string;
}

/** Starts a rollup's monitor; the id is derived from the rollup, so a second one cannot start. */
export async function startMonitor(
  client: Client,
  opts: StartMonitorOptions,
): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
  const { startedBy, taskQueue, ...input } = opts;
  const { rollupAdmin } = input; // lower case: the monitor, its ids and its batches take it as it is
  return client.workflow.start<typeof rollupMonitorWorkflow>(MONITOR_WORKFLOW_TYPE, {
    taskQueue: taskQueue ?? TASK_QUEUE,
    workflowId: monitorWorkflowId(rollupAdmin),
    args: [input],
    typedSearchAttributes: rollupSearchAttributes(rollupAdmin, input.keyPath),
    // Shown in the Web UI next to the workflow (decoded by the codec server when payloads are encrypted).
    memo: {
      rollupAdmin,
      keyPath: input.keyPath,
      startedBy,
      description: `keeps rollup ${rollupAdmin} at its staking limit (${input.keyPath} keys)`,
    },
  });
}

/** The running monitor of a rollup, or a MonitorError that says what is wrong and what to do. */
export async function runningMonitor(
  client: Client,
  rollupAdmin: RollupAdmin,
): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
  const workflowId = monitorWorkflowId(rollupAdmin);
  const handle = client.workflow.getHandle<typeof rollupMonitorWorkflow>(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new MonitorError(
        `no monitor for rollup ${rollupAdmin} (workflow ${workflowId} not found): start one with \`nexus-bot start ${rollupAdmin} --key-path <mnemonic|dkg>\``,
      );
    }
    throw err;
  }
  if (description.status.name !== 'RUNNING') {
    throw new MonitorError(
      `the monitor of rollup ${rollupAdmin} is not running (${workflowId} is ${description.status.name.toLowerCase()} since ${description.closeTime?.toISOString() ?? '?'}): start it again with \`nexus-bot start\``,
    );
  }
  return handle;
}
