// Worker entry point: `npm run worker` (or started by the local network).
// With keys.saltFromStdin, the mnemonic salt is read from standard input at start and kept in
// memory only; without it, a worker with the salt or writer role starts locked and takes the salt
// from `nexus-bot unlock` over its unlock socket (worker/salt-lock.ts, worker/unlock-socket.ts).
// Stops gracefully on SIGINT/SIGTERM: in-flight activities finish, then it exits.
// Logs are one JSON object per line on standard output (observability.logFormat); a configuration
// error, found before the logger exists, is one plain line on standard error.
import { SaltHolder } from '../activities/keys/salt';
import { SigningNetworkMismatchError } from '../activities/chain/signing-network';
import { ConfigError, loadWorkerConfig } from './config';
import { startObservability, type Observability } from './observability';
import { buildWorker } from './worker';

let observability: Observability | undefined;

async function readSaltFromStdin(): Promise<SaltHolder> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  for (const chunk of chunks) chunk.fill(0);
  if (text === '') throw new ConfigError('keys.saltFromStdin is set but standard input held no salt');
  return new SaltHolder(text);
}

// The AWS SDK's notice that its releases after January 2027 need Node 22 (Node 20 here, the SDK
// pinned): silenced with the SDK's own switch unless the operator set it (README, Node version).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const salt = config.keys.saltFromStdin ? await readSaltFromStdin() : undefined;
  observability = await startObservability(config);
  const { logger } = observability;
  const { worker, close, dkg, queues, identity, skipped, saltLock, unlockSocket } = await buildWorker(config, {
    salt,
    observability,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  logger.info('nexus-bot worker polling', {
    workerName: config.workerName,
    identity,
    taskQueue: config.temporal.taskQueue,
    queues: queues.map((q) => `${q.role}:${q.taskQueue}`),
    temporalAddress: config.temporal.address,
    namespace: config.temporal.namespace,
    chainId: config.chain?.chainId,
    mnemonicPath: salt !== undefined,
    ...(saltLock ? { salt: saltLock.state, unlockSocket: unlockSocket?.path } : {}),
    metrics: observability.metricsServer?.url,
    dkg,
  });
  if (skipped) logger.warn(skipped);
  if (dkg.unavailable) logger.warn(`DKG ceremonies disabled on this worker: ${dkg.unavailable}`);
  if (dkg.problem) logger.warn(`DKG ceremonies will fail on this worker: ${dkg.problem}`);
  await worker.run();
  salt?.wipe();
  await close();
  await observability.close();
  logger.info('nexus-bot worker stopped', { workerName: config.workerName });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof SigningNetworkMismatchError)
    console.error(`nexus-bot worker: ${err.message}`);
  else if (observability) observability.logger.error('nexus-bot worker failed', { error: err });
  else console.error(err);
  process.exit(1);
});
