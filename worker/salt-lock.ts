// A worker's salt as something an operator gives and takes back while it runs (issue 17): a
// worker started without the salt (systemd gives it no terminal) is locked. It serves everything
// that needs no salt, and the salt task queue's Worker is not polled, so mnemonic steps wait on
// that queue in Temporal. `nexus-bot unlock` hands a salt over the unlock socket
// (worker/unlock-socket.ts): it is checked against a stored keystore and kept only when it opens
// it, and the salt queue's Worker starts at once. `nexus-bot lock` stops that Worker (running
// activities finish) and then wipes the salt. Nothing here logs, returns or throws the salt.
import type { Worker } from '@temporalio/worker';
import { LOCKED_STATUS, type SaltHolder, type SaltSlot } from '../activities/keys/salt';

export type LockState = 'locked' | 'unlocked';

/** What the socket answers (newline-delimited JSON, worker/unlock-socket.ts). Never holds the salt. */
export interface LockAnswer {
  ok: boolean;
  state: LockState;
  /** Why a request was refused: wrong-salt (checked, does not open), cannot-check, bad-request, too-large, timeout. */
  error?: string;
  message: string;
}

/** The verdict of a salt check (worker/salt-check.ts). */
export type SaltCheckResult =
  { ok: true; message: string } | { ok: false; error: 'wrong-salt' | 'cannot-check'; message: string };

/** Checks a candidate salt against the stored secret(s); `rollup` names the one to check first. */
export type SaltCheck = (candidate: SaltHolder, opts: { rollup?: string }) => Promise<SaltCheckResult>;

export interface SaltLockLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** How often a locked worker says so again in its log (with mnemonic work possibly waiting). */
export const LOCKED_REMINDER_MS = 5 * 60_000;

export class SaltLock {
  private since = new Date();
  /** Serialises unlock and lock: one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped at every unlock and lock: a salt Worker created for an older unlock must not run. */
  private generation = 0;
  private waiters: (() => void)[] = [];
  /** Stops the running salt Worker and resolves once its activities finished (set by runGatedSalt). */
  private stopWorker: (() => Promise<void>) | undefined;
  private reminder: NodeJS.Timeout | undefined;

  constructor(
    private readonly slot: SaltSlot,
    private readonly check: SaltCheck,
    private readonly log: SaltLockLog,
    /** The salt task queue, for log lines and answers. */
    readonly saltQueue: string,
    private readonly opts: { reminderMs?: number; socketPath?: string } = {},
  ) {
    if (slot.locked) this.remind();
  }

  get state(): LockState {
    return this.slot.locked ? 'locked' : 'unlocked';
  }

  status(): LockAnswer {
    return {
      ok: true,
      state: this.state,
      message: this.slot.locked
        ? `${LOCKED_STATUS} since ${this.since.toISOString()}: mnemonic steps wait on the salt task queue ${this.saltQueue}, which this worker does not poll`
        : `unlocked since ${this.since.toISOString()}: polling the salt task queue ${this.saltQueue}`,
    };
  }

  /** Checks `candidate` and keeps it only when it opens the stored keystore; wipes it otherwise. */
  unlock(candidate: SaltHolder, opts: { rollup?: string } = {}): Promise<LockAnswer> {
    return this.serialised(async () => {
      if (!this.slot.locked) {
        candidate.wipe();
        return {
          ok: true,
          state: this.state,
          message: `already unlocked (since ${this.since.toISOString()}): the salt given was neither checked nor kept`,
        };
      }
      let verdict: SaltCheckResult;
      try {
        verdict = await this.check(candidate, opts);
      } catch (err) {
        verdict = {
          ok: false,
          error: 'cannot-check',
          message: `the salt could not be checked: ${(err as Error).name}: ${(err as Error).message}`,
        };
      }
      if (!verdict.ok) {
        candidate.wipe();
        this.log.warn(`unlock refused: ${verdict.message}; still locked`, {
          error: verdict.error,
          saltQueue: this.saltQueue,
        });
        return { ok: false, state: this.state, error: verdict.error, message: `${verdict.message}; still locked` };
      }
      this.slot.set(candidate);
      this.changed();
      this.log.info(`unlocked: ${verdict.message}; polling the salt task queue ${this.saltQueue}`, {
        saltQueue: this.saltQueue,
      });
      return {
        ok: true,
        state: this.state,
        message: `unlocked: ${verdict.message}; the worker polls the salt task queue ${this.saltQueue}`,
      };
    });
  }

