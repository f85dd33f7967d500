// Runs `ssv-dkg init` in its working folder as its own process group, with a deadline scaled to
// the batch, heartbeats while it runs, and the whole group killed (SIGTERM, then SIGKILL after a
// grace) on the deadline or on activity cancellation. Exit 0 → the one ceremony folder it wrote;
// another exit → the named failure read from its output (failure-lines.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { listCeremonyDirs } from '../keys/dkg-output';
import { DkgCeremonyFailedError, DkgCeremonyTimeoutError } from './errors';
import { classifyInitFailure, type FailureContext } from './failure-lines';
import type { Workspace } from './workspace';

export interface CeremonyTimeout {
  fixedSeconds: number;
  perValidatorSeconds: number;
}

/**
 * The real binary needs ~20 s plus ~0.9 s per validator on 2 cores (fixtures README): the
 * default leaves room for a slow machine and slow operators.
 */
export const DEFAULT_CEREMONY_TIMEOUT: CeremonyTimeout = { fixedSeconds: 120, perValidatorSeconds: 3 };

/** The deadline of one ceremony of `validators` validators. */
export function ceremonyTimeoutMs(validators: number, timeout: CeremonyTimeout = DEFAULT_CEREMONY_TIMEOUT): number {
  return Math.round((timeout.fixedSeconds + timeout.perValidatorSeconds * validators) * 1000);
}

export interface InitHeartbeat {
  phase: 'ssv-dkg-init';
  validators: number;
  elapsedMs: number;
}

export interface RunInitOptions {
  binary: string;
  workspace: Workspace;
  validators: number;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs?: number;
  heartbeatEveryMs?: number;
  /** Temporal heartbeat (with these details) while init runs. */
  heartbeat?: (details: InitHeartbeat) => void;
  /** Activity cancellation: the group is killed and the signal's reason thrown. */
  signal?: AbortSignal;
  /** For naming operators in failures. */
  failureContext?: FailureContext;
  /** Called with the pid once spawned (tests). */
  onSpawn?: (pid: number) => void;
}

export interface InitResult {
  ceremonyDir: string;
  elapsedMs: number;
}

const OUTPUT_KEEP = 256 * 1024;

/** Whether any process of group `pgid` is still there. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM to the group, then SIGKILL once `graceMs` passed with any member left. */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && processGroupAlive(pgid)) await new Promise((r) => setTimeout(r, 50));
  if (processGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  const hard = Date.now() + 5_000;
  while (Date.now() < hard && processGroupAlive(pgid)) await new Promise((r) => setTimeout(r, 20));
}

export async function runInit(opts: RunInitOptions): Promise<InitResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  opts.signal?.throwIfAborted();
  const child = spawn(opts.binary, opts.workspace.args, {
    cwd: opts.workspace.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  if (pid !== undefined) opts.onSpawn?.(pid);

  const beat = () => opts.heartbeat?.({ phase: 'ssv-dkg-init', validators: opts.validators, elapsedMs: elapsed() });
  beat();
  const heartbeats = setInterval(beat, opts.heartbeatEveryMs ?? 5_000);
  let stop: 'deadline' | 'cancelled' | undefined;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const deadline = setTimeout(() => {
    stop = 'deadline';
    wake();
  }, opts.timeoutMs);
  const onAbort = () => {
    stop = 'cancelled';
    wake();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const first = await Promise.race([exited, stopped.then(() => undefined)]);
    if (!first) {
      if (pid !== undefined) await killProcessGroup(pid, opts.killGraceMs ?? 5_000);
      await exited;
      if (stop === 'cancelled') throw opts.signal?.reason ?? new Error('ssv-dkg init cancelled');
      throw new DkgCeremonyTimeoutError(opts.validators, opts.timeoutMs);
    }
    // Leftovers of the group (ssv-dkg starts none; a stand-in might) never outlive the attempt.
    if (pid !== undefined && processGroupAlive(pid)) await killProcessGroup(pid, 1_000);
    if (first.spawnError)
      throw new DkgCeremonyFailedError(
        `ssv-dkg init could not be started (${opts.binary}): ${first.spawnError.message}`,
      );
    if (first.code !== 0) {
      const log = existsSync(opts.workspace.logFile)
        ? readFileSync(opts.workspace.logFile, 'utf8').slice(-OUTPUT_KEEP)
        : '';
      throw classifyInitFailure(`${output}\n${log}`, {
        ...opts.failureContext,
        exitCode: first.code,
        signal: first.signal,
      });
    }
    const dirs = existsSync(opts.workspace.outputDir) ? listCeremonyDirs(opts.workspace.outputDir) : [];
    if (dirs.length !== 1) {
      throw new DkgCeremonyFailedError(
        `ssv-dkg init exited 0 but wrote ${dirs.length} ceremony folders under ${opts.workspace.outputDir} (expected exactly one)`,
      );
    }
    return { ceremonyDir: dirs[0], elapsedMs: elapsed() };
  } finally {
    clearInterval(heartbeats);
    clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
