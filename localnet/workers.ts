// The local network's worker processes (NEXUS_LOCALNET_WORKERS, default 2) on its one Temporal
// server. Worker 1 has every role: it alone holds the chain writer's queue until the lease of
// issue 14 gates that role. The others are general and salt workers: on one machine they share the
// salt (piped on standard input, kept in memory) and the key-index folder, whose lock file works
// between processes of one host. Each has its own name (its Temporal identity is
// `<name>@<host>:<pid>`), log, transaction journal (never written: no writer role), deposit-guard
// index and DKG work folder; the DKG archive is shared, so that a ceremony retried on another
// worker finds it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerRole } from '../temporal-config/task-queues';
import type { ServiceProcess } from './services/process';
import { startWorkerProcess } from './services/worker';

export interface LocalWorker {
  index: number;
  name: string;
  roles: WorkerRole[];
  configFile: string;
  logFile: string;
  metricsUrl: string;
}

/** Worker 1's roles, and the others'. */
export const FIRST_WORKER_ROLES: WorkerRole[] = ['general', 'writer', 'salt'];
export const OTHER_WORKER_ROLES: WorkerRole[] = ['general', 'salt'];

type BaseConfig = Record<string, unknown> & {
  transactions: Record<string, unknown>;
  depositGuard: Record<string, unknown>;
  dkg: Record<string, unknown>;
};

/**
 * Writes one configuration per worker: worker 1's is `base` itself at `worker-config.json` (what
 * the CLI reads to reach the network); the others' differ where two processes must not share a file.
 */
export function writeWorkerConfigs(
  base: BaseConfig,
  metricsPorts: number[],
  stateDir: string,
  logDir: string,
  runTag: string,
): LocalWorker[] {
  const workers: LocalWorker[] = [];
  for (let index = 1; index <= metricsPorts.length; index++) {
    const first = index === 1;
    // Unique per start: readiness waits for a poller of exactly this name.
    const name = `localnet-worker-${index}-${runTag}`;
    const roles = first ? FIRST_WORKER_ROLES : OTHER_WORKER_ROLES;
    const configFile = join(stateDir, first ? 'worker-config.json' : `worker-config-${index}.json`);
    // Each its own Prometheus endpoint: a rollup's metrics are where its activities ran.
    const observability = { metrics: { listen: `127.0.0.1:${metricsPorts[index - 1]}` } };
    const config = first
      ? { ...base, workerName: name, roles, observability }
      : {
          ...base,
          observability,
          workerName: name,
          roles,
          transactions: { ...base.transactions, journalFile: join(stateDir, `tx-journal-worker-${index}.json`) },
          depositGuard: { ...base.depositGuard, indexDir: join(stateDir, `deposit-guard-worker-${index}`) },
          dkg: { ...base.dkg, workDir: join(stateDir, 'dkg', `work-worker-${index}`) },
        };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    workers.push({
      index,
      name,
      roles,
      configFile,
      logFile: join(logDir, first ? 'worker.log' : `worker-${index}.log`),
      metricsUrl: `http://127.0.0.1:${metricsPorts[index - 1]}/metrics`,
    });
  }
  return workers;
}

/**
 * Starts the workers one after the other, each ready once it polls the general queue; `onStarted`
 * hears of each at once, so that a later one failing still stops the earlier ones.
 */
export async function startWorkers(
  workers: LocalWorker[],
  opts: { temporalAddress: string; namespace: string; taskQueue: string; salt: string; env: NodeJS.ProcessEnv },
  log: (line: string) => void,
  onStarted: (service: ServiceProcess) => void,
): Promise<(ServiceProcess & { worker: LocalWorker })[]> {
  const started: (ServiceProcess & { worker: LocalWorker })[] = [];
  for (const worker of workers) {
    log(`nexus-bot worker ${worker.index} (${worker.roles.join(', ')})`);
    const service = await startWorkerProcess({
      configFile: worker.configFile,
      workerName: worker.name,
      temporalAddress: opts.temporalAddress,
      namespace: opts.namespace,
      taskQueue: opts.taskQueue,
      logFile: worker.logFile,
      salt: opts.salt,
      env: opts.env,
      serviceName: `nexus-bot worker ${worker.index}`,
    });
    onStarted(service);
    started.push(Object.assign(service, { worker }));
  }
  return started;
}
