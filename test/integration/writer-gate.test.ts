// The chain-writer Worker gated on the writer lease (worker/writer-gate.ts via worker/role-workers.ts)
// on a real dev server and a real DynamoDB lease (moto): no writer Worker while another process
// holds the lease; one as soon as it is ours; stopped at once when the lease is lost (taken over),
// and a new one once the lease is ours again; the lease released at graceful shutdown.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DynamoWriterLease } from '../../activities/chain/dynamo/lease';
import { ensureWriterTable, leasePk } from '../../activities/chain/dynamo/table';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { RoleWorkers } from '../../worker/role-workers';
import { useService } from '../harness/service';

const TABLE = 'writer-gate';
const STREAM = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

/** Polls `cond` every 50 ms for up to `ms`; fails with `what`. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

describe('integration: the chain-writer Worker polls only while it holds the lease (dev server, moto)', function () {
  this.timeout(90_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const moto = useService('moto', () => startMoto());

  it('waits for the lease, stops at once when it is lost, starts again when it is back, releases it at shutdown', async () => {
    const client = new DynamoDBClient({
      endpoint: moto().endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    await ensureWriterTable(client, TABLE);
    const lease = (holder: string) =>
      new DynamoWriterLease({ client, table: TABLE, stream: STREAM, ttlMs: 1500, pollMs: 100, holder });
    const leaseItem = async () =>
      (
        await client.send(
          new GetItemCommand({ TableName: TABLE, Key: { pk: { S: leasePk(STREAM) } }, ConsistentRead: true }),
        )
      ).Item;
    const ours = lease('ours');
    const theirs = lease('theirs');
    assert.deepEqual(await theirs.tryAcquire(), { epoch: 1 });

    const connection = await NativeConnection.connect({ address: server().address });
    const created: Worker[] = [];
    const lines: string[] = [];
    const log = {
      info: (m: string, f?: Record<string, unknown>) => void lines.push(`${m} ${JSON.stringify(f)}`),
      warn: (m: string, f?: Record<string, unknown>) => void lines.push(`${m} ${JSON.stringify(f)}`),
    };
    const taskQueue = `writer-gate-${Date.now()}`;
    const workers = new RoleWorkers(
      [
        {
          role: 'writer',
          taskQueue,
          create: async () => {
            const worker = await Worker.create({ connection, taskQueue, activities: { ping: async () => 'pong' } });
            created.push(worker);
            return worker;
          },
        },
      ],
      { lease: ours, log },
    );
    const running = workers.run();
    try {
      // Another process holds the lease: no writer Worker.
      await sleep(1500);
      assert.equal(created.length, 0, 'a writer Worker was created while another process held the lease');

      // Theirs released: ours is taken (epoch 2) and the Worker polls.
      await theirs.release();
      await until('a running writer Worker after the lease was freed', () => created[0]?.getState() === 'RUNNING');
      assert.deepEqual(ours.held(), { epoch: 2 });
      assert.ok(
        lines.some((l) => /^chain-writer lease acquired: polling the chain-writer task queue .*"epoch":2/.test(l)),
        lines.join('\n'),
      );

      // Taken over (as by a process that saw ours expire): the Worker stops at its next renewal.
      await client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: leasePk(STREAM) } },
          UpdateExpression: 'SET holder = :h, epoch = epoch + :one, expiresAt = :exp',
          ExpressionAttributeValues: {
            ':h': { S: 'thief' },
            ':one': { N: '1' },
            ':exp': { N: String(Date.now() + 60_000) },
          },
        }),
      );
      await until(
        'the writer Worker stopped after the lease was lost',
        () => ['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED'].includes(created[0].getState()),
        3_000,
      );
      assert.ok(
        lines.some((l) =>
          /^chain-writer lease lost: stopping the chain-writer worker .*"epoch":2.*no longer the lease's/.test(l),
        ),
        lines.join('\n'),
      );
      await sleep(1000);
      assert.equal(created.length, 1, "a writer Worker was started while the lease was someone else's");

      // The thief's lease ends: ours again (epoch 4), a new Worker polls.
      await client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: leasePk(STREAM) } },
          UpdateExpression: 'SET expiresAt = :zero',
          ExpressionAttributeValues: { ':zero': { N: '0' } },
        }),
      );
      await until(
        'a second running writer Worker once the lease was ours again',
        () => created[1]?.getState() === 'RUNNING',
      );
      assert.deepEqual(ours.held(), { epoch: 4 });

      // Graceful shutdown: the Worker stops and the lease is released (no holder, the epoch stays).
      workers.shutdown();
      await running;
      const item = await leaseItem();
      assert.equal(item?.holder, undefined, 'the lease was not released at shutdown');
      assert.equal(item?.epoch?.N, '4');
      assert.ok(
        lines.some((l) => /^chain-writer lease released .*"epoch":4/.test(l)),
        lines.join('\n'),
      );
    } finally {
      workers.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      client.destroy();
    }
  });

  it('a shutdown while waiting for the lease ends the wait: no Worker, nothing released', async () => {
    const client = new DynamoDBClient({
      endpoint: moto().endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    await ensureWriterTable(client, `${TABLE}-wait`);
    const theirs = new DynamoWriterLease({
      client,
      table: `${TABLE}-wait`,
      stream: STREAM,
      ttlMs: 60_000,
      holder: 'theirs',
    });
    await theirs.tryAcquire();
    const ours = new DynamoWriterLease({
      client,
      table: `${TABLE}-wait`,
      stream: STREAM,
      ttlMs: 60_000,
      pollMs: 100,
      holder: 'ours',
    });
    let creates = 0;
    const workers = new RoleWorkers(
      [
        {
          role: 'writer',
          taskQueue: 'never',
          create: async () => {
            creates++;
            throw new Error('must not be created');
          },
        },
      ],
      { lease: ours, log: { info: () => undefined, warn: () => undefined } },
    );
    const running = workers.run();
    await sleep(500);
    workers.shutdown();
    await running;
    assert.equal(creates, 0);
    assert.equal(theirs.held()?.epoch, 1);
    await theirs.release();
    client.destroy();
  });
});
