// A DKG batch: the ceremony's keyshares are signed for the owner nonces the registrar reserves
// now, so once reserved the batch runs through ceremony, deposit and registration, or gives the
// nonces back.
import { ApplicationFailure, log, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import type { KeysharesPayload } from '../../activities/types';
import { ValidatorPubkeysAttribute, pubkeySearchKey } from '../../temporal-config/search-attributes';
import type { RegistrationRequest } from '../../protocol/registrar-types';
import { DKG_CEREMONY_OPTIONS, READ_OPTIONS, SIGNAL_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import type { CreationBatch } from './batch';
import { deposit, describeHeld, guard } from './deposit';
import { awaitFundableRegistrations, awaitHealthyOperators } from './holds';
import type { CreateValidatorsResult } from './input';

const { checkRegistrationFunding, checkSigningNetwork, markDkgCeremony } = proxyActivities<BotActivities>(READ_OPTIONS);
const { runDkgCeremony } = proxyActivities<BotActivities>(DKG_CEREMONY_OPTIONS);
const { requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);

export async function createDkgBatch(batch: CreationBatch): Promise<CreateValidatorsResult> {
  const { input, status, gate, requestId, workflowId } = batch;
  batch.setPhase('reserving-nonces');
  await gate.holdAt('before the ceremony (nothing done yet)');
  // Held here, before any nonce is reserved: a reservation blocks every rollup's registrations.
  await awaitFundableRegistrations(batch, 'before the ceremony (nothing done yet)');
  // Every operator answers on the right version with its chain key before anything is reserved:
  // one that is down delays the batch here (checked again with backoff), holding no nonces.
  await awaitHealthyOperators(batch);
  batch.setPhase('reserving-nonces');
  // Not stoppable from here on: the reserved SSV owner nonces hold every rollup's registrations,
  // so a begun reservation is run through ceremony, deposit and registration (or given back on failure).
  gate.finishing('nonce reservation, ceremony, deposit and registration (reserved SSV nonces block every rollup)');
  const reserve: RegistrationRequest = {
    kind: 'dkg-reserve',
    requestId,
    requester: workflowId,
    rollupAdmin: input.rollupAdmin,
    count: input.count,
  };
  await requestRegistration(reserve);
  const grant = await batch.awaitResult(reserve);
  if (grant.kind !== 'granted')
    throw ApplicationFailure.nonRetryable(
      `no SSV nonce reservation: ${grant.kind === 'failed' ? grant.reason : grant.kind}`,
      'NonceReservationFailed',
    );

  let pubkeys: string[];
  let keyshares: KeysharesPayload[];
  let ceremonyRan = false;
  let depositSent = false;
  try {
    batch.setPhase('key-material');
    const ceremony = await runDkgCeremony({
      rollupAdmin: input.rollupAdmin,
      bridge: input.bridge,
      operatorCluster: input.operatorCluster,
      firstNonce: grant.firstNonce,
      count: input.count,
      requestId,
    });
    ceremonyRan = true;
    pubkeys = ceremony.validators.map((v) => v.deposit.pubkey);
    status.pubkeys = pubkeys;
    keyshares = ceremony.validators.map((v) => v.keyshares);
    upsertSearchAttributes([{ key: ValidatorPubkeysAttribute, value: pubkeys.map(pubkeySearchKey) }]);
    batch.setPhase('depositing');
    // Checked again (the ceremony took minutes); now failing the batch, which gives the nonces back.
    await checkSigningNetwork();
    const funding = await checkRegistrationFunding({
      rollupAdmin: input.rollupAdmin,
      operatorCluster: input.operatorCluster,
      count: input.count,
    });
    if (!funding.ok)
      throw ApplicationFailure.nonRetryable(
        `not deposited: ${funding.message ?? funding.reason}`,
        'RegistrationUnfundable',
      );
    // The keyshares are signed for consecutive nonces: leaving one key out would put every later
    // key of the batch one nonce off (ignored by every SSV node), and a held key cannot burn its
    // nonce (Nexus registers only deposited keys). So one held key holds the whole ceremony:
    // nothing deposited, the nonces given back (below), the next batch runs a new ceremony.
    const passed = await guard(
      batch,
      ceremony.validators.map((v) => v.deposit),
    );
    if (passed.size < pubkeys.length) {
      const held = status.guard?.held ?? [];
      throw ApplicationFailure.nonRetryable(
        `pre-deposit guard held ${held.length} of ${pubkeys.length} key(s) of this DKG ceremony; nothing deposited, its SSV nonces given back: ${describeHeld(held)}`,
        'DepositGuardHeld',
      );
    }
    depositSent = true;
    await deposit(
      batch,
      ceremony.validators.map((v) => v.deposit),
    );
  } catch (err) {
    // A ceremony whose output will never be deposited is reported as such (its archive stays:
    // the operators hold shares of those keys); one whose deposit was attempted keeps its state.
    if (ceremonyRan && !depositSent) {
      await markDkgCeremony({
        rollupAdmin: input.rollupAdmin,
        requestId,
        state: 'unused',
        reason: describeFailure(err),
      }).catch((markErr: unknown) =>
        log.warn('could not mark the ceremony unused', { requestId, error: describeFailure(markErr) }),
      );
    }
    // Nothing was registered: give the nonce range back so that the sequence moves on.
    await requestRegistration({ kind: 'dkg-abandon', requestId, requester: workflowId, reason: describeFailure(err) });
    throw err;
  }
  // Bookkeeping only: whatever it answers, deposited keys go on to their registration.
  await markDkgCeremony({ rollupAdmin: input.rollupAdmin, requestId, state: 'deposited' }).catch((err: unknown) =>
    log.warn('could not mark the ceremony deposited in its archive', { requestId, error: describeFailure(err) }),
  );

  batch.setPhase('registering');
  const register: RegistrationRequest = {
    kind: 'dkg-register',
    requestId,
    requester: workflowId,
    rollupAdmin: input.rollupAdmin,
    keyshares,
  };
  await requestRegistration(register);
  const result = await batch.awaitResult(register);
  batch.setPhase('done');
  const registered = result.kind === 'granted' ? [] : result.registered.map((r) => r.pubkey);
  return {
    deposited: pubkeys,
    registered,
    unregistered: pubkeys
      .filter((p) => !registered.includes(p))
      .map((pubkey) => ({
        pubkey,
        reason: result.kind === 'failed' ? `${result.reason} (keyshares stale: resign needed)` : 'no answer',
      })),
  };
}
