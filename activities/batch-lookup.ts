// Finds a rollup's exit batches that are still running, with the keys each one follows. A monitor
// started afresh (stop and start, a reset) has no memory of the batches its earlier run started;
// they report to its workflow id, so it adopts them instead of following their keys a second time.
import type { Client } from '@temporalio/client';
import { exitStatusQuery } from '../protocol/messages';
import { asRollupAdmin } from '../protocol/identifiers';

export interface RunningExitBatch {
  workflowId: string;
  /** The keys it still follows (not yet accounted). */
  pubkeys: string[];
  phase: string;
}

export function createBatchLookupActivities(deps: { client: Client }) {
  return {
    async listRunningExitBatches({ rollupAdmin }: { rollupAdmin: string }): Promise<RunningExitBatch[]> {
      // Checked: it goes into a visibility query.
      const admin = asRollupAdmin(rollupAdmin, 'listRunningExitBatches rollupAdmin');
      const query = `WorkflowType = 'exitValidatorsWorkflow' AND ExecutionStatus = 'Running' AND NexusRollupAdmin = '${admin}'`;
      const batches: RunningExitBatch[] = [];
      for await (const w of deps.client.workflow.list({ query })) {
        try {
          const status = await deps.client.workflow.getHandle(w.workflowId).query(exitStatusQuery);
          batches.push({
            workflowId: w.workflowId,
            pubkeys: status.pending.map((p) => p.pubkey.toLowerCase()),
            phase: status.phase,
          });
        } catch (err) {
          // Closed between the list and the query: nothing to adopt.
          if (
            (err as Error)?.name === 'WorkflowNotFoundError' ||
            /closed|completed/i.test((err as Error)?.message ?? '')
          )
            continue;
          throw err;
        }
      }
      return batches;
    },
  };
}
