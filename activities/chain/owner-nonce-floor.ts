// The SSV owner nonce is read from the chain before each registration, but a read from a backend
// that lags behind (load-balanced RPC, a node still syncing) can answer a nonce that is already
// used. Keyshares signed for it are accepted by the chain and silently ignored by every SSV node,
// and every later registration is then off by one. The registrar knows the highest nonce it has
// used; a read below that floor is the backend's lag, never the chain's truth: retried, not used.
import { ChainReadError } from './read-errors';
import type { SsvOwnerNonce } from './reads';

/** A read of the owner nonce below the nonces already used: the RPC backend lags (retryable). */
export class OwnerNonceBehindError extends ChainReadError {
  constructor(
    readonly read: number,
    readonly blockNumber: number,
    readonly floor: number,
  ) {
    super(
      `SSV owner nonce read as ${read} at block ${blockNumber}, but nonces up to ${floor - 1} are already used: the RPC backend lags behind the chain; retried, no keyshares built for a used nonce`,
    );
    this.name = 'OwnerNonceBehindError';
  }
}

/** The nonce read, if it is not below `floor` (the next nonce the registrar knows to be unused). */
export function nonceAtLeast(read: Pick<SsvOwnerNonce, 'nonce' | 'blockNumber'>, floor: number | undefined): number {
  if (floor !== undefined && read.nonce < floor) throw new OwnerNonceBehindError(read.nonce, read.blockNumber, floor);
  return read.nonce;
}

/**
 * The backend's confirmed head has not reached the block of the last registration: its logs may
 * miss that registration (and so answer a used nonce). Retryable: the backend catches up.
 */
export class OwnerNonceBackendBehindError extends ChainReadError {
  constructor(
    readonly head: number,
    readonly readBlock: number,
    readonly lastRegistrationBlock: number,
  ) {
    super(
      `the RPC backend's head is block ${head} (block ${readBlock} with the configured confirmations), before block ${lastRegistrationBlock} of the last SSV registration: it lags behind; the owner nonce is read again once it has caught up`,
    );
    this.name = 'OwnerNonceBackendBehindError';
  }
}

/**
 * The block to read the owner nonce at: `confirmations` blocks deep (1 = the head), so that a
 * shallow reorganisation cannot take back a registration that was counted; and not before the
 * block of the last registration the registrar saw mined (the backend must have reached it).
 */
export function confirmedReadBlock(
  head: number,
  confirmations: number,
  lastRegistrationBlock: number | undefined,
): number {
  const readBlock = Math.max(0, head - (Math.max(1, confirmations) - 1));
  if (lastRegistrationBlock !== undefined && readBlock < lastRegistrationBlock) {
    throw new OwnerNonceBackendBehindError(head, readBlock, lastRegistrationBlock);
  }
  return readBlock;
}
