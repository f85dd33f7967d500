// The running rollup monitors, from Temporal's visibility (their search attributes). Read by the
// CLI (`nexus-bot status`) and by the worker (the salt check of `nexus-bot unlock`).
import type { Client } from '@temporalio/client';
import { KeyPathAttribute, PhaseAttribute, RollupAdminAttribute } from './search-attributes';

export const MONITOR_WORKFLOW_TYPE = 'rollupMonitorWorkflow';

export interface MonitorListing {
  rollupAdmin: string;
  workflowId: string;
  keyPath?: string;
  phase?: string;
  startTime: string;
}

/** Every running monitor of the namespace, from Temporal's visibility (search attributes). */
export async function listMonitors(client: Client): Promise<MonitorListing[]> {
  const found: MonitorListing[] = [];
  for await (const w of client.workflow.list({
    query: `WorkflowType = '${MONITOR_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
  })) {
    const attrs = w.typedSearchAttributes;
    found.push({
      rollupAdmin: attrs.get(RollupAdminAttribute) ?? w.workflowId.replace(/^rollup-monitor\//, ''),
      workflowId: w.workflowId,
      keyPath: attrs.get(KeyPathAttribute),
      phase: attrs.get(PhaseAttribute),
      startTime: w.startTime.toISOString(),
    });
  }
  return found.sort((a, b) => a.rollupAdmin.localeCompare(b.rollupAdmin));
}
