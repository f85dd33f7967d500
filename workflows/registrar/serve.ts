// Serving one request of the registrar's queue, and answering its creation. A request's keys are
// registered by one batch activity (registrar-batch.ts), which stops where the registrar would
// halt; histories from before it replay the per-key activities here.
import { getExternalWorkflowHandle, log, patched, proxyActivities } from '@temporalio/workflow';
import type { BotActivities, RegisteredKeyshares } from '../../activities/interface';
import { registrationResultSignal } from '../../protocol/messages';
import type { RegistrationRequest, RegistrationResult } from '../../protocol/registrar-types';
import { READ_OPTIONS, TRANSACTION_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { REGISTRAR_BATCH_PATCH, serveDkgBatch, serveMnemonicBatch, type BatchServing } from '../registrar-batch';
import { proxyRoleActivities } from '../role-activities';
import type { RegistrarState } from './state';

const { readSsvOwnerNonce } = proxyActivities<BotActivities>(READ_OPTIONS);
const { registerMnemonicKeyshares, registerDkgKeyshares } = proxyRoleActivities<BotActivities>(
  'writer',
  TRANSACTION_OPTIONS,
);

export async function serve(state: RegistrarState, request: RegistrationRequest): Promise<void> {
  /** The batch path (registrar-batch.ts): one writer activity per request, used() applied to each key. */
  const batchServing: BatchServing = {
    view: () => state.chainView(),
    used: (registered, rollupAdmin) => state.used(registered, rollupAdmin),
    reply,
  };
  switch (request.kind) {
    case 'mnemonic': {
      // Histories from before the batch activity replay their per-key activities below.
      if (patched(REGISTRAR_BATCH_PATCH)) return serveMnemonicBatch(request, batchServing);
      const registered: RegisteredKeyshares[] = [];
      for (const key of request.keys) {
        try {
          const done = await registerMnemonicKeyshares({
            rollupAdmin: request.rollupAdmin,
            operatorCluster: request.operatorCluster,
            keyIndex: key.keyIndex,
            pubkey: key.pubkey,
            ...state.chainView(),
          });
          const halt = await state.used(done, request.rollupAdmin);
          // The rest of the batch is not registered: its keys stay deposited for a later registration.
          if (halt)
            return reply(request.requester, {
              requestId: request.requestId,
              kind: 'failed',
              reason: `SSV registrations halted: ${halt.reason}`,
              registered,
            });
          registered.push(done);
        } catch (err) {
          await reply(request.requester, {
            requestId: request.requestId,
            kind: 'failed',
            reason: describeFailure(err),
            registered,
          });
          return;
        }
      }
      await reply(request.requester, { requestId: request.requestId, kind: 'registered', registered });
      return;
    }
    case 'dkg-reserve': {
      let firstNonce: number;
      try {
        firstNonce = await readSsvOwnerNonce({
          atLeast: state.nonceFloor,
          lastRegistrationBlock: state.lastRegistrationBlock,
        });
      } catch (err) {
        await reply(request.requester, {
          requestId: request.requestId,
          kind: 'failed',
          reason: describeFailure(err),
          registered: [],
        });
        return;
      }
      // Nonces below the one read are used: a later read below it is a lagging backend, not a stale ceremony.
      state.nonceFloor = Math.max(state.nonceFloor ?? 0, firstNonce);
      state.reservation = {
        requestId: request.requestId,
        requester: request.requester,
        rollupAdmin: request.rollupAdmin,
        firstNonce,
        count: request.count,
        since: new Date().toISOString(),
      };
      await reply(request.requester, { requestId: request.requestId, kind: 'granted', firstNonce });
      return;
    }
    case 'dkg-register': {
      const held = state.reservation;
      state.reservation = undefined; // whatever happens next, this reservation ends here
      if (!held || held.requestId !== request.requestId) {
        await reply(request.requester, {
          requestId: request.requestId,
          kind: 'failed',
          reason: 'no nonce reservation is held for this request',
          registered: [],
        });
        return;
      }
      if (patched(REGISTRAR_BATCH_PATCH)) return serveDkgBatch(request, held.firstNonce, batchServing);
      const registered: RegisteredKeyshares[] = [];
      for (const [i, keyshares] of request.keyshares.entries()) {
        const expected = held.firstNonce + i;
        try {
          if (keyshares.ownerNonce !== expected) {
            throw new Error(
              `keyshares of ${keyshares.publicKey} are signed for nonce ${keyshares.ownerNonce}, the reservation expects ${expected}`,
            );
          }
          const done = await registerDkgKeyshares({
            rollupAdmin: request.rollupAdmin,
            keyshares,
            ...state.chainView(),
          });
          const halt = await state.used(done, request.rollupAdmin);
          // The ceremony's later keyshares are signed for nonces the sequence has now passed.
          if (halt)
            return reply(request.requester, {
              requestId: request.requestId,
              kind: 'failed',
              reason: `SSV registrations halted: ${halt.reason}`,
              registered,
            });
          registered.push(done);
        } catch (err) {
          // The remaining keyshares of this ceremony are now stale: they must be produced again.
          await reply(request.requester, {
            requestId: request.requestId,
            kind: 'failed',
            reason: describeFailure(err),
            registered,
          });
          return;
        }
      }
      await reply(request.requester, { requestId: request.requestId, kind: 'registered', registered });
      return;
    }
    case 'dkg-abandon': {
      if (state.reservation?.requestId === request.requestId) {
        log.warn('registrar: DKG reservation given up', { requestId: request.requestId, reason: request.reason });
        state.reservation = undefined;
      }
      // A reservation still waiting in the queue is dropped too.
      for (const list of [state.queue, state.tail]) {
        for (let i = list.length - 1; i >= 0; i--) {
          if (list[i].requestId === request.requestId) list.splice(i, 1);
        }
      }
      return;
    }
  }
}

export async function reply(requester: string, result: RegistrationResult): Promise<void> {
  try {
    await getExternalWorkflowHandle(requester).signal(registrationResultSignal, result);
  } catch (err) {
    // The requester is gone (terminated, timed out): nothing waits for this answer any more.
    log.warn('registrar: could not answer the requester', {
      requester,
      requestId: result.requestId,
      error: describeFailure(err),
    });
  }
}
