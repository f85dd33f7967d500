// The chain side of a keyshares registration: whether the key is registered already, the
// journal's earlier transaction for it, the transaction sent, and where its ValidatorAdded landed.
// Each write goes through the one transaction manager with a deterministic idempotency key, so a
// retried or replayed step never registers twice (invariant 1).
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegisteredKeyshares } from './interface';
import type { KeysharesPayload } from './types';
import { latestBlockNumber } from './chain/reads';
import { confirmedReadBlock, OwnerNonceBackendBehindError } from './chain/owner-nonce-floor';
import { locateRegistration, RegistrationNotFoundError, type LandedRegistration } from './chain/registration-position';
import { nextRegistrationFunding } from './funding/activities';
import { journalKeyFor } from './activity-helpers';
import { failure, withFailureTypes } from './typed-failure';
import { encodeShares } from './registration-pipeline-ops';
import type { CreationContext } from './creation-context';

/** How long a registration waits for the read backend to reach its block before failing (retried). */
const LANDED_WAIT_MS = 10 * 60_000;
const LANDED_POLL_MS = 1_000;

export function keysharesTransactions(ctx: CreationContext) {
  const { provider, txManager, contracts, scan, confirmations, preflight, ownerCounts } = ctx;

  /** Where the key's ValidatorAdded stands in the owner's sequence, and whether it is signed for it. */
  function landedAt(pubkey: string, at: { blockNumber?: number; transactionHash?: string }) {
    return locateRegistration(provider, contracts.ssvNetwork, contracts.nexus, pubkey, {
      ...scan,
      confirmations,
      minBlock: at.blockNumber,
      transactionHash: at.transactionHash,
      checkpoints: ownerCounts,
    });
  }

  /**
   * Where a transaction just mined landed. The read backend may not have reached its block yet:
   * waited for here (heartbeating) rather than by a retry, which could find the key still
   * unregistered on that backend.
   */
  async function landedAfterMining(
    pubkey: string,
    mined: { blockNumber: number; hash: string },
  ): Promise<LandedRegistration> {
    const deadline = Date.now() + LANDED_WAIT_MS;
    for (;;) {
      try {
        return await landedAt(pubkey, { blockNumber: mined.blockNumber, transactionHash: mined.hash });
      } catch (err) {
        const behind = err instanceof OwnerNonceBackendBehindError || err instanceof RegistrationNotFoundError;
        if (!behind || Date.now() > deadline) throw err;
        await sleep(LANDED_POLL_MS);
      }
    }
  }

  /** The key's keyshares are on chain already (a retry after the transaction was mined): where they landed. */
  async function alreadyRegistered(
    pubkey: string,
    lastRegistrationBlock: number | undefined,
  ): Promise<RegisteredKeyshares | undefined> {
    // From a backend that has reached the last registration: a lagging one may still say DEPOSITED.
    confirmedReadBlock(await latestBlockNumber(provider), confirmations, lastRegistrationBlock);
    const [{ status }] = await ctx.statusOf([pubkey]);
    if (status === 'INACTIVE') {
      throw failure(
        'KeyNotDeposited',
        `${pubkey} is not deposited in Nexus: keyshares are registered only after the deposit`,
      );
    }
    if (status === 'DEPOSITED') return undefined;
    const landed = await landedAt(pubkey, { blockNumber: lastRegistrationBlock });
    return { pubkey, ownerNonce: -1, landed };
  }

  /**
   * The journal's transaction for this key at this nonce that may still land (pending or mined):
   * waited for, never sent again. Reverted or dropped attempts move on to the next key slot.
   */
  async function earlierSharesTransaction(
    pubkey: string,
    ownerNonce: number,
  ): Promise<RegisteredKeyshares | undefined> {
    const key = await sharesKeyFor(pubkey, ownerNonce);
    const record = await txManager.record(key);
    if (!record || (record.status !== 'pending' && record.status !== 'mined')) return undefined;
    return withFailureTypes(async () => {
      const mined = await txManager.waitForReceipt(key);
      return { pubkey, ownerNonce, txHash: mined.hash, landed: await landedAfterMining(pubkey, mined) };
    });
  }

  /** `shares:<pubkey>:<nonce>:<n>`, n counting attempts that reverted or were dropped. */
  function sharesKeyFor(pubkey: string, ownerNonce: number): Promise<string> {
    return journalKeyFor(txManager, `shares:${pubkey.toLowerCase()}:${ownerNonce}`);
  }

  async function sendShares(rollupAdmin: string, keyshares: KeysharesPayload): Promise<RegisteredKeyshares> {
    return withFailureTypes(async () => {
      // The amount from the cluster as it is now: never a bare 0, never a fixed sum (invariant 9).
      const { state, amountWei } = await nextRegistrationFunding(preflight, keyshares.operatorIds);
      const cluster = `cluster [${state.operatorIds.join(',')}] of ${state.snapshot.owner}`;
      if (state.liquidated) {
        throw failure(
          'ClusterLiquidated',
          `${cluster} is liquidated: reactivate it before registering ${keyshares.publicKey}`,
        );
      }
      if (state.nexusTokensWei < amountWei) {
        // Retried: the key is deposited and must get its keyshares once Nexus is topped up.
        throw failure(
          'RegistrationUnfunded',
          `Nexus holds ${state.nexusTokensWei} wei SSV, registering ${keyshares.publicKey} into ${cluster} needs ${amountWei}`,
        );
      }
      const data = encodeShares(rollupAdmin, keyshares, state.snapshot.cluster, amountWei);
      const idempotencyKey = await sharesKeyFor(keyshares.publicKey, keyshares.ownerNonce);
      const mined = await txManager.sendAndWait({
        to: contracts.nexus,
        data,
        label: 'depositValidatorShares',
        idempotencyKey,
      });
      // After mining: the position its ValidatorAdded really took (the registrar halts on a mismatch).
      const landed = await landedAfterMining(keyshares.publicKey, mined);
      return { pubkey: keyshares.publicKey, ownerNonce: keyshares.ownerNonce, txHash: mined.hash, landed };
    });
  }

  return { landedAfterMining, alreadyRegistered, earlierSharesTransaction, sharesKeyFor, sendShares };
}
