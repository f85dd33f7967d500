// Readable, deterministic workflow ids: an operator finds a rollup's workflows by its admin address.

/** The monitor of a rollup: one per rollup admin. */
export const monitorWorkflowId = (rollupAdmin: string) => `rollup-monitor/${rollupAdmin.toLowerCase()}`;

/** The rollup's creation batch: a fixed id, so that two creations for one rollup cannot run at once. */
export const creationWorkflowId = (rollupAdmin: string) => `create-validators/${rollupAdmin.toLowerCase()}`;

/** The one chain watcher of a namespace. */
export const CHAIN_WATCHER_WORKFLOW_ID = 'nexus-chain-watcher';

/** The one cluster runway watcher of a namespace. */
export const CLUSTER_RUNWAY_WORKFLOW_ID = 'nexus-cluster-runway';

/** An exit batch of a rollup: numbered per rollup, so that batches can overlap (one at the beacon node, one following). */
export const exitWorkflowId = (rollupAdmin: string, batch: number) =>
  `exit-validators/${rollupAdmin.toLowerCase()}/${batch}`;
