// The pre-built workflow bundle (`npm run bundle`, worker/bundle.ts) on a real dev server: a worker
// configured with workflowBundleFile runs the workflows from the file; a missing file is a
// configuration error naming the field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { buildWorkflowBundle } from '../../worker/bundle';
import { parseWorkerConfig } from '../../worker/config';
import { buildWorker } from '../../worker/worker';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { useService } from '../harness/service';

describe('pre-built workflow bundle (workflowBundleFile)', function () {
  this.timeout(120_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bundle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a worker loads the bundle file and runs the workflows from it', async () => {
    const { file, bytes } = await buildWorkflowBundle(join(dir, 'workflow-bundle.js'));
    assert.ok(bytes > 10_000, `bundle of ${bytes} bytes`);
    const taskQueue = 'bundle-file';
    const config = parseWorkerConfig({
      workerName: 'bundle-worker',
      temporal: { address: server().address, taskQueue },
      workflowBundleFile: file,
      shutdownGraceSeconds: 5,
    });
    const { worker, close } = await buildWorker(config);
    const connection = await Connection.connect({ address: server().address });
    try {
      const result = await worker.runUntil(
        new Client({ connection }).workflow.execute(selfCheckWorkflow, {
          taskQueue,
          workflowId: `bundle-file-${Date.now()}`,
          args: [{ wait: '10 milliseconds' }],
        }),
      );
      assert.match(JSON.stringify(result), /bundle-worker/);
    } finally {
      await connection.close();
      await close();
    }
  });

  it('a missing bundle file is a configuration error naming workflowBundleFile', async () => {
    const config = parseWorkerConfig({
      temporal: { address: server().address },
      workflowBundleFile: join(dir, 'missing.js'),
    });
    await assert.rejects(
      buildWorker(config),
      /workflowBundleFile: .*missing\.js does not exist \(build it with npm run bundle\)/,
    );
  });
});
