// Temporal for real: the CLI dev server (with the CLIs operators use) and the Java time-skipping
// test server, each running the bot's workflow code on a real worker.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { BOT_SEARCH_ATTRIBUTES, RollupAdminAttribute } from '../../temporal-config/search-attributes';
import { TASK_QUEUE } from '../../temporal-config/names';
import { toolPath } from '../../tools/paths';
import { receivedPingsQuery } from '../../protocol/messages';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { runTool } from '../harness/cli';
import { useService } from '../harness/service';
import { createTestWorker } from '../harness/worker';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { createActivities } from '../../activities';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('Temporal dev server (temporal CLI v1.5.1)', () => {
  const server = useService('temporal dev server', () => startTemporalDevServer());

  async function withWorker<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const nativeConnection = await NativeConnection.connect({ address: server().address });
    const worker = await createTestWorker(nativeConnection, 'dev-server-test');
    const connection = await Connection.connect({ address: server().address });
    try {
      return await worker.runUntil(fn(new Client({ connection })));
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  }

  it('registers the bot search attributes at start', async () => {
    const connection = await Connection.connect({ address: server().address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const key of BOT_SEARCH_ATTRIBUTES)
        assert.ok(customAttributes && key.name in customAttributes, `${key.name} missing`);
    } finally {
      await connection.close();
    }
  });

  it('runs a workflow whose signals arrive from the SDK client, `temporal workflow signal` and `tctl workflow signal`', async () => {
    const result = await withWorker(async (client) => {
      const workflowId = `self-check-${Date.now()}`;
      const handle = await client.workflow.start(selfCheckWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ wait: '1 hour', finishAfterPings: 3 }],
      });
      await handle.signal('ping', { note: 'from-sdk' });
      await runTool(toolPath('temporal'), [
        'workflow',
        'signal',
        '--address',
        server().address,
        '--namespace',
        'default',
        '--workflow-id',
        workflowId,
        '--name',
        'ping',
        '--input',
        '{"note":"from-temporal-cli"}',
      ]);
      // The query from the CLI shows what the workflow has received so far.
      const query = await runTool(toolPath('temporal'), [
        'workflow',
        'query',
        '--address',
        server().address,
        '--namespace',
        'default',
        '--workflow-id',
        workflowId,
        '--name',
        receivedPingsQuery.name,
        '--output',
        'json',
      ]);
      assert.match(query.stdout, /from-temporal-cli/);
      await runTool(toolPath('tctl'), [
        '--address',
        server().address,
        '--namespace',
        'default',
        'workflow',
        'signal',
        '--workflow_id',
        workflowId,
        '--name',
        'ping',
        '--input',
        '{"note":"from-tctl"}',
      ]);
      return handle.result();
    });
    assert.deepEqual(result.pings, ['from-sdk', 'from-temporal-cli', 'from-tctl']);
    assert.equal(result.timerFired, false);
    assert.match(result.worker, /^dev-server-test@/);
  });
});

describe('Temporal time-skipping test server (Java, io.temporal:temporal-test-server)', () => {
  const testEnv = useTimeSkippingEnv();
  const activities = createActivities({ workerName: 'time-skipping-test' });

  it('skips a 30-day timer without waiting for it', async () => {
    const before = await testEnv().currentTimeMs();
    const startedAt = Date.now();
    const result = await withTestWorker(testEnv().address, { taskQueue: TASK_QUEUE, activities }, () =>
      testEnv().client.workflow.execute(selfCheckWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId: `self-check-skip-${Date.now()}`,
        args: [{ wait: '30 days' }],
      }),
    );
    assert.equal(result.timerFired, true);
    assert.ok((await testEnv().currentTimeMs()) - before >= 30 * DAY_MS, 'server time did not advance 30 days');
    assert.ok(Date.now() - startedAt < 10 * 60_000, 'the timer was waited for in real time');
  });

  // Every workflow here runs on a worker: on the Java test server a workflow whose task nobody
  // polls holds time skipping for the whole environment, even after it is terminated.
  it('accepts the bot search attributes (registered through the operator service) and rejects unknown ones', async () => {
    const start = (attribute: typeof RollupAdminAttribute) =>
      testEnv().client.workflow.start(selfCheckWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId: `sa-${attribute.name}-${Date.now()}`,
        args: [{ wait: '1 day' }],
        typedSearchAttributes: [{ key: attribute, value: '0x00000000000000000000000000000000000000aa' }],
      });
    const described = await withTestWorker(testEnv().address, { taskQueue: TASK_QUEUE, activities }, async () => {
      const handle = await start(RollupAdminAttribute);
      await handle.result();
      return handle.describe();
    });
    assert.equal(
      described.typedSearchAttributes.get(RollupAdminAttribute),
      '0x00000000000000000000000000000000000000aa',
    );
    await assert.rejects(start(defineSearchAttributeKey('NotRegisteredAnywhere', SearchAttributeType.KEYWORD)));
  });
});
