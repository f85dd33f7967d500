// One chain writer per bot account, enforced (issue 14). Two pieces:
// - WriterLease: who may write now. A holder has an epoch; every acquisition after a holder left or
//   expired takes a higher epoch. The worker gates polling of the chain-writer task queue on it
//   (acquire before polling, stop polling on onLost).
// - FencedNonceStore: where the nonce stream and the journal live when several workers share them.
//   Each of its writes is conditional on the store's current writer epoch being the caller's own, so
//   a stale holder (a paused process, a lost lease) is refused BEFORE its transaction is journaled
//   and broadcast: WriterFencedError. The lease alone could not promise that (a process can pause
//   between checking its lease and sending); the condition checked by the store at write time can.
// The DynamoDB implementation of both is in dynamo/.
import type { TxRecord } from './tx-journal';

export interface WriterLease {
  /** Waits until this process holds the lease; resolves with its epoch. */
  acquire(opts?: { signal?: AbortSignal }): Promise<{ epoch: number }>;
  /** Called once when a held lease is lost (taken over, released elsewhere, or not renewed in time). */
  onLost(cb: (reason: string) => void): () => void;
  /** Gives the lease up (the next holder need not wait for the expiry). */
  release(): Promise<void>;
  /** The held epoch, or undefined. A local view: the store's condition is what fences. */
  held(): { epoch: number } | undefined;
}

/**
 * The shared nonce stream of one bot account, written together with the journal. claim() takes a
 * nonce and journals the record signed with it in ONE conditional write, so a nonce is never taken
 * without a record that holds its signed transaction (a new holder can send that again).
 */
export interface FencedNonceStore {
  /** The epoch the store's writes are fenced with now; undefined when no lease is held. */
  epoch(): number | undefined;
  /** The next nonce the stream holds (undefined before the first claim). */
  next(): Promise<number | undefined>;
  /** next := nonce + 1 and the record journaled (its nonce indexed), if the caller's epoch is current. */
  claim(nonce: number, record: TxRecord): Promise<void>;
  /** next := nonce again (the node refused the transaction, the nonce is unused) and the record journaled. */
  unclaim(nonce: number, record: TxRecord): Promise<void>;
  /** The idempotency key journaled at a nonce of the stream. */
  keyAt(nonce: number): Promise<string | undefined>;
}
