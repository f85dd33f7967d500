// Readable, deterministic workflow ids: an operator finds a rollup's workflows by its admin address
// (lower case: a RollupAdmin is, so the ids are what they were when this lower-cased).
import type { RollupAdmin } from '../protocol/identifiers';

/** The monitor of a rollup: one per rollup admin. */
export const monitorWorkflowId = (rollupAdmin: RollupAdmin) => `rollup-monitor/${rollupAdmin}`;

/** The rollup's creation batch: a fixed id, so that two creations for one rollup cannot run at once. */
export const creationWorkflowId = (rollupAdmin: RollupAdmin) => `create-validators/${rollupAdmin}`;

/** The one chain watcher of a namespace. */
export const CHAIN_WATCHER_WORKFLOW_ID = 'nexus-chain-watcher';

/** The one cluster runway watcher of a namespace. */
export const CLUSTER_RUNWAY_WORKFLOW_ID = 'nexus-cluster-runway';

/** An exit batch of a rollup: numbered per rollup, so that batches can overlap (one at the beacon node, one following). */
export const exitWorkflowId = (rollupAdmin: RollupAdmin, batch: number) => `exit-validators/${rollupAdmin}/${batch}`;
