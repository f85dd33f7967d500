// Builds the Temporal worker from a validated configuration.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { checkBinaryVersion } from '../activities/dkg/binary';
import { SaltSlot, type SaltHolder } from '../activities/keys/salt';
import { CodecKeyFileError } from '../temporal-config/codec-keys';
import { codecDataConverter } from '../temporal-config/data-converter';
import { ConfigError, type WorkerConfig } from './config';
import { buildActivityDependencies } from './dependencies';
import { temporalConnectionOptions } from '../temporal-config/connection';
import { activitiesFor, rolePlan, roleQueues, RoleWorkers, type RoleWorkerEntry } from './role-workers';
import { otherWriterPollers } from './sole-writer-check';
import { roleTaskQueue, type WorkerRole } from '../temporal-config/task-queues';
import type { Observability } from './observability';
import { SaltLock } from './salt-lock';
import { mnemonicRollupsOf, secretsManagerSaltCheck } from './salt-check';
import { startUnlockSocket, unlockSocketPath, type UnlockSocket } from './unlock-socket';

export interface BuiltWorker {
  /** One Temporal Worker per role polled (worker/role-workers.ts), run and stopped together. */
  worker: RoleWorkers;
  /** The task queues this process polls, and its Temporal worker identity. */
  queues: { role: WorkerRole; taskQueue: string }[];
  identity: string;
  /** Why a configured role is not polled (the salt role without a salt, and nothing to unlock it): logged at start. */
  skipped?: string;
  /**
   * The salt as operators give and take it while the worker runs (worker/salt-lock.ts), and the
   * socket they do it on: present when the worker started without the salt (locked) with the
   * salt or writer role, a chain and aws, or whenever unlock.socketPath is set.
   */
  saltLock?: SaltLock;
  unlockSocket?: UnlockSocket;
  /**
   * The ssv-dkg binary DKG ceremonies run with (where it came from, its version), or why there is
   * none; `problem`: a binary that is there but will fail every ceremony (e.g. another version).
   */
  dkg: { binary?: string; source?: string; version?: string; unavailable?: string; problem?: string };
  close(): Promise<void>;
}

