// A mnemonic batch: key indices allocated and keys derived where the salt is, the guarded keys
// deposited, then their keyshares registered by the SSV registrar (built per key at that moment).
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { BotActivities } from '../../activities/interface';
import type { MnemonicValidator } from '../../activities/types';
import { ValidatorPubkeysAttribute, pubkeySearchKey } from '../../temporal-config/search-attributes';
import type { RegistrationRequest } from '../../protocol/registrar-types';
import { KEY_MATERIAL_OPTIONS, READ_OPTIONS } from '../activity-options';
import { proxyRoleActivities } from '../role-activities';
import type { CreationBatch } from './batch';
import { deposit, guard } from './deposit';
import { awaitFundableRegistrations } from './holds';
import type { CreateValidatorsResult } from './input';

// The mnemonic's activities run where the salt is.
const { allocateKeyIndices } = proxyRoleActivities<BotActivities>('salt', READ_OPTIONS);
const { prepareMnemonicValidators, allocateAndPrepareMnemonicValidators } = proxyRoleActivities<BotActivities>(
  'salt',
  KEY_MATERIAL_OPTIONS,
);

export async function createMnemonicBatch(batch: CreationBatch): Promise<CreateValidatorsResult> {
  const { input, status, gate, fewerEvents, requestId } = batch;
  // A fewerEvents batch is started with its Phase 'allocating' (the monitor sets it with the start).
  if (!fewerEvents) batch.setPhase('allocating');
  await gate.holdAt('before key-index allocation (nothing done yet)');
  const validators = fewerEvents
    ? // One salt activity allocates and derives (no safe point lay between the two): phase 'allocating' throughout.
      await allocateAndPrepareMnemonicValidators({
        rollupAdmin: input.rollupAdmin,
        bridge: input.bridge,
        operatorCluster: input.operatorCluster,
        requestId,
        count: input.count,
      })
    : await prepareInTwoSteps(batch);
  // The keys are made: a hold or pause from here says so (the status only: no upsert, no event).
  if (fewerEvents) status.phase = 'key-material';
  const pubkeys = validators.map((v) => v.deposit.pubkey);
  status.pubkeys = pubkeys;
  const pubkeysAttribute: SearchAttributeUpdatePair = {
    key: ValidatorPubkeysAttribute,
    value: pubkeys.map(pubkeySearchKey),
  };
  if (fewerEvents) batch.pendingAttributes.push(pubkeysAttribute);
  else upsertSearchAttributes([pubkeysAttribute]);

  // Safe: the keys are allocated and recorded, nothing is on chain. A resumed batch deposits them.
  if (gate.paused) batch.flushAttributes();
  await gate.holdAt('before the deposit (keys made, nothing on chain)');
  await awaitFundableRegistrations(batch, 'before the deposit (keys made, nothing on chain)');
  batch.setPhase('depositing');
  gate.finishing('deposit and keyshare registration: deposited keys must get their keyshares');
  // Mnemonic keys are independent (keyshares are built per key at registration, for the nonce of
  // that moment): a held key is left out and the others go on. Its index stays spent (invariant 2).
  const passed = await guard(
    batch,
    validators.map((v) => v.deposit),
  );
  const depositing = validators.filter((v) => passed.has(v.deposit.pubkey));
  const held = status.guard?.held.length ? { held: status.guard.held } : {};
  if (depositing.length === 0) {
    batch.setPhase('done');
    return { deposited: [], registered: [], unregistered: [], ...held };
  }
  await deposit(
    batch,
    depositing.map((v) => v.deposit),
  );

  return { ...(await registerDeposited(batch, depositing)), ...held };
}

/**
 * The registrar registers the keyshares of the deposited keys (built per key at that moment);
 * the batch waits for its answer. Keys it did not register are returned with the reason.
 */
export async function registerDeposited(
  batch: CreationBatch,
  depositing: MnemonicValidator[],
): Promise<Pick<CreateValidatorsResult, 'deposited' | 'registered' | 'unregistered'>> {
  const { input, requestId, workflowId } = batch;
  batch.setPhase('registering');
  const registration: RegistrationRequest = {
    kind: 'mnemonic',
    requestId,
    requester: workflowId,
    rollupAdmin: input.rollupAdmin,
    operatorCluster: input.operatorCluster,
    keys: depositing.map((v) => ({ pubkey: v.deposit.pubkey, keyIndex: v.keyIndex })),
  };
  await batch.signals().requestRegistration(registration);
  const result = await batch.awaitResult(registration);
  batch.setPhase('done');
  const registered =
    result.kind === 'registered' || result.kind === 'failed' ? result.registered.map((r) => r.pubkey) : [];
  return {
    deposited: depositing.map((v) => v.deposit.pubkey),
    registered,
    unregistered: depositing
      .filter((v) => !registered.includes(v.deposit.pubkey))
      .map((v) => ({
        pubkey: v.deposit.pubkey,
        keyIndex: v.keyIndex,
        reason: result.kind === 'failed' ? result.reason : 'no answer',
      })),
  };
}

/** Histories from before fewerEvents: allocation and derivation as two activities, a phase each. */
async function prepareInTwoSteps(batch: CreationBatch) {
  const { input, requestId } = batch;
  const keyIndices = await allocateKeyIndices({ rollupAdmin: input.rollupAdmin, requestId, count: input.count });
  batch.setPhase('key-material');
  return prepareMnemonicValidators({
    rollupAdmin: input.rollupAdmin,
    bridge: input.bridge,
    operatorCluster: input.operatorCluster,
    keyIndices,
    requestId,
  });
}
