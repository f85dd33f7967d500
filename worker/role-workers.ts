// One Temporal Worker per role this process has (temporal-config/task-queues.ts), run and stopped
// together: the general queue (workflows and the activities any worker may run), the chain
// writer's queue (transactions from the bot key) and the salt holders' queue (mnemonic key material).
import type { Worker } from '@temporalio/worker';
import { activityRole, roleTaskQueue, type WorkerRole } from '../temporal-config/task-queues';
import { runGatedWriter, type WriterGate } from './writer-gate';
import { waitUntilSoleWriter, watchForSecondWriter, type SoleWriterCheck } from './sole-writer-check';
import { runGatedSalt, type SaltLock } from './salt-lock';

/** The activities of `all` whose queue is one of `roles`. */
export function activitiesFor<A extends object>(all: A, roles: readonly WorkerRole[]): Partial<A> {
  return Object.fromEntries(Object.entries(all).filter(([name]) => roles.includes(activityRole(name)))) as Partial<A>;
}

/**
 * Which queues a process polls, and which activities each Worker registers. The general Worker
 * also registers this process's writer and salt activities: an activity scheduled before the
 * queues were split sits on the general queue, and must still find a worker that may run it
 * (only a writer-role process runs a legacy transaction, only a salt holder a legacy derivation).
 */
export function rolePlan(roles: readonly WorkerRole[], hasSalt: boolean): { polled: WorkerRole[]; skipped?: string } {
  const polled = roles.filter((role) => role !== 'salt' || hasSalt);
  const skipped = roles.includes('salt') && !hasSalt ? 'salt' : undefined;
  return { polled, ...(skipped ? { skipped } : {}) };
}

/** Queue of each polled role, named after the general queue. */
export function roleQueues(
  generalQueue: string,
  polled: readonly WorkerRole[],
): { role: WorkerRole; taskQueue: string }[] {
  return polled.map((role) => ({ role, taskQueue: roleTaskQueue(generalQueue, role) }));
}

export interface RoleWorkerSpec {
  role: WorkerRole;
  taskQueue: string;
  create(): Promise<Worker>;
}

/**
 * A role's Worker: created at build (general; salt when no SaltLock gates it), or by its runner
 * when it may start (writer; salt while unlocked).
 */
export type RoleWorkerEntry =
  { role: WorkerRole; taskQueue: string; worker: Worker } | (RoleWorkerSpec & { worker?: undefined });

/**
 * Runs the chain writer's Worker. This is the one place the writer starts: with a shared
 * transaction store (`gate`), only while this process holds the writer lease (writer-gate.ts);
 * with the file journal of one worker, once no other process polls the writer queue
 * (sole-writer-check.ts), watching for one while it runs.
 */
export async function runChainWriter(
  spec: RoleWorkerSpec,
  mayRun: (worker: Worker) => boolean,
  gate?: WriterGate,
  sole?: SoleWriterCheck & { signal: AbortSignal },
): Promise<void> {
  if (gate) return runGatedWriter(spec.taskQueue, spec.create, mayRun, gate);
  if (sole && !(await waitUntilSoleWriter(spec.taskQueue, sole, sole.signal))) return;
  const worker = await spec.create();
  if (!mayRun(worker)) return;
  const running = new AbortController();
  const watch = sole
    ? watchForSecondWriter(spec.taskQueue, sole, AbortSignal.any([sole.signal, running.signal]))
    : undefined;
  try {
    await worker.run();
  } finally {
    running.abort();
    await watch;
  }
}

/** The Workers of one process, run and shut down as one (what buildWorker returns as `worker`). */
export class RoleWorkers {
  private readonly started: Worker[] = [];
  private stopping = false;
  private running?: Promise<void>;
  /** Aborted by shutdown(): a writer waiting for its lease stops waiting. */
  private readonly stopped = new AbortController();

  /**
   * `writerLease`: the shared store's lease the chain-writer Worker is gated on; `soleWriter`: with
   * the file journal instead, the check that no other process polls the writer queue. `saltLock`:
   * the lock the salt Worker is gated on (worker/salt-lock.ts).
   */
  constructor(
    readonly entries: RoleWorkerEntry[],
    private readonly writerLease?: Omit<WriterGate, 'signal'>,
    private readonly soleWriter?: SoleWriterCheck,
    private readonly saltLock?: SaltLock,
  ) {}

  /** Runs every Worker until all have stopped; one that fails stops the others. */
  run(): Promise<void> {
    this.running ??= this.runAll();
    return this.running;
  }

  private async runAll(): Promise<void> {
    const runs = this.entries.map(async (entry) => {
      if (!entry.worker && entry.role === 'salt') {
        if (!this.saltLock) throw new Error('a gated salt Worker needs the SaltLock');
        return runGatedSalt(entry.create, (worker) => this.adopt(worker), this.saltLock, this.stopped.signal);
      }
      if (!entry.worker) {
        const signal = this.stopped.signal;
        return runChainWriter(
          entry,
          (worker) => this.adopt(worker),
          this.writerLease && { ...this.writerLease, signal },
          this.soleWriter && { ...this.soleWriter, signal },
        );
      }
      if (this.adopt(entry.worker)) await entry.worker.run();
    });
    const results = await Promise.allSettled(
      runs.map((run) =>
        run.catch((err: unknown) => {
          this.shutdown();
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Whether a Worker may start: not once shutdown() was asked (it would never be told to stop). */
  private adopt(worker: Worker): boolean {
    if (this.stopping) return false;
    this.started.push(worker);
    return true;
  }

  /** Asks every Worker to stop (running activities get shutdownGraceSeconds). */
  shutdown(): void {
    this.stopping = true;
    this.stopped.abort();
    for (const worker of this.started) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** Runs the Workers while `fn` runs, then stops them (as Worker.runUntil). */
  async runUntil<T>(fn: Promise<T> | (() => Promise<T>)): Promise<T> {
    const running = this.run();
    const failedEarly = running.then(() => {
      throw new Error('the workers stopped before the awaited work finished');
    });
    failedEarly.catch(() => undefined);
    try {
      return await Promise.race([typeof fn === 'function' ? fn() : fn, failedEarly]);
    } finally {
      this.shutdown();
      await running.catch(() => undefined);
    }
  }
}