export async function buildWorker(
  config: WorkerConfig,
  opts: { workflowBundle?: WorkflowBundleOption; salt?: SaltHolder; observability?: Observability } = {},
): Promise<BuiltWorker> {
  const obs = opts.observability;
  const dataConverter = loadDataConverter(config);
  const connectionOptions = temporalConnectionOptions(config.temporal);
  let nativeConnection: NativeConnection;
  let connection: Connection;
  try {
    nativeConnection = await NativeConnection.connect(connectionOptions);
    connection = await Connection.connect(connectionOptions);
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${config.temporal.address} (temporal.address): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  obs?.attachClient(client);
  const log = obs?.logger ?? consoleLog;
  // The salt slot: the salt read at start, or an empty one that `nexus-bot unlock` fills when this
  // worker may need the salt (salt queue, or the writer's mnemonic keyshares) and can reach the vault.
  const mayHoldSalt =
    (config.roles.includes('salt') || config.roles.includes('writer')) &&
    config.aws !== undefined &&
    config.chain !== undefined;
  const slot = opts.salt ? new SaltSlot(opts.salt) : mayHoldSalt ? new SaltSlot() : undefined;
  const socketPath =
    slot && (slot.locked || config.unlock.socketPath !== undefined) ? unlockSocketPath(config) : undefined;
  const deps = await buildActivityDependencies(config, {
    client,
    salt: slot,
    log: obs?.txEvent,
    metrics: obs?.metrics,
    logger: obs?.logger ?? consoleLog,
  });
  // After every check that can refuse the start: a locked worker says so from here on.
  let secrets: SecretsManagerClient | undefined;
  let saltLock: SaltLock | undefined;
  if (slot && socketPath && config.aws) {
    secrets = new SecretsManagerClient({ region: config.aws.region, endpoint: config.aws.endpoint });
    saltLock = new SaltLock(
      slot,
      secretsManagerSaltCheck(secrets, mnemonicRollupsOf(client)),
      log,
      roleTaskQueue(config.temporal.taskQueue, 'salt'),
      { socketPath },
    );
  }
  // Shown in the Web UI's pollers list and in every ActivityTaskStarted event: which worker, on which host, which process.
  const identity = `${config.workerName}@${hostname()}:${process.pid}`;
  const common: Omit<WorkerOptions, 'taskQueue'> = {
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    identity,
    // Running activities get this long to finish on shutdown (SIGTERM/SIGINT), then are cancelled.
    shutdownGraceTime: `${config.shutdownGraceSeconds} seconds`,
    dataConverter,
    // Metrics and logs (worker/observability): errors by type, stuck steps, `rollup` in log lines.
    ...(obs ? { interceptors: { activity: obs.activityInterceptors } } : {}),
  };
  const activities = createActivities(deps);
  const plan = rolePlan(config.roles, opts.salt !== undefined);
  const queues = roleQueues(config.temporal.taskQueue, plan.polled);
  const entries: RoleWorkerEntry[] = [];
  for (const { role, taskQueue } of queues) {
    if (role === 'general') {
      entries.push({
        role,
        taskQueue,
        worker: await Worker.create({
          ...common,
          taskQueue,
          ...workflowSource(config, opts.workflowBundle),
          // Legacy tasks (scheduled on this queue before the split) of the roles this process has.
          activities: activitiesFor(activities, plan.polled),
          // Workflow interceptor modules only apply when the workflows are bundled here.
          // A pre-built bundle carries its interceptor modules (worker/bundle.ts).
          ...(obs
            ? {
                interceptors: {
                  activity: obs.activityInterceptors,
                  workflowModules:
                    opts.workflowBundle || config.workflowBundleFile ? [] : obs.workflowInterceptorModules,
                },
              }
            : {}),
        }),
      });
    } else if (role === 'salt' && !saltLock) {
      entries.push({
        role,
        taskQueue,
        worker: await Worker.create({ ...common, taskQueue, activities: activitiesFor(activities, ['salt']) }),
      });
    } else if (role === 'writer') {
      // Created by its runner (runChainWriter), where the chain-writer lease will gate it.
      entries.push({
        role,
        taskQueue,
        create: () => Worker.create({ ...common, taskQueue, activities: activitiesFor(activities, ['writer']) }),
      });
    }
  }
  // The salt queue's Worker behind the lock: created at each unlock, stopped at each lock.
  if (saltLock && config.roles.includes('salt')) {
    const taskQueue = roleTaskQueue(config.temporal.taskQueue, 'salt');
    entries.push({
      role: 'salt',
      taskQueue,
      create: () => Worker.create({ ...common, taskQueue, activities: activitiesFor(activities, ['salt']) }),
    });
  }
  let unlockSocket: UnlockSocket | undefined;
  if (saltLock && socketPath)
    unlockSocket = await startUnlockSocket(socketPath, saltLock, { onError: (message) => log.warn(message) });
  const writerQueue = roleTaskQueue(config.temporal.taskQueue, 'writer');
  return {
    // Shared transaction store: the chain-writer Worker polls only while this process holds the
    // lease. File journal: it polls once no other process does (sole-writer-check.ts).
    worker: new RoleWorkers(
      entries,
      deps.writerLease && { lease: deps.writerLease, log },
      deps.writerLease
        ? undefined
        : { find: () => otherWriterPollers(connection, config.temporal.namespace, writerQueue, identity), log },
      saltLock,
    ),
    queues,
    identity,
    ...(saltLock ? { saltLock } : {}),
    ...(unlockSocket ? { unlockSocket } : {}),
    ...(plan.skipped && !saltLock
      ? {
          skipped: `no salt was given: this worker does not poll the salt task queue ${roleTaskQueue(config.temporal.taskQueue, 'salt')} (mnemonic key material runs on the workers that hold the salt)`,
        }
      : {}),
    // Which ssv-dkg this worker runs ceremonies with, or why it runs none (logged at start).
    dkg: deps.dkg
      ? { binary: deps.dkg.binary.path, source: deps.dkg.binary.source, ...(await versionCheck(deps.dkg.binary.path)) }
      : { unavailable: deps.dkgUnavailable },
    close: async () => {
      await unlockSocket?.close();
      saltLock?.close();
      secrets?.destroy();
      // The newHeads websocket would keep the process alive.
      await deps.heads?.close();
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Lease transitions when no logger was given (tests build workers without observability). */
const consoleLog = {
  info: (message: string, fields?: Record<string, unknown>) => console.log(message, JSON.stringify(fields ?? {})),
  warn: (message: string, fields?: Record<string, unknown>) => console.warn(message, JSON.stringify(fields ?? {})),
  error: (message: string, fields?: Record<string, unknown>) => console.error(message, JSON.stringify(fields ?? {})),
};

/**
 * The binary's version, checked at start so that the start line says at once what every DKG batch
 * would otherwise find at its first check. Not fatal: mnemonic rollups and exits need no ssv-dkg.
 */
async function versionCheck(binary: string): Promise<{ version?: string; problem?: string }> {
  try {
    return { version: await checkBinaryVersion(binary) };
  } catch (err) {
    return {
      problem: `${err instanceof Error ? err.message : String(err)}: every DKG batch will fail its operator check until the binary is replaced`,
    };
  }
}

/** The workflow code: a bundle given by the caller, the pre-built file of the configuration, or the sources (bundled now). */
function workflowSource(
  config: WorkerConfig,
  bundle: WorkflowBundleOption | undefined,
): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (bundle) return { workflowBundle: bundle };
  if (config.workflowBundleFile) {
    if (!existsSync(config.workflowBundleFile)) {
      throw new ConfigError(
        `invalid config:\n  workflowBundleFile: ${config.workflowBundleFile} does not exist (build it with npm run bundle)`,
      );
    }
    return { workflowBundle: { codePath: config.workflowBundleFile } };
  }
  return { workflowsPath: require.resolve('../workflows') };
}

/** The payload codec, loaded before anything connects: a bad key file stops the start, naming the field. */
function loadDataConverter(config: WorkerConfig) {
  try {
    return codecDataConverter(config.codec?.keysFile);
  } catch (err) {
    if (err instanceof CodecKeyFileError) throw new ConfigError(`invalid config:\n  codec.keysFile: ${err.message}`);
    throw err;
  }
}
