// What a monitor does with the chain's view of its rollup (activities/reconcile.ts): the chain and
// the index state are the truth, the monitor's memory a cache of them. Pure: the monitor runs the
// actions, a unit test runs every case.
//
// Nothing is done twice: keys a running creation batch still owns are left to it, keys an exit
// batch already follows are not followed again, and a key already listed for registration is not
// listed again.
import type { RollupReconciliation } from '../activities/reconcile';
import type { ExitValidator } from '../activities/exit-types';

/** What the monitor remembers, to compare with the chain. */
export interface MonitorMemory {
  /** Deposited keys it knows are without keyshares (carried across continue-as-new). */
  unregistered: readonly { pubkey: string; keyIndex?: number; reason: string }[];
  /** Keys an exit batch follows now (this monitor's, or adopted running batches). */
  followed: ReadonlySet<string>;
  /** A creation batch of this rollup is running: its deposited keys are its own to register. */
  creationRunning: boolean;
}

export interface ReconcileActions {
  /** Mnemonic keys to register (added to the monitor's unregistered list, registered from their index). */
  register: { pubkey: string; keyIndex: number; reason: string }[];
  /** DKG keys whose archived keyshares may still be registrable (if their nonce is the next one). */
  registerFromArchive: { pubkey: string; requestId: string; ownerNonce: number }[];
  /** Deposited keys the bot cannot register by itself: an operator must act. */
  attention: { pubkey: string; reason: string }[];
  /** Keys the monitor listed as unregistered that the chain shows registered (or further). */
  forget: string[];
  /** Exit-submitted keys no batch follows: a new batch follows and accounts them (no new broadcast). */
  follow: ExitValidator[];
  /** One line per difference found between memory and chain (shown by `nexus-bot status`). */
  differences: string[];
}

export function planReconciliation(view: RollupReconciliation, memory: MonitorMemory): ReconcileActions {
  const actions: ReconcileActions = {
    register: [],
    registerFromArchive: [],
    attention: [],
    forget: [],
    follow: [],
    differences: [],
  };
  const deposited = new Set(view.depositedUnregistered.map((k) => k.pubkey));
  const known = new Set(memory.unregistered.map((u) => u.pubkey.toLowerCase()));

  for (const u of memory.unregistered) if (!deposited.has(u.pubkey.toLowerCase())) actions.forget.push(u.pubkey);
  if (actions.forget.length > 0) {
    actions.differences.push(
      `${actions.forget.length} key(s) listed as unregistered have their keyshares on chain: no longer listed`,
    );
  }

  if (!memory.creationRunning) {
    const unknownToMemory = view.depositedUnregistered.filter((k) => !known.has(k.pubkey));
    if (unknownToMemory.length > 0) {
      actions.differences.push(
        `${unknownToMemory.length} deposited key(s) without keyshares that the monitor did not know of (first ${unknownToMemory[0].pubkey})`,
      );
    }
    for (const { pubkey, origin } of view.depositedUnregistered) {
      if (origin.kind === 'mnemonic') {
        if (!known.has(pubkey))
          actions.register.push({
            pubkey,
            keyIndex: origin.keyIndex,
            reason: 'found deposited without keyshares by reconciliation',
          });
      } else if (origin.kind === 'dkg') {
        actions.registerFromArchive.push({ pubkey, requestId: origin.requestId, ownerNonce: origin.ownerNonce });
      } else {
        actions.attention.push({
          pubkey,
          reason:
            'deposited without keyshares, and neither in the index state nor in the ceremony archive: its keyshares cannot be made here',
        });
      }
    }
  }

  const unfollowed = view.exitSubmitted.filter((k) => !memory.followed.has(k.pubkey));
  if (unfollowed.length > 0) {
    actions.differences.push(
      `${unfollowed.length} exit-submitted validator(s) that no exit batch follows (first ${unfollowed[0].pubkey}): followed until accounted`,
    );
  }
  for (const k of unfollowed) {
    actions.follow.push({
      pubkey: k.pubkey,
      validatorIndex: k.validatorIndex ?? -1,
      keyPath: k.keyPath === 'mnemonic' ? 'mnemonic' : 'dkg',
    });
  }
  return actions;
}
