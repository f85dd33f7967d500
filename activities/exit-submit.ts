// Nexus.validatorExit by Nexus version (facts/nexus-contracts.md):
// - v2024-03: validatorExit(admin, bytes[]) for the whole batch, once. It only changes each key's
//   status: SSV is not told, so a DKG key (whose key nobody holds) would never leave. Refused here
//   for DKG keys (DkgExitUnsupported) as a last guard; the monitor already refuses to plan them.
// - v2024-06: validatorExit(admin, pubkey, operatorIds) per key, which calls SSVNetwork.exitValidator
//   so the cluster's operators sign and broadcast the exit. operatorIds are the ids the key was
//   registered with in SSV (its ValidatorAdded event), ascending.
// Every send is idempotent: statuses are read first, and each transaction has a deterministic
// journal key (per batch on v2024-03, per batch and key on v2024-06) looked up before sending.
import { failure } from './typed-failure';
import type { ethers } from 'ethers';
import { nexusInterface } from './chain/abi';
import type { NexusVersion } from './chain/nexus-version';
import { readValidatorOperatorIds, readValidatorStatuses, type ScanOptions } from './chain/reads';
import type { TransactionManager } from './chain/tx-manager';
import { journalKeyFor } from './activity-helpers';
import type { SubmittedExit } from './exit-types';
import type { DomainMetricsSink } from './metrics-sink';

export interface ExitSubmitDependencies {
  provider: ethers.Provider;
  txManager: Pick<TransactionManager, 'record' | 'sendAndWait' | 'waitForReceipt'>;
  contracts: { nexus: string; ssvNetwork: string };
  scan: ScanOptions;
  metrics?: DomainMetricsSink;
  /** Called after each key on v2024-06 (an activity heartbeat). */
  onProgress?: (done: number) => void;
}

export interface ExitSubmitInput {
  rollupAdmin: string;
  requestId: string;
  pubkeys: string[];
  /** Keys of the batch on the DKG path (no key held by the bot). */
  dkgPubkeys?: string[];
}

export const DKG_EXIT_UNSUPPORTED_REASON =
  'Nexus v2024-03 cannot exit DKG validators (validatorExit does not tell SSV)';

export async function submitValidatorExits(
  deps: ExitSubmitDependencies,
  version: NexusVersion,
  input: ExitSubmitInput,
): Promise<SubmittedExit> {
  const { provider, txManager, contracts } = deps;
  const { statuses } = await readValidatorStatuses(provider, contracts.nexus, input.pubkeys);
  const wrong = statuses.filter(
    (s) => !['SHARE_DEPOSITED', 'VALIDATOR_EXIT_SUBMITTED', 'VALIDATOR_EXITED'].includes(s.status),
  );
  if (wrong.length > 0) {
    throw failure(
      'ValidatorNotExitable',
      `${wrong.length} key(s) cannot exit through Nexus: ${wrong[0].pubkey} is ${wrong[0].status} (an exit needs SHARE_DEPOSITED)`,
    );
  }
  const toSubmit = statuses.filter((s) => s.status === 'SHARE_DEPOSITED').map((s) => s.pubkey);
  const alreadySubmitted = statuses.filter((s) => s.status !== 'SHARE_DEPOSITED').map((s) => s.pubkey);
  if (version === 'v2024-03') {
    const dkg = new Set((input.dkgPubkeys ?? []).map((k) => k.toLowerCase()));
    const refused = toSubmit.filter((k) => dkg.has(k));
    if (refused.length > 0)
      throw failure(
        'DkgExitUnsupported',
        `${DKG_EXIT_UNSUPPORTED_REASON}: ${refused.length} DKG key(s) in the batch, first ${refused[0]}`,
      );
    return submitBatch(deps, input, toSubmit, alreadySubmitted);
  }
  const txHashes: string[] = [];
  const submitted: string[] = [];
  const stillToSubmit = new Set(toSubmit);
  for (const { pubkey } of statuses) {
    const prefix = `validator-exit:${input.requestId}:${pubkey}`;
    // A retry after a crash finds its own earlier transaction, also for a key the chain already
    // shows submitted (mined while the worker was down): it is waited for, so its journal record is
    // settled, and never sent a second time.
    const earlier = await liveTransaction(txManager, prefix);
    let hash: string;
    if (earlier) {
      hash = (await txManager.waitForReceipt(earlier)).hash;
    } else if (stillToSubmit.has(pubkey)) {
      const operatorIds = [
        ...(await readValidatorOperatorIds(provider, contracts.ssvNetwork, contracts.nexus, pubkey, deps.scan)),
      ].sort((a, b) => a - b);
      const data = nexusInterface.encodeFunctionData('validatorExit(address,bytes,uint64[])', [
        input.rollupAdmin,
        pubkey,
        operatorIds,
      ]);
      hash = (
        await txManager.sendAndWait({
          to: contracts.nexus,
          data,
          label: 'validatorExit',
          idempotencyKey: await journalKeyFor(txManager, prefix),
        })
      ).hash;
    } else {
      continue; // submitted by someone else (another batch, an operator): alreadySubmitted
    }
    deps.metrics?.validatorsExitSubmitted(input.rollupAdmin, 1, hash);
    txHashes.push(hash);
    submitted.push(pubkey);
    deps.onProgress?.(submitted.length);
  }
  const ours = new Set(submitted);
  return {
    ...(txHashes.length > 0 ? { txHash: txHashes[txHashes.length - 1], txHashes } : {}),
    submitted,
    alreadySubmitted: alreadySubmitted.filter((k) => !ours.has(k)),
  };
}

/** v2024-03: one validatorExit(admin, bytes[]) for the batch (a repeat would revert IncorrectValidatorStatus). */
async function submitBatch(
  deps: ExitSubmitDependencies,
  input: ExitSubmitInput,
  toSubmit: string[],
  alreadySubmitted: string[],
): Promise<SubmittedExit> {
  const { txManager, contracts } = deps;
  const prefix = `validator-exit:${input.requestId}`;
  const earlier = await liveTransaction(txManager, prefix);
  if (earlier) {
    // A retry after a crash: the earlier transaction may still land; never send a second one.
    const mined = await txManager.waitForReceipt(earlier);
    deps.metrics?.validatorsExitSubmitted(input.rollupAdmin, input.pubkeys.length, mined.hash);
    return { txHash: mined.hash, submitted: input.pubkeys.map((k) => k.toLowerCase()), alreadySubmitted: [] };
  }
  if (toSubmit.length === 0) return { submitted: [], alreadySubmitted };
  const data = nexusInterface.encodeFunctionData('validatorExit(address,bytes[])', [input.rollupAdmin, toSubmit]);
  const mined = await txManager.sendAndWait({
    to: contracts.nexus,
    data,
    label: 'validatorExit',
    idempotencyKey: await journalKeyFor(txManager, prefix),
  });
  deps.metrics?.validatorsExitSubmitted(input.rollupAdmin, toSubmit.length, mined.hash);
  return { txHash: mined.hash, submitted: toSubmit, alreadySubmitted };
}

/** The journal key of a transaction under `prefix` that may still land (pending or mined), if any. */
export async function liveTransaction(
  txManager: Pick<TransactionManager, 'record'>,
  prefix: string,
): Promise<string | undefined> {
  const key = await journalKeyFor(txManager, prefix);
  return (await txManager.record(key)) ? key : undefined;
}
