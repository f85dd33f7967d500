// The registrar's queue across continue-as-new (registrar-queue.ts holds the segments): what does
// not fit the carry budget is spilled into queue segments before the run ends, and read back, a
// segment at a time, once the in-memory head has run dry.
import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import { READ_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { registrationRequestProblem, rejected } from '../message-checks';
import { CARRY_BUDGET_BYTES, releaseQueueSegmentSignal, spillQueue, type SpilledSegment } from '../registrar-queue';
import type { RegistrarInput } from './input';
import type { RegistrarState } from './state';

const { readQueueSegment } = proxyActivities<BotActivities>(READ_OPTIONS);

/**
 * The queue to carry, within the payload limits whatever waits: what does not fit is spilled
 * into queue segments. Requests keep arriving while the segments start: those are spilled in
 * turn, after the rest, until none arrived meanwhile.
 */
export async function carryWithinBudget(
  state: RegistrarState,
): Promise<Pick<RegistrarInput, 'queue' | 'spilled' | 'queuedAt'>> {
  const { queue, spilled, tail, queuedAt } = state;
  state.spilling = true; // arrivals go to `tail` from now on: after everything being spilled
  const segmentCounter = { next: 0 };
  let carried = { queue: queue.splice(0), spilled: spilled.splice(0) };
  let arrivals = tail.splice(0);
  for (;;) {
    carried = await spillQueue({
      ...carried,
      tail: arrivals,
      queuedAt,
      reservedRequestId: state.reservation?.requestId,
      budget: state.input.carryBudgetBytes ?? CARRY_BUDGET_BYTES,
      segmentCounter,
    });
    if (tail.length === 0) break;
    arrivals = tail.splice(0);
  }
  const carriedTimes = Object.fromEntries(
    carried.queue.map((r) => [r.requestId, queuedAt[r.requestId]]).filter(([, at]) => at !== undefined),
  );
  return { ...carried, queuedAt: carriedTimes };
}

/** Appends a segment's requests to the in-memory queue (checked like any signal), then lets the segment end. */
export async function readBackSegment(state: RegistrarState, segment: SpilledSegment): Promise<void> {
  const held = await readQueueSegment({ workflowId: segment.workflowId });
  if (!held || !Array.isArray(held.requests)) {
    // Only an operator (or the namespace's retention) removes a segment's history.
    log.error(
      'registrar: a queue segment is gone or unreadable, its requests are lost: their creations get no answer',
      { segment: segment.workflowId, requests: segment.count },
    );
    return;
  }
  for (const request of held.requests) {
    if (rejected('registrationRequest', registrationRequestProblem(request), request)) continue;
    state.queue.push(request);
    state.queuedAt[request.requestId] ??= held.queuedAt[request.requestId] ?? new Date().toISOString();
  }
  await getExternalWorkflowHandle(segment.workflowId)
    .signal(releaseQueueSegmentSignal)
    .catch((err: unknown) => {
      log.warn('registrar: could not end a queue segment it has read back', {
        segment: segment.workflowId,
        error: describeFailure(err),
      });
    });
}
