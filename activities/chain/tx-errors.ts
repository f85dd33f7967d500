// The transaction manager's errors. Each name is a failure type of protocol/failure-types.ts, which
// says whether it is retryable.
import { ethers } from 'ethers';
import { TypedError } from '../typed-failure';

/** Type and retryability come from protocol/failure-types.ts by the error's name. */
export abstract class TxManagerError extends TypedError {}

/** The next block's base fee is above the configured ceiling: nothing was sent. Retryable. */
export class FeeCeilingExceededError extends TxManagerError {
  override readonly name = 'FeeCeilingExceeded';
  constructor(
    readonly label: string,
    readonly baseFeePerGas: bigint,
    readonly maxFeePerGasCeiling: bigint,
  ) {
    super(
      `${label}: not sent: base fee ${ethers.formatUnits(baseFeePerGas, 'gwei')} gwei is above the ceiling ` +
        `${ethers.formatUnits(maxFeePerGasCeiling, 'gwei')} gwei (maxFeePerGasCeiling); retry later or raise the ceiling`,
    );
  }
}

/** No hash of this key was mined and the nonce is gone (or the node forgot it). Check chain state. */
export class TransactionDroppedError extends TxManagerError {
  override readonly name = 'TransactionDropped';
  constructor(
    readonly idempotencyKey: string,
    readonly nonce: number,
    readonly hashes: readonly string[],
    readonly reason: string,
  ) {
    super(
      `transaction ${idempotencyKey} (nonce ${nonce}, hashes ${hashes.join(', ')}) was dropped: ${reason}. ` +
        'Check the contract state; send again with resendIfDropped only if the effect is still missing',
    );
  }
}

/** Still not mined when waitForReceipt's timeout ran out. Retryable: the retry waits on the same hashes. */
export class TransactionPendingError extends TxManagerError {
  override readonly name = 'TransactionPending';
  constructor(
    readonly idempotencyKey: string,
    readonly nonce: number,
    readonly hashes: readonly string[],
  ) {
    super(`transaction ${idempotencyKey} (nonce ${nonce}) not yet mined; hashes ${hashes.join(', ')}`);
  }
}

/** The idempotency key was used before for a different call. Not retryable: a caller bug. */
export class IdempotencyConflictError extends TxManagerError {
  override readonly name = 'IdempotencyConflict';
  constructor(
    readonly idempotencyKey: string,
    what: string,
  ) {
    super(`idempotency key ${idempotencyKey} was used for a different transaction (${what})`);
  }
}

/** The worker runs in dry-run mode: the transaction is described, never signed, journaled or sent. */
export class DryRunRefusalError extends TxManagerError {
  override readonly name = 'DryRunRefusal';
  constructor(label: string, to: string) {
    super(`dry run: ${label} to ${to} not sent (the worker runs with dryRun)`);
  }
}

/** The node refused the transaction (not a nonce problem the manager can fix). */
export class TransactionRejectedError extends TxManagerError {
  override readonly name: 'TransactionRejected' | 'InsufficientFunds' = 'TransactionRejected';
  constructor(label: string, nonce: number, nodeMessage: string) {
    super(`${label}: the node rejected the transaction (nonce ${nonce}): ${nodeMessage}`);
  }
}

/** The bot account cannot pay for gas (+ value). Retryable once an operator funds it. */
export class InsufficientFundsError extends TransactionRejectedError {
  override readonly name = 'InsufficientFunds';
}

/**
 * This process does not hold the chain-writer lease at the epoch the shared store requires (it never
 * had it, lost it, or a newer holder took it over): the nonce claim or journal write was refused by
 * the store's condition, so nothing was signed into the journal or sent. The process must not try
 * again on its own: it sends nothing until it acquires the lease again (a new epoch). Retryable
 * for Temporal, so that the activity runs again on the worker that holds the lease.
 */
export class WriterFencedError extends TxManagerError {
  override readonly name = 'WriterFenced';
  constructor(
    readonly stream: string,
    readonly epoch: number | undefined,
    reason: string,
  ) {
    super(`chain writer of ${stream} fenced off (epoch ${epoch ?? 'none'}): ${reason}; nothing was sent`);
  }
}

// Kept here for its importers: the conversion is the activity boundary's (typed-failure.ts).
export { toApplicationFailure } from '../typed-failure';
