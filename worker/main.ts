// Worker entry point: `npm run worker` (or started by the local network).
// With keys.saltFromStdin, the mnemonic salt is read from standard input at start and kept in
// memory only. Stops gracefully on SIGINT/SIGTERM: in-flight activities finish, then it exits.
import { SaltHolder } from '../activities/keys/salt';
import { ConfigError, loadWorkerConfig } from './config';
import { buildWorker } from './worker';

async function readSaltFromStdin(): Promise<SaltHolder> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  for (const chunk of chunks) chunk.fill(0);
  if (text === '') throw new ConfigError('keys.saltFromStdin is set but standard input held no salt');
  return new SaltHolder(text);
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const salt = config.keys.saltFromStdin ? await readSaltFromStdin() : undefined;
  const { worker, close } = await buildWorker(config, { salt });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  console.log(`nexus-bot worker "${config.workerName}" polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})${config.chain ? `, chain ${config.chain.chainId}` : ''}${salt ? ', mnemonic path on' : ''}`);
  await worker.run();
  salt?.wipe();
  await close();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `nexus-bot worker: ${err.message}` : err);
  process.exit(1);
});
