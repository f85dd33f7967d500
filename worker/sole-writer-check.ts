// The file journal's guard against a second chain writer (issue 14). With the shared DynamoDB store
// a lease fences every write (writer-gate.ts). The file journal (`transactions.journalFile`) lives
// on one host and cannot fence a process on another, so a writer on it asks Temporal who else polls
// the chain-writer task queue: it does not start while another process did so recently, and it
// raises an ERROR if one shows up later. This catches a rolling deploy that overlaps two writers or
// a second host configured by mistake; it is a check, not a fence (two writers that start within
// the same few seconds both see none), which is why several writers need the shared store.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Another process seen polling the chain-writer queue. */
export interface WriterPoller {
  identity: string;
  /** ms since its last poll reached the server. */
  lastSeenMs: number;
}

/**
 * How recent a poll counts as a running writer. A Worker's long poll lasts up to a minute and the
 * next follows at once, so a live poller is never older than that; Temporal keeps a stopped
 * poller in its list for minutes, so older entries are processes that have gone.
 */
export const LIVE_POLLER_MS = 75_000;

export interface SoleWriterCheckLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface SoleWriterCheck {
  /** The other live pollers of the chain-writer queue. */
  find(): Promise<WriterPoller[]>;
  log: SoleWriterCheckLog;
  /** Between checks while another writer is seen (default 15 s) and while running (default 60 s). */
  waitMs?: number;
  watchMs?: number;
  /** While waiting, the same ERROR is raised again at most this often (default 60 s, as while running). */
  repeatErrorMs?: number;
}

/** Other processes that polled `taskQueue` for activities within LIVE_POLLER_MS, as Temporal reports them. */
export async function otherWriterPollers(
  connection: ConnectionLike,
  namespace: string,
  taskQueue: string,
  ownIdentity: string,
  now = Date.now(),
): Promise<WriterPoller[]> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const others: WriterPoller[] = [];
  for (const poller of pollers ?? []) {
    const identity = poller.identity ?? '';
    const at = poller.lastAccessTime;
    const lastSeenMs = at ? now - (Number(at.seconds ?? 0) * 1000 + Math.floor((at.nanos ?? 0) / 1e6)) : Infinity;
    if (identity === ownIdentity || lastSeenMs > LIVE_POLLER_MS || thisProcessOrGone(identity)) continue;
    others.push({ identity, lastSeenMs: Math.max(0, lastSeenMs) });
  }
  return others;
}

/**
 * A poller of this host (identity `<name>@<host>:<pid>`, worker.ts) that is this process (an earlier
 * Worker of it) or whose process is gone: a crashed run of this worker, restarted by its service
 * manager, need not wait for its own ghost.
 */
function thisProcessOrGone(identity: string): boolean {
  const match = /@(.+):(\d+)$/.exec(identity);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const GRPC_UNIMPLEMENTED = 12;

/** Waits until no other process polls the chain-writer queue, with an ERROR while one does. Returns false if aborted. */
export async function waitUntilSoleWriter(
  taskQueue: string,
  check: SoleWriterCheck,
  signal: AbortSignal,
): Promise<boolean> {
  let waitingSince: number | undefined;
  // Checks run every 15 s so that the writer starts soon after the other stops; the ERROR it
  // raises while waiting is repeated once a minute, not at every check.
  const lastErrorAt = new Map<string, number>();
  const errorAtMostEvery = (message: string, fields: Record<string, unknown>) => {
    const now = Date.now();
    const last = lastErrorAt.get(message);
    if (last !== undefined && now - last < (check.repeatErrorMs ?? 60_000)) return;
    lastErrorAt.set(message, now);
    check.log.error(message, fields);
  };
  while (!signal.aborted) {
    let others: WriterPoller[];
    try {
      others = await check.find();
    } catch (err) {
      if ((err as { code?: number }).code === GRPC_UNIMPLEMENTED) {
        check.log.error(
          'chain writer: this Temporal server does not report the pollers of a task queue; starting without the check for a second writer',
          { taskQueue },
        );
        return true;
      }
      // Temporal did not answer: the Worker could not poll either; ask again.
      errorAtMostEvery('chain writer: cannot ask Temporal who polls the chain-writer task queue; asking again', {
        taskQueue,
        error: (err as Error).message,
      });
      await sleep(check.waitMs ?? 15_000, undefined, { signal }).catch(() => undefined);
      continue;
    }
    if (others.length === 0) {
      if (waitingSince !== undefined)
        check.log.info('chain writer: no other writer polls the chain-writer task queue any more; starting', {
          taskQueue,
          waitedSeconds: Math.round((Date.now() - waitingSince) / 1000),
        });
      return true;
    }
    waitingSince ??= Date.now();
    errorAtMostEvery(
      secondWriterMessage('another process polls the chain-writer task queue: this worker waits until it has stopped'),
      { taskQueue, others },
    );
    await sleep(check.waitMs ?? 15_000, undefined, { signal }).catch(() => undefined);
  }
  return false;
}

/** While the writer runs: an ERROR each time another poller is seen (it started at the same moment, or skipped this check). */
export async function watchForSecondWriter(
  taskQueue: string,
  check: SoleWriterCheck,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await sleep(check.watchMs ?? 60_000, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    const others = await check.find().catch(() => []);
    if (others.length > 0)
      check.log.error(
        secondWriterMessage(
          'a second process polls the chain-writer task queue while this worker writes: stop one of them now',
        ),
        { taskQueue, others },
      );
  }
}

const secondWriterMessage = (what: string) =>
  `chain writer on the file journal (transactions.journalFile): ${what}. Two writers on separate journals collide on the bot account's nonces; run one writer, or move every worker to the shared store (transactions.dynamodb)`;
