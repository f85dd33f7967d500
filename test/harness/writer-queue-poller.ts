// Another chain writer, as the sole-writer check sees one: a process that polls a task queue for
// activity tasks under a given identity (`self`: `poller@<this host>:<its pid>`, as a worker of
// this host names itself). Stops on SIGTERM. Run: node --require tsx/cjs <this file> <address> <taskQueue> <identity>
import { hostname } from 'node:os';
import { NativeConnection, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const [address, taskQueue, identityArg] = process.argv.slice(2);
  if (!address || !taskQueue || !identityArg)
    throw new Error('usage: writer-queue-poller <address> <taskQueue> <identity|self>');
  const identity = identityArg === 'self' ? `poller@${hostname()}:${process.pid}` : identityArg;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, identity, activities: { noop: async () => undefined } });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
