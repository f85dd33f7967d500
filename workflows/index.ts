// Every workflow the worker registers (this file is the bundle's entry point).
export { selfCheckWorkflow } from './self-check';
