// The SSV registrar: the one owner of the Nexus contract's SSV owner-nonce sequence (DESIGN.md
// invariant 4). Creation workflows of every rollup hand it their registrations; it serves them one
// at a time, oldest first, so that every keyshares signature names exactly the next nonce. A DKG
// ceremony first reserves its nonce range: until the ceremony's keyshares are registered (or the
// reservation is given up or times out), nothing else registers.
// After each registration it checks where the key's ValidatorAdded landed: at another nonce than
// its keyshares were signed for, it halts every registration until an operator resumes it.
// This file is the loop; its parts are in registrar/: the memory (state.ts), the handlers, the
// serving of one request (serve.ts) and the queue carried across continue-as-new (carry.ts).
import { allHandlersFinished, condition, continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../activities/interface';
import { READ_OPTIONS } from './activity-options';
import { carryWithinBudget, readBackSegment } from './registrar/carry';
import { installRegistrarHandlers } from './registrar/handlers';
import { HOLDER_CHECK_INTERVAL, msOf, type RegistrarInput } from './registrar/input';
import { reply, serve } from './registrar/serve';
import { RegistrarState } from './registrar/state';
// Kept importable from here: clients and tests name the registrar's input with the workflow.
export type { RegistrarInput } from './registrar/input';

const { isWorkflowRunning } = proxyActivities<BotActivities>(READ_OPTIONS);

export async function ssvRegistrarWorkflow(input: RegistrarInput = {}): Promise<void> {
  const state = new RegistrarState(input);
  const { queue, spilled, tail, queuedAt, reservationTimeout } = state;
  installRegistrarHandlers(state);

  for (;;) {
    const ready = await condition(
      () => state.next() !== undefined || state.segmentDue() || state.shouldContinueAsNew(),
      state.reservation || queue.length > 0 || spilled.length > 0 ? HOLDER_CHECK_INTERVAL : undefined,
    );
    state.reportLongWaits();
    if (!ready && state.reservation) {
      // A holder that was terminated (or timed out) never gives its reservation back: check.
      const held = state.reservation;
      const timedOut = Date.now() - Date.parse(held.since) > msOf(reservationTimeout);
      const gone = !timedOut && !(await isWorkflowRunning({ workflowId: held.requester }));
      if (timedOut || gone) {
        state.reservation = undefined;
        const reason = timedOut
          ? `timed out after ${String(reservationTimeout)}`
          : 'its creation workflow is no longer running';
        log.warn('registrar: DKG reservation given up', { requestId: held.requestId, reason });
        await reply(held.requester, {
          requestId: held.requestId,
          kind: 'failed',
          reason: `reservation of nonces ${held.firstNonce}.. given up: ${reason}`,
          registered: [],
        });
      }
      continue;
    }
    // Between two requests, whatever waits: with several rollups creating, the queue may never
    // run dry, and the history must not grow until Temporal terminates the registrar.
    if (state.shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ssvRegistrarWorkflow>({
        ...input,
        ...(await carryWithinBudget(state)),
        reservation: state.reservation,
        processed: state.processed,
        nonceFloor: state.nonceFloor,
        lastRegistrationBlock: state.lastRegistrationBlock,
        halted: state.halted,
      });
    }
    if (state.segmentDue()) {
      await readBackSegment(state, spilled[0]);
      spilled.shift();
      if (spilled.length === 0) queue.push(...tail.splice(0));
      continue;
    }
    const at = state.next();
    if (at) {
      const [request] = at.list.splice(at.index, 1);
      // A request's messages share its id (a reservation, then its keyshares): forget it only when none waits.
      if (!state.waiting().some((r) => r.requestId === request.requestId)) delete queuedAt[request.requestId];
      state.serving = request.requestId;
      await serve(state, request);
      state.serving = undefined;
      state.processed++;
      state.processedThisRun++;
    }
  }
}
