// The transaction journal's record and interface, and the in-process store. A journal maps an
// idempotency key to the transaction sent for it (nonce, every signed attempt), written BEFORE the
// broadcast, so a retried send (same key, even in a new process) never sends twice (DESIGN.md
// invariant 1). Stores: MemoryTxJournal (here), FileTxJournal (tx-journal-file.ts, the default),
// DynamoTxJournal (dynamo/tx-journal.ts, shared by several workers, fenced by the writer lease).
import type { DecodedRevert } from './revert';

/**
 * - pending: signed and (probably) broadcast; not yet mined with enough confirmations.
 * - mined: mined with status 1 and `confirmations` blocks.
 * - reverted: mined with status 0 (the nonce is used; nothing else changed on chain).
 * - dropped: none of the hashes was mined and the nonce was used by another transaction, or the
 *   node forgot the transaction.
 * - failed: the node refused the broadcast: nothing was sent, a new send may proceed.
 */
export type TxStatus = 'pending' | 'mined' | 'reverted' | 'dropped' | 'failed';

export interface TxAttempt {
  hash: string;
  /** wei, decimal. */
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  /** ms since epoch. */
  sentAt: number;
  /** The signed transaction, for rebroadcasting and replacing after a crash (public data). */
  raw: string;
  /**
   * The chain-writer lease epoch this process held when it signed and journaled the attempt (the
   * shared store only; absent with the file journal): which holder sent it, e.g. after a take-over.
   */
  epoch?: number;
}

export interface TxRecord {
  version: 1;
  idempotencyKey: string;
  label: string;
  from: string;
  chainId: string;
  to: string;
  /** wei, decimal. */
  value: string;
  /** keccak256 of the calldata: a key reused for another call is an error. */
  dataHash: string;
  nonce: number;
  gasLimit: string;
  /** The original and every replacement, oldest first. */
  attempts: TxAttempt[];
  status: TxStatus;
  minedHash?: string;
  blockNumber?: number;
  revert?: { name: string; selector: string; reason?: string; args: string[]; kind: DecodedRevert['kind'] };
  /** Why it failed or was dropped. */
  error?: string;
  createdAt: number;
  updatedAt: number;
  /** Earlier sends under the same key that reverted or were dropped (then sent again). */
  previous?: { nonce: number; hashes: string[]; status: TxStatus; revertName?: string; error?: string }[];
}

/** Where the manager records idempotencyKey → transaction. put() must be durable when it resolves. */
export interface TxJournal {
  get(key: string): Promise<TxRecord | undefined>;
  put(key: string, record: TxRecord): Promise<void>;
}

/** In-process journal (tests, or a deployment that accepts losing it with the process). */
export class MemoryTxJournal implements TxJournal {
  private readonly records = new Map<string, TxRecord>();
  get(key: string): Promise<TxRecord | undefined> {
    const r = this.records.get(key);
    return Promise.resolve(r ? structuredClone(r) : undefined);
  }
  put(key: string, record: TxRecord): Promise<void> {
    this.records.set(key, structuredClone(record));
    return Promise.resolve();
  }
}
