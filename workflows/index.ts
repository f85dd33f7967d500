// Every workflow the worker registers (this file is the bundle's entry point).
export { selfCheckWorkflow } from './self-check';
export { rollupMonitorWorkflow } from './rollup-monitor';
export { createValidatorsWorkflow } from './create-validators';
export { ssvRegistrarWorkflow } from './ssv-registrar';
export { registrarQueueSegmentWorkflow } from './registrar-queue';
export { chainWatcherWorkflow } from './chain-watcher';
export { exitValidatorsWorkflow } from './exit-validators';
export { clusterRunwayWorkflow } from './cluster-runway';
