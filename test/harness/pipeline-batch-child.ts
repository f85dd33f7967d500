// A worker process that runs one mnemonic batch registration (registration-pipeline.test.ts
// SIGKILLs it with registrations in flight). Config in PIPELINE_BATCH_CONFIG, the batch input in
// PIPELINE_BATCH_INPUT (JSON); it prints nothing but a failure.
import { MockActivityEnvironment } from '@temporalio/testing';
import { pipelineBatchWorker, type PipelineBatchConfig } from './pipeline-batch';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.PIPELINE_BATCH_CONFIG ?? '') as PipelineBatchConfig;
  const input = JSON.parse(process.env.PIPELINE_BATCH_INPUT ?? '') as Parameters<
    ReturnType<typeof pipelineBatchWorker>['activities']['registerMnemonicKeysharesBatch']
  >[0];
  const { activities, destroy } = pipelineBatchWorker(cfg);
  try {
    await new MockActivityEnvironment().run(activities.registerMnemonicKeysharesBatch, input);
  } finally {
    await destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`pipeline batch child failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
