// Queries and updates from the CLI, with a deadline: a workflow whose worker is down would leave
// the caller waiting for ever, so the CLI says that instead.
import type { Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../temporal-config/names';
import { MonitorError } from './monitors';

export const ANSWER_TIMEOUT_MS = 15_000;

export async function withAnswerDeadline<T>(
  connection: Connection,
  what: string,
  ask: () => Promise<T>,
  timeoutMs = ANSWER_TIMEOUT_MS,
): Promise<T> {
  try {
    return await connection.withDeadline(Date.now() + timeoutMs, ask);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/deadline|timed? ?out|DEADLINE_EXCEEDED/i.test(message)) {
      throw new MonitorError(
        `no answer to ${what} within ${timeoutMs / 1000} s: is a nexus-bot worker polling task queue "${TASK_QUEUE}"? (${message})`,
      );
    }
    throw err;
  }
}