  /** Stops the salt queue's Worker (running activities finish, shutdownGraceSeconds at most), then wipes the salt. */
  lock(): Promise<LockAnswer> {
    return this.serialised(async () => {
      if (this.slot.locked) return { ok: true, state: this.state, message: 'already locked' };
      this.generation++;
      await this.stopWorker?.();
      this.slot.wipe();
      this.changed();
      this.log.info(`locked: the salt was wiped and the salt task queue ${this.saltQueue} is no longer polled`, {
        saltQueue: this.saltQueue,
      });
      return {
        ok: true,
        state: this.state,
        message: `locked: the salt was wiped; the salt task queue ${this.saltQueue} is no longer polled`,
      };
    });
  }

  /** Resolves with the generation once unlocked (at once if it is), or undefined when `signal` aborts. */
  whenUnlocked(signal: AbortSignal): Promise<number | undefined> {
    return new Promise((resolve) => {
      const settle = () => {
        if (signal.aborted) return resolve(undefined);
        if (!this.slot.locked) return resolve(this.generation);
        this.waiters.push(settle);
      };
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
      settle();
    });
  }

  /** Whether a salt Worker made for `generation` may still start (no lock came in between). */
  current(generation: number): boolean {
    return !this.slot.locked && generation === this.generation;
  }

  /** The running salt Worker's stop, for lock(); the returned function detaches it. */
  attachWorker(stop: () => Promise<void>): () => void {
    this.stopWorker = stop;
    return () => {
      if (this.stopWorker === stop) this.stopWorker = undefined;
    };
  }

  /** Stops the reminder and wipes the salt (process shutdown). */
  close(): void {
    clearInterval(this.reminder);
    this.reminder = undefined;
    this.slot.wipe();
  }

  private changed(): void {
    this.since = new Date();
    if (this.slot.locked) this.remind();
    else {
      clearInterval(this.reminder);
      this.reminder = undefined;
    }
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }

  /** Says "locked: waiting for the salt" now and every reminderMs while locked. */
  private remind(): void {
    const say = () =>
      this.log.warn(
        `${LOCKED_STATUS}: mnemonic steps wait on the salt task queue ${this.saltQueue} until \`nexus-bot unlock\`${this.opts.socketPath ? ` (socket ${this.opts.socketPath})` : ''} gives this worker the salt`,
        {
          saltQueue: this.saltQueue,
          lockedSince: this.since.toISOString(),
        },
      );
    say();
    clearInterval(this.reminder);
    this.reminder = setInterval(say, this.opts.reminderMs ?? LOCKED_REMINDER_MS);
    this.reminder.unref();
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Runs the salt queue's Worker while the lock is open, until `signal` aborts (process shutdown):
 * waits for an unlock, creates the Worker, runs it until a lock stops it, and waits again.
 * `mayRun` registers the Worker for the process's shutdown (false once that began).
 */
export async function runGatedSalt(
  create: () => Promise<Worker>,
  mayRun: (worker: Worker) => boolean,
  lock: SaltLock,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const generation = await lock.whenUnlocked(signal);
    if (generation === undefined) return;
    const worker = await create();
    // Checked after the (slow) create and attached in the same turn as run(): a lock that came in
    // meanwhile found no Worker to stop, so this one must not start.
    if (!lock.current(generation)) continue;
    if (!mayRun(worker)) return;
    const running = worker.run();
    const detach = lock.attachWorker(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });
    try {
      await running;
    } finally {
      detach();
    }
  }
}
