// Workflow interceptors (bundled into the workflow sandbox with the workflow code): every log line
// of a workflow whose input names a rollup (`rollupAdmin`, a public address) carries `rollup`,
// beside the SDK's workflowId, runId and workflowType. Logging only: no effect on determinism.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let rollup: string | undefined;
  return {
    inbound: [
      {
        async execute(input, next) {
          const first = input.args[0];
          const admin =
            typeof first === 'object' && first !== null ? (first as { rollupAdmin?: unknown }).rollupAdmin : undefined;
          if (typeof admin === 'string') rollup = admin.toLowerCase();
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes(attrs, next) {
          return next(rollup ? { ...attrs, rollup } : attrs);
        },
      },
    ],
  };
};
