// What one mined SSV registration tells about the owner-nonce sequence: pure, shared by the
// registrar workflow (its used() bookkeeping) and the batch registration activity (which must stop
// where the registrar would halt, and hand the next key the view the registrar would have given).
import type { RegisteredKeyshares } from './registrar-types';

/** The registrar's view of the sequence handed to each registration (registrar/state.ts chainView). */
export interface RegistrationView {
  /** The next owner nonce not yet used, as far as the registrar knows. */
  minOwnerNonce?: number;
  /** The block of the last registration seen mined. */
  lastRegistrationBlock?: number;
}

/** The view after `registered`: the floor passes the highest nonce it used or took, the block is its block. */
export function viewAfter(view: RegistrationView, registered: RegisteredKeyshares): RegistrationView {
  const { landed } = registered;
  const highest = Math.max(registered.ownerNonce, landed?.ownerNonce ?? -1);
  const minOwnerNonce = highest >= 0 ? Math.max(view.minOwnerNonce ?? 0, highest + 1) : view.minOwnerNonce;
  const lastRegistrationBlock = landed
    ? Math.max(view.lastRegistrationBlock ?? 0, landed.blockNumber)
    : view.lastRegistrationBlock;
  return { minOwnerNonce, lastRegistrationBlock };
}

/**
 * Whether the key's ValidatorAdded stands at another nonce than its keyshares were signed for, or
 * with a signature that fits no nonce it stands at: SSV nodes ignore it, and the registrar halts
 * every registration (nothing may be sent after it).
 */
export function landedOffNonce(registered: RegisteredKeyshares): boolean {
  const { landed } = registered;
  if (!landed) return false;
  const known = registered.ownerNonce >= 0;
  return !(landed.signatureValid && (!known || landed.ownerNonce === registered.ownerNonce));
}
