// Wrappers every chain-writing activity uses.
import { heartbeat } from '@temporalio/activity';
import type { TransactionManager } from './chain/tx-manager';

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

/**
 * The journal key for a send under `prefix`: `<prefix>:<n>`, n counting earlier attempts that
 * reverted, were dropped or failed. A pending or mined attempt is returned as is (it may still
 * land, or has: never send a second one beside it).
 */
export async function journalKeyFor(txManager: Pick<TransactionManager, 'record'>, prefix: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const record = await txManager.record(`${prefix}:${attempt}`);
    if (!record || record.status === 'pending' || record.status === 'mined') return `${prefix}:${attempt}`;
  }
}
