// Worker entry point: `npm run worker` (or started by the local network).
// Stops gracefully on SIGINT/SIGTERM: in-flight activities finish, then the process exits.
import { ConfigError, loadWorkerConfig } from './config';
import { buildWorker } from './worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const { worker, connection } = await buildWorker(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  console.log(`nexus-bot worker "${config.workerName}" polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `nexus-bot worker: ${err.message}` : err);
  process.exit(1);
});
