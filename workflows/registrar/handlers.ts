// The registrar's signal, query and update handlers over RegistrarState. A bad request is dropped
// with an ERROR (message-checks.ts), never thrown: the registrar serves every rollup.
import { ApplicationFailure, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import {
  registrarHoldsRequestQuery,
  registrarStatusQuery,
  registrationRequestSignal,
  resumeRegistrationsUpdate,
} from '../../protocol/messages';
import { READ_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { registrationRequestProblem, rejected, resumeRegistrationsProblem } from '../message-checks';
import { STATUS_LISTED } from './input';
import type { RegistrarState } from './state';

const { readSsvOwnerNonce, reportRegistrationsHalted } = proxyActivities<BotActivities>(READ_OPTIONS);

export function installRegistrarHandlers(state: RegistrarState): void {
  const { queue, tail, spilled, queuedAt } = state;
  setHandler(registrationRequestSignal, (request) => {
    // Not thrown: a bad message must not fail the registrar (it serves every rollup).
    if (rejected('registrationRequest', registrationRequestProblem(request), request)) return;
    (spilled.length > 0 || state.spilling ? tail : queue).push(request);
    queuedAt[request.requestId] ??= new Date().toISOString();
  });
  setHandler(registrarStatusQuery, () => {
    const { reservation, processed, halted, nonceFloor, lastRegistrationBlock } = state;
    return {
      waiting: queue.length + tail.length,
      spilledRequests: spilled.reduce((n, segment) => n + segment.count, 0),
      queue: state
        .waiting()
        .slice(0, STATUS_LISTED)
        .map((r) => ({
          requestId: r.requestId,
          kind: r.kind,
          rollupAdmin: 'rollupAdmin' in r ? r.rollupAdmin : undefined,
          queuedAt: queuedAt[r.requestId],
        })),
      reservation: reservation && {
        requestId: reservation.requestId,
        firstNonce: reservation.firstNonce,
        count: reservation.count,
        since: reservation.since,
      },
      processed,
      halted,
      nonceFloor,
      lastRegistrationBlock,
    };
  });
  setHandler(
    registrarHoldsRequestQuery,
    (requestId) =>
      spilled.length > 0 ||
      state.serving === requestId ||
      state.reservation?.requestId === requestId ||
      state.waiting().some((r) => r.requestId === requestId),
  );
  let resuming = false;
  setHandler(
    resumeRegistrationsUpdate,
    async ({ reason }) => {
      const halt = state.halted;
      if (!halt) return { resumed: false, ownerNonce: state.nonceFloor };
      if (resuming) throw ApplicationFailure.nonRetryable('a resume is already in progress', 'ResumeInProgress');
      resuming = true;
      try {
        // The chain, not memory, says where the sequence stands now (the operator may have acted on it).
        const ownerNonce = await readSsvOwnerNonce({
          atLeast: state.nonceFloor,
          lastRegistrationBlock: state.lastRegistrationBlock,
        });
        state.nonceFloor = ownerNonce;
        state.halted = undefined;
        log.info('registrar: SSV registrations resumed by an operator', { reason, ownerNonce, halt: halt.reason });
        await reportRegistrationsHalted({
          halted: false,
          reason: `${reason} (owner nonce ${ownerNonce}; halted for: ${halt.reason})`,
        }).catch((err: unknown) => {
          log.warn('registrar: could not report the resume to the metrics', { error: describeFailure(err) });
        });
        return { resumed: true, ownerNonce, halt };
      } finally {
        resuming = false;
      }
    },
    {
      validator: (payload) => {
        const problem = resumeRegistrationsProblem(payload);
        if (problem) throw new Error(`resumeRegistrations: ${problem}`);
      },
    },
  );
}
