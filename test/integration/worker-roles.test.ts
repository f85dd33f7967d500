// Worker roles on a real dev server (worker/worker.ts, worker/role-workers.ts): a process polls
// exactly the task queues of its roles; with the salt role but no salt it says so and leaves the
// salt queue alone; the general queue still runs the workflows.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { SaltHolder } from '../../activities/keys/salt';
import { roleTaskQueue, type WorkerRole } from '../../temporal-config/task-queues';
import { parseWorkerConfig } from '../../worker/config';
import { buildWorker } from '../../worker/worker';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { useService } from '../harness/service';
import { workflowBundle } from '../harness/workflow-bundle';

const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;

describe('worker roles: the task queues a worker polls (dev server)', function () {
  this.timeout(120_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());

  /** The identities polling a queue for activity tasks (the server lists a poller for a while after it stopped). */
  async function activityPollers(connection: Connection, taskQueue: string): Promise<string[]> {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: ACTIVITY,
    });
    return (pollers ?? []).map((p) => p.identity ?? '');
  }

  /** Runs a worker with these roles on its own queue until a self-check completed; returns who polled which role queue. */
  async function pollsOf(roles: WorkerRole[], salt?: SaltHolder) {
    const taskQueue = `roles-${roles.join('-')}-${salt ? 'salt' : 'nosalt'}-${Date.now()}`;
    const workerName = `${taskQueue}-worker`;
    const config = parseWorkerConfig({
      workerName,
      roles,
      temporal: { address: server().address, taskQueue },
      shutdownGraceSeconds: 1,
    });
    const built = await buildWorker(config, { workflowBundle: await workflowBundle(), salt });
    const connection = await Connection.connect({ address: server().address });
    try {
      const polled = await built.worker.runUntil(async () => {
        const result = await new Client({ connection }).workflow.execute(selfCheckWorkflow, {
          taskQueue,
          workflowId: `${taskQueue}-check`,
          args: [{ wait: '10 milliseconds' }],
        });
        assert.match(JSON.stringify(result), new RegExp(workerName));
        // Each Worker polls as soon as it runs; give the server a moment to list them all.
        const byRole: Record<string, boolean> = {};
        for (let i = 0; i < 40; i++) {
          for (const role of ['writer', 'salt'] as const) {
            byRole[role] = (await activityPollers(connection, roleTaskQueue(taskQueue, role))).some((id) =>
              id.startsWith(`${workerName}@`),
            );
          }
          if (roles.filter((r) => r !== 'general' && (r !== 'salt' || salt)).every((r) => byRole[r])) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        return byRole;
      });
      return { polled, built };
    } finally {
      await connection.close();
      await built.close();
    }
  }

  it('every role with the salt: polls the general, chain-writer and salt queues', async () => {
    const { polled, built } = await pollsOf(['general', 'writer', 'salt'], new SaltHolder('a salt for the roles test'));
    assert.deepEqual(polled, { writer: true, salt: true });
    assert.deepEqual(
      built.queues.map((q) => q.role),
      ['general', 'writer', 'salt'],
    );
    assert.equal(built.skipped, undefined);
  });

  it('the salt role without a salt: does not poll the salt queue, and says so in one line', async () => {
    const { polled, built } = await pollsOf(['general', 'writer', 'salt']);
    assert.deepEqual(polled, { writer: true, salt: false });
    assert.match(
      built.skipped ?? '',
      /^no salt was given: this worker does not poll the salt task queue roles-.*-salt \(mnemonic key material runs on the workers that hold the salt\)$/,
    );
  });

  it('a general-only worker polls neither the chain-writer nor the salt queue', async () => {
    const { polled } = await pollsOf(['general'], new SaltHolder('a salt for the roles test'));
    assert.deepEqual(polled, { writer: false, salt: false });
  });
});
