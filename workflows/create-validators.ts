// Creation of one batch of validators for one rollup (a child of the rollup monitor):
//   key material (mnemonic derivation, or a DKG ceremony on reserved SSV nonces)
//   → deposit through Nexus (checked on chain first: never twice, invariant 1)
//   → keyshares registered by the SSV registrar, in owner-nonce order (invariant 4).
// Secrets never enter this workflow: activities return public material only (invariant 3).
import {
  ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { BotActivities } from '../activities/interface';
import type { KeyPath, KeysharesPayload, PublicDepositData } from '../activities/types';
import { PhaseAttribute, ValidatorPubkeysAttribute, pubkeySearchKey } from '../temporal-config/search-attributes';
import { KEY_MATERIAL_OPTIONS, READ_OPTIONS, SIGNAL_OPTIONS, TRANSACTION_OPTIONS } from './activity-options';
import { describeFailure } from './failures';
import { registrationResultSignal } from './messages';
import type { RegistrationResult } from './registrar-types';

const { allocateKeyIndices } = proxyActivities<BotActivities>(READ_OPTIONS);
const { prepareMnemonicValidators, runDkgCeremony } = proxyActivities<BotActivities>(KEY_MATERIAL_OPTIONS);
const { submitDeposits } = proxyActivities<BotActivities>(TRANSACTION_OPTIONS);
const { requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);

export interface CreateValidatorsInput {
  rollupAdmin: string;
  bridge: string;
  operatorCluster: number;
  keyPath: KeyPath;
  count: number;
}

export interface CreateValidatorsResult {
  /** Validators deposited by this batch. */
  deposited: string[];
  /** Of those, the ones whose keyshares are registered with SSV. */
  registered: string[];
  /** Deposited keys whose keyshares still need registering (with the reason), so the monitor tracks them. */
  unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
}

export type CreationPhase = 'allocating' | 'key-material' | 'reserving-nonces' | 'depositing' | 'registering' | 'done';

export async function createValidatorsWorkflow(input: CreateValidatorsInput): Promise<CreateValidatorsResult> {
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw ApplicationFailure.nonRetryable(`count must be a positive integer, got ${input.count}`, 'InvalidInput');
  }
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Unique per batch: index allocation and transactions are keyed by it, so a retried activity
  // finds its own earlier work and a later batch (same workflow id) never reuses it. The first
  // execution's run id comes from the history itself, so a replay computes the same id.
  const requestId = `${workflowId}/${firstExecutionRunId}`;
  const results: RegistrationResult[] = [];
  setHandler(registrationResultSignal, (result) => {
    if (result.requestId === requestId) results.push(result);
  });
  const setPhase = (phase: CreationPhase) => upsertSearchAttributes([{ key: PhaseAttribute, value: phase }]);
  const awaitResult = async () => {
    await condition(() => results.length > 0);
    return results.shift() as RegistrationResult;
  };

  if (input.keyPath === 'mnemonic') {
    setPhase('allocating');
    const keyIndices = await allocateKeyIndices({ rollupAdmin: input.rollupAdmin, requestId, count: input.count });
    setPhase('key-material');
    const validators = await prepareMnemonicValidators({ rollupAdmin: input.rollupAdmin, bridge: input.bridge, operatorCluster: input.operatorCluster, keyIndices, requestId });
    const pubkeys = validators.map((v) => v.deposit.pubkey);
    upsertSearchAttributes([{ key: ValidatorPubkeysAttribute, value: pubkeys.map(pubkeySearchKey) }]);

    setPhase('depositing');
    await deposit(validators.map((v) => v.deposit));

    setPhase('registering');
    await requestRegistration({
      kind: 'mnemonic', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster,
      keys: validators.map((v) => ({ pubkey: v.deposit.pubkey, keyIndex: v.keyIndex })),
    });
    const result = await awaitResult();
    setPhase('done');
    const registered = result.kind === 'registered' || result.kind === 'failed' ? result.registered.map((r) => r.pubkey) : [];
    return {
      deposited: pubkeys,
      registered,
      unregistered: validators
        .filter((v) => !registered.includes(v.deposit.pubkey))
        .map((v) => ({ pubkey: v.deposit.pubkey, keyIndex: v.keyIndex, reason: result.kind === 'failed' ? result.reason : 'no answer' })),
    };
  }

  // DKG: the ceremony's keyshares are signed for the owner nonces the registrar reserves now.
  setPhase('reserving-nonces');
  await requestRegistration({ kind: 'dkg-reserve', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, count: input.count });
  const grant = await awaitResult();
  if (grant.kind !== 'granted') throw ApplicationFailure.nonRetryable(`no SSV nonce reservation: ${grant.kind === 'failed' ? grant.reason : grant.kind}`, 'NonceReservationFailed');

  let pubkeys: string[];
  let keyshares: KeysharesPayload[];
  try {
    setPhase('key-material');
    const ceremony = await runDkgCeremony({
      rollupAdmin: input.rollupAdmin, bridge: input.bridge, operatorCluster: input.operatorCluster,
      firstNonce: grant.firstNonce, count: input.count, requestId,
    });
    pubkeys = ceremony.validators.map((v) => v.deposit.pubkey);
    keyshares = ceremony.validators.map((v) => v.keyshares);
    upsertSearchAttributes([{ key: ValidatorPubkeysAttribute, value: pubkeys.map(pubkeySearchKey) }]);
    setPhase('depositing');
    await deposit(ceremony.validators.map((v) => v.deposit));
  } catch (err) {
    // Nothing was registered: give the nonce range back so that the sequence moves on.
    await requestRegistration({ kind: 'dkg-abandon', requestId, requester: workflowId, reason: describeFailure(err) });
    throw err;
  }

  setPhase('registering');
  await requestRegistration({ kind: 'dkg-register', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, keyshares });
  const result = await awaitResult();
  setPhase('done');
  const registered = result.kind === 'granted' ? [] : result.registered.map((r) => r.pubkey);
  return {
    deposited: pubkeys,
    registered,
    unregistered: pubkeys
      .filter((p) => !registered.includes(p))
      .map((pubkey) => ({ pubkey, reason: result.kind === 'failed' ? `${result.reason} (keyshares stale: resign needed)` : 'no answer' })),
  };

  async function deposit(deposits: PublicDepositData[]): Promise<void> {
    await submitDeposits({ rollupAdmin: input.rollupAdmin, requestId, deposits });
  }
}
