// Builds the pre-built workflow bundle for production workers: `npm run bundle -- [--out FILE]`.
// A worker started with `workflowBundleFile` loads it instead of bundling the workflow code at each
// start (seconds of CPU, and webpack in the runtime image); every worker of a deployment then runs
// byte-identical workflow code. The log-attributes interceptor is bundled in, as a worker that
// bundles for itself would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/log-attributes')];

export async function buildWorkflowBundle(outFile: string): Promise<{ file: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  });
  const file = resolve(outFile);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
  return { file, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'dist/workflow-bundle.js' } },
    strict: true,
  });
  buildWorkflowBundle(values.out as string).then(
    ({ file, bytes }) => {
      console.log(`workflow bundle written: ${file} (${(bytes / 1024).toFixed(0)} KiB); set workflowBundleFile to it`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
