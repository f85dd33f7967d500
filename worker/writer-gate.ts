// The chain-writer Worker gated on the writer lease (issue 14): with a shared transaction store a
// writer-role process polls the chain-writer task queue only while it holds the lease. It waits for
// the lease, starts the Worker, shuts it down the moment the lease is lost and waits for the lease
// again; at graceful shutdown it releases the lease so that the next holder need not wait for the
// expiry. The lease is not what keeps a stale holder off the chain (the fenced store refuses its
// writes, activities/chain/writer-lease.ts): the gate keeps the writer's tasks on the one worker
// whose sends can succeed, instead of letting them fail over and over on the others.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from '@temporalio/worker';
import type { WriterLease } from '../activities/chain/writer-lease';

export interface WriterGateLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WriterGate {
  lease: WriterLease;
  /** Aborted when the process shuts down: stop waiting for the lease. */
  signal: AbortSignal;
  log: WriterGateLog;
  /** Wait after the store failed to answer acquire(); default 5 s. */
  retryMs?: number;
}

/**
 * Runs the writer Worker once per lease held, until `signal` is aborted. `create` makes a Worker;
 * `mayRun` says whether it may start (not once the process is shutting down) and registers it for
 * shutdown.
 */
export async function runGatedWriter(
  taskQueue: string,
  create: () => Promise<Worker>,
  mayRun: (worker: Worker) => boolean,
  gate: WriterGate,
): Promise<void> {
  const { lease, log } = gate;
  try {
    await holdAndRun(taskQueue, create, mayRun, gate);
  } finally {
    // Also when the Worker failed: the next holder need not wait for the expiry.
    const held = lease.held();
    if (held) {
      // A store that does not answer must not turn a graceful stop into a failure: the lease then
      // simply expires after leaseTtlSeconds.
      await lease.release().then(
        () => log.info('chain-writer lease released', { taskQueue, epoch: held.epoch }),
        (err: unknown) =>
          log.warn('chain-writer lease not released (it expires after leaseTtlSeconds)', {
            taskQueue,
            epoch: held.epoch,
            error: (err as Error).message,
          }),
      );
    }
  }
}

async function holdAndRun(
  taskQueue: string,
  create: () => Promise<Worker>,
  mayRun: (worker: Worker) => boolean,
  gate: WriterGate,
): Promise<void> {
  const { lease, signal, log } = gate;
  while (!signal.aborted) {
    let epoch: number;
    try {
      ({ epoch } = await lease.acquire({ signal }));
    } catch (err) {
      if (signal.aborted) break;
      log.warn('chain-writer lease: the store did not answer; trying again', {
        taskQueue,
        error: (err as Error).message,
      });
      await sleep(gate.retryMs ?? 5000, undefined, { signal }).catch(() => undefined);
      continue;
    }
    let lost: string | undefined;
    let worker: Worker | undefined;
    // Subscribed before the Worker exists: a loss while it is created must still stop it.
    const unsubscribe = lease.onLost((reason) => {
      lost = reason;
      log.warn('chain-writer lease lost: stopping the chain-writer worker', { taskQueue, epoch, reason });
      if (worker?.getState() === 'RUNNING') worker.shutdown();
    });
    try {
      if (!lease.held()) lost ??= 'lost before the worker started';
      log.info('chain-writer lease acquired: polling the chain-writer task queue', { taskQueue, epoch });
      if (lost === undefined) {
        worker = await create();
        // Checked again after the (slow) create: a loss meanwhile found no Worker to stop.
        if (lost === undefined && lease.held()?.epoch === epoch && mayRun(worker)) await worker.run();
      }
    } finally {
      unsubscribe();
    }
    if (lost === undefined && lease.held()?.epoch !== epoch) lost = 'no longer held when the worker stopped';
    if (lost === undefined) return; // the Worker stopped for the process's shutdown (or never started for it)
  }
}
