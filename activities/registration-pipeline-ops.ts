// The chain side of a pipelined registration run (registration-pipeline.ts): where a run starts
// (the cluster's stored snapshot, settled by its last ValidatorAdded/ValidatorRemoved, and the
// owner nonce), and one key's registration sent for a given slot without waiting for it. Every
// send goes through the transaction manager under the key's own idempotency key
// (`shares:<pubkey>:<nonce>:<n>`, the same as the sequential step), and a key with a pending or
// mined transaction in the journal, or not DEPOSITED in Nexus, is never sent here: the sequential
// step waits for it or finds it registered (a retried batch sends nothing twice).
import { ethers } from 'ethers';
import type { RegisteredKeyshares } from './interface';
import type { KeysharesPayload } from './types';
import { nexusInterface } from './chain/abi';
import { clusterTuple, latestBlockNumber, readValidatorStatuses } from './chain/reads';
import type { ClusterSnapshot } from './chain/reads-types';
import type { LandedRegistration } from './chain/registration-position';
import { ContractRevertError } from './chain/revert';
import {
  toApplicationFailure,
  TransactionDroppedError,
  type MinedTransaction,
  type TransactionManager,
} from './chain/tx-manager';
import { withFailureTypes } from './typed-failure';
import { registrationAmountWei, type FundingPolicy } from './funding/arithmetic';
import { nextRegistrationFunding, type PreflightDependencies } from './funding/activities';
import type { InFlight, PipelineOps, PipelineStart } from './registration-pipeline';
import type { RegistrationView } from '../protocol/registration-landing';

export interface SharesPipelineDeps {
  provider: ethers.JsonRpcProvider;
  txManager: TransactionManager;
  nexus: string;
  preflight: PreflightDependencies;
  funding: FundingPolicy;
  depth: number;
  /** The owner nonce as the sequential step reads it (confirmations deep, never below the view's floor). */
  ownerNonce(view: RegistrationView): Promise<number>;
  sharesKeyFor(pubkey: string, ownerNonce: number): Promise<string>;
  landedAfterMining(pubkey: string, mined: { blockNumber: number; hash: string }): Promise<LandedRegistration>;
}

/** A batch's pipeline: `build` makes the key's keyshares for a nonce, or undefined when it cannot (a DKG key signed for another). */
export function sharesPipeline<K>(
  deps: SharesPipelineDeps,
  rollupAdmin: string,
  operatorIds: () => Promise<number[]>,
  pubkeyOf: (key: K) => string,
  build: (key: K, ownerNonce: number) => Promise<KeysharesPayload | undefined>,
): PipelineOps<K> {
  const { provider, txManager } = deps;
  return {
    depth: deps.depth,

    start: (view) =>
      withFailureTypes(async (): Promise<PipelineStart | undefined> => {
        const { state } = await nextRegistrationFunding(deps.preflight, await operatorIds());
        const source = state.snapshot.source;
        // Only a registration or removal settles the cluster's indexes at its block (a deposit does
        // not): from anything else the next snapshots cannot be computed.
        if (state.liquidated || !source || (source.event !== 'ValidatorAdded' && source.event !== 'ValidatorRemoved'))
          return undefined;
        // A read backend behind the last registration would predict from an old snapshot.
        if (view.lastRegistrationBlock !== undefined && state.blockNumber < view.lastRegistrationBlock)
          return undefined;
        return {
          cluster: state.snapshot.cluster,
          settledBlock: source.blockNumber,
          ownerNonce: await deps.ownerNonce(view),
          operatorFeesWei: state.fees.operatorFeesWei.reduce((a, b) => a + b, 0n),
          networkFeeWei: state.fees.networkFeeWei,
          nexusTokensWei: state.nexusTokensWei,
          fees: state.fees,
        };
      }),

    amountFor: (start, cluster) =>
      registrationAmountWei(start.fees, deps.funding, {
        validatorCount: cluster.validatorCount,
        balanceWei: BigInt(cluster.balance),
      }),

    send: (key, slot) =>
      withFailureTypes(async (): Promise<InFlight | undefined> => {
        const pubkey = pubkeyOf(key);
        const [{ status }] = (await readValidatorStatuses(provider, deps.nexus, [pubkey])).statuses;
        if (status !== 'DEPOSITED') return undefined;
        const idempotencyKey = await deps.sharesKeyFor(pubkey, slot.ownerNonce);
        const record = await txManager.record(idempotencyKey);
        if (record && (record.status === 'pending' || record.status === 'mined')) return undefined;
        const keyshares = await build(key, slot.ownerNonce);
        if (!keyshares) return undefined;
        const data = encodeShares(rollupAdmin, keyshares, slot.cluster, slot.amountWei);
        let sent;
        try {
          sent = await txManager.send({
            to: deps.nexus,
            data,
            label: 'depositValidatorShares',
            idempotencyKey,
            gasLimit: slot.gasLimit,
          });
        } catch (err) {
          // Estimation reverted (the run's first send: nothing sent): the sequential step explains it.
          if (err instanceof ContractRevertError) return undefined;
          throw err;
        }
        const settled = txManager.waitForReceipt(sent).then(
          async (mined: MinedTransaction): Promise<RegisteredKeyshares> => ({
            pubkey: keyshares.publicKey,
            ownerNonce: slot.ownerNonce,
            txHash: mined.hash,
            landed: await deps.landedAfterMining(keyshares.publicKey, mined),
          }),
          (err: unknown) => {
            if (err instanceof ContractRevertError) return { failed: 'reverted' as const, error: err };
            if (err instanceof TransactionDroppedError) return { failed: 'dropped' as const, error: err };
            throw toApplicationFailure(err) ?? err;
          },
        );
        // Awaited in order by the run; a rejection while an earlier one is awaited is not unhandled.
        settled.catch(() => undefined);
        return { hash: sent.hash, gasLimit: sent.gasLimit, settled };
      }),

    minedBlock: async (hash) => (await provider.getTransactionReceipt(hash))?.blockNumber ?? undefined,
    latestBlock: () => latestBlockNumber(provider),
    resyncNonce: (reason) => txManager.resyncNonce(reason),
  };
}

/** Nexus.depositValidatorShares for `keyshares` onto `cluster` with `amountWei`. */
export function encodeShares(
  rollupAdmin: string,
  keyshares: KeysharesPayload,
  cluster: ClusterSnapshot,
  amountWei: bigint,
): string {
  const c = clusterTuple(cluster);
  return nexusInterface.encodeFunctionData('depositValidatorShares', [
    rollupAdmin,
    [
      keyshares.publicKey,
      keyshares.operatorIds,
      keyshares.sharesData,
      amountWei,
      [c.validatorCount, c.networkFeeIndex, c.index, c.active, c.balance],
    ],
  ]);
}
