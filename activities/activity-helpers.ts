// Wrappers every chain-writing activity uses.
import { heartbeat } from '@temporalio/activity';
import { toApplicationFailure } from './chain/tx-manager';

/** Runs `fn`, turning the chain modules' errors into Temporal failures with their stable types. */
export async function withFailureTypes<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApplicationFailure(err) ?? err;
  }
}

/**
 * Heartbeats every 20 s while `fn` runs: a transaction may wait minutes for blocks or a fee bump,
 * and the heartbeat timeout must only fire for a worker that is gone.
 */
export async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), 20_000);
  try {
    heartbeat();
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
