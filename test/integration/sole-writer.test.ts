// The file journal's check for a second chain writer (worker/sole-writer-check.ts), on a real dev
// server with real pollers in other processes: a writer does not poll the chain-writer queue while
// another process does, says so in an ERROR that names the other and the way out, and starts once
// the other is gone; a poller of another host counts for LIVE_POLLER_MS after its last poll, one of
// this host whose process has exited does not.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startService, type ServiceProcess } from '../../localnet/services/process';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { roleTaskQueue } from '../../temporal-config/task-queues';
import { parseWorkerConfig } from '../../worker/config';
import { LIVE_POLLER_MS, otherWriterPollers } from '../../worker/sole-writer-check';
import { buildWorker } from '../../worker/worker';
import { useService } from '../harness/service';
import { workflowBundle } from '../harness/workflow-bundle';

describe('the chain writer on the file journal: no start while another process polls its queue (dev server)', function () {
  this.timeout(180_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  let connection: Connection;
  before(async () => {
    connection = await Connection.connect({ address: server().address });
  });
  after(async () => {
    await connection?.close();
  });

  const activityPollers = async (taskQueue: string) => {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    return (pollers ?? []).map((p) => p.identity ?? '');
  };
  /** A process polling `taskQueue` as `identity`, ready once the server lists it. */
  const startPoller = (taskQueue: string, identity: string): Promise<ServiceProcess> =>
    startService({
      name: `poller ${identity}`,
      command: process.execPath,
      args: [
        '--require',
        'tsx/cjs',
        join(__dirname, '..', 'harness', 'writer-queue-poller.ts'),
        server().address,
        taskQueue,
        identity,
      ],
      ready: async () =>
        (await activityPollers(taskQueue)).some((id) =>
          identity === 'self' ? id.startsWith(`poller@${hostname()}:`) : id === identity,
        ),
      readyTimeoutMs: 60_000,
    });

  it("another host's poller counts while recent, also after it stopped; this host's counts until its process is gone", async () => {
    const taskQueue = `sole-writer-pollers-${Date.now()}`;
    const elsewhere = await startPoller(taskQueue, 'writer@another-host:4242');
    const local = await startPoller(taskQueue, 'self');
    try {
      const seen = await otherWriterPollers(connection, 'default', taskQueue, 'me@here:1');
      assert.deepEqual(
        seen.map((p) => p.identity).sort(),
        ['poller@' + hostname() + ':' + local.pid, 'writer@another-host:4242'].sort(),
      );
      assert.ok(
        seen.every((p) => p.lastSeenMs < LIVE_POLLER_MS),
        JSON.stringify(seen),
      );
      // Its own identity is never another writer.
      assert.deepEqual(
        (await otherWriterPollers(connection, 'default', taskQueue, 'writer@another-host:4242')).map((p) => p.identity),
        [`poller@${hostname()}:${local.pid}`],
      );

      await elsewhere.stop();
      process.kill(local.pid, 'SIGKILL');
      await local.exited;
      // The server still lists both; the other host's may still be running for all we know.
      assert.equal((await activityPollers(taskQueue)).length, 2);
      assert.deepEqual(
        (await otherWriterPollers(connection, 'default', taskQueue, 'me@here:1')).map((p) => p.identity),
        ['writer@another-host:4242'],
      );
      // Long after its last poll it is gone (the clock moved on by the liveness window).
      assert.deepEqual(
        await otherWriterPollers(connection, 'default', taskQueue, 'me@here:1', Date.now() + LIVE_POLLER_MS + 1_000),
        [],
      );
    } finally {
      await elsewhere.stop();
      await local.stop();
    }
  });

  it('a writer waits with an ERROR while another process polls the chain-writer queue, and starts once it is gone', async () => {
    const taskQueue = `sole-writer-${Date.now()}`;
    const writerQueue = roleTaskQueue(taskQueue, 'writer');
    const other = await startPoller(writerQueue, 'self');
    const errors: string[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    };
    const workerName = `${taskQueue}-worker`;
    const config = parseWorkerConfig({
      workerName,
      roles: ['general', 'writer'],
      temporal: { address: server().address, taskQueue },
      shutdownGraceSeconds: 1,
    });
    const built = await buildWorker(config, { workflowBundle: await workflowBundle() });
    try {
      await built.worker.runUntil(async () => {
        await sleep(3_000);
        assert.ok(
          !(await activityPollers(writerQueue)).some((id) => id.startsWith(`${workerName}@`)),
          'the writer polled beside another one',
        );
        const line = errors.find((e) => e.includes('another process polls the chain-writer task queue'));
        assert.ok(line, `no ERROR about the other writer: ${JSON.stringify(errors)}`);
        assert.match(line, new RegExp(`poller@${hostname()}:${other.pid}`));
        assert.match(line, /transactions\.journalFile.*transactions\.dynamodb/);

        process.kill(other.pid, 'SIGKILL');
        await other.exited;
        const killedAt = Date.now();
        for (let i = 0; !(await activityPollers(writerQueue)).some((id) => id.startsWith(`${workerName}@`)); i++) {
          assert.ok(i < 120, "the writer did not start within 30 s of the other writer's end");
          await sleep(250);
        }
        console.log(
          `      the writer started ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the other writer's process ended`,
        );
      });
    } finally {
      console.error = originalError;
      await other.stop();
      await built.close();
    }
  });
});
