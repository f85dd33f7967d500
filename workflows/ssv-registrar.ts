// The SSV registrar: the one owner of the Nexus contract's SSV owner-nonce sequence (DESIGN.md
// invariant 4). Creation workflows of every rollup hand it their registrations; it serves them one
// at a time, oldest first, so that every keyshares signature names exactly the next nonce. A DKG
// ceremony first reserves its nonce range: until the ceremony's keyshares are registered (or the
// reservation is given up or times out), nothing else registers.
// After each registration it checks where the key's ValidatorAdded landed: at another nonce than
// its keyshares were signed for, it halts every registration until an operator resumes it.
// A request's keys are registered by one batch activity (registrar-batch.ts), which stops where
// the registrar would halt; histories from before it replay the per-key activities.
import {
  ApplicationFailure, allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, patched, proxyActivities, setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import type { BotActivities, RegisteredKeyshares } from '../activities/interface';
import { READ_OPTIONS, TRANSACTION_OPTIONS } from './activity-options';
import { registrationRequestProblem, rejected, resumeRegistrationsProblem } from './message-checks';
import { registrarHoldsRequestQuery, registrarStatusQuery, registrationRequestSignal, registrationResultSignal, resumeRegistrationsUpdate } from '../protocol/messages';
import type { RegistrationHalt, RegistrationRequest, RegistrationResult } from '../protocol/registrar-types';
import { describeFailure } from './failures';
import { proxyRoleActivities } from './role-activities';
import { CARRY_BUDGET_BYTES, releaseQueueSegmentSignal, spillQueue, type SpilledSegment } from './registrar-queue';
import { REGISTRAR_BATCH_PATCH, serveDkgBatch, serveMnemonicBatch, type BatchServing } from './registrar-batch';
import { landedOffNonce, viewAfter } from '../protocol/registration-landing';

const { readSsvOwnerNonce, isWorkflowRunning, reportRegistrationsHalted, readQueueSegment } = proxyActivities<BotActivities>(READ_OPTIONS);
/** How many waiting requests the status lists: a query answer is a payload too (the server refuses one over 2 MB). */
const STATUS_LISTED = 200;

/** While a reservation is held or requests wait, how often to check its holder and the waits. */
const HOLDER_CHECK_INTERVAL = '1 minute';
const DEFAULT_REQUEST_WAIT_WARNING = '30 minutes';
const { registerMnemonicKeyshares, registerDkgKeyshares } = proxyRoleActivities<BotActivities>('writer', TRANSACTION_OPTIONS);

interface Reservation {
  requestId: string;
  requester: string;
  rollupAdmin: string;
  firstNonce: number;
  count: number;
  since: string;
}

export interface RegistrarInput {
  /** How long a DKG reservation may hold the sequence before it is given up. */
  reservationTimeout?: Duration;
  /** How long a request may wait in the queue before the registrar reports it (WARN, status); default 30 minutes. */
  requestWaitWarning?: Duration;
  /** Carried across continueAsNew: the queue's head, at most carryBudgetBytes (registrar-queue.ts). */
  queue?: RegistrationRequest[];
  /** Carried: the rest of the queue, in order after `queue`, held by queue-segment workflows. */
  spilled?: SpilledSegment[];
  /** What the registrar carries of its queue, and holds per segment (JSON bytes); default 256 KB. */
  carryBudgetBytes?: number;
  /** When each queued request arrived (ISO time, by request id; carried). */
  queuedAt?: Record<string, string>;
  reservation?: Reservation;
  processed?: number;
  /**
   * The next owner nonce not yet used, as far as the registrar knows (carried): a read of the
   * chain below it is a lagging backend, never used to sign keyshares (owner-nonce-floor.ts).
   */
  nonceFloor?: number;
  /** The block of the last registration seen mined (carried): nonce reads wait for a backend that has reached it. */
  lastRegistrationBlock?: number;
  /** Registrations halted until an operator resumes (carried). */
  halted?: RegistrationHalt;
  /** Tests: continue as new after this many requests instead of the server's suggestion. */
  continueAsNewAfter?: number;
  /** Tests: continue as new once the history has this many events (the server suggests it at 4,096). */
  continueAsNewAtHistoryLength?: number;
}

export async function ssvRegistrarWorkflow(input: RegistrarInput = {}): Promise<void> {
  // The queue, in order: `queue`, then the requests held by the `spilled` segments, then `tail`
  // (arrivals since those were spilled). `tail` is empty whenever nothing is spilled.
  const queue: RegistrationRequest[] = [...(input.queue ?? [])];
  const spilled: SpilledSegment[] = [...(input.spilled ?? [])];
  const tail: RegistrationRequest[] = [];
  /** Set while the queue is being spilled before continue-as-new. */
  let spilling = false;
  let reservation = input.reservation;
  let processed = input.processed ?? 0;
  let processedThisRun = 0;
  let nonceFloor = input.nonceFloor;
  let lastRegistrationBlock = input.lastRegistrationBlock;
  let halted = input.halted;
  const queuedAt: Record<string, string> = { ...input.queuedAt };
  const waitWarning = msOf(input.requestWaitWarning ?? DEFAULT_REQUEST_WAIT_WARNING);
  const warned = new Set<string>();
  /**
   * Registered keys raise the floor (ownerNonce -1: found registered already, nonce unknown) and
   * the block a nonce read must have reached; one that landed off its signed nonce halts everything.
   */
  const used = async (registered: RegisteredKeyshares, rollupAdmin: string): Promise<RegistrationHalt | undefined> => {
    ({ minOwnerNonce: nonceFloor, lastRegistrationBlock } = viewAfter({ minOwnerNonce: nonceFloor, lastRegistrationBlock }, registered));
    const { landed } = registered;
    if (!landed || !landedOffNonce(registered)) return undefined;
    const known = registered.ownerNonce >= 0;
    const signed = known ? `signed for owner nonce ${registered.ownerNonce}` : 'found registered already';
    const halt: RegistrationHalt = {
      reason: `${registered.pubkey} (rollup ${rollupAdmin}) landed at owner nonce ${landed.ownerNonce} (block ${landed.blockNumber}) but its keyshares are ${signed}${landed.signatureValid ? '' : ' and their signature does not fit that nonce'}: SSV nodes ignore this validator`,
      since: new Date().toISOString(), pubkey: registered.pubkey, rollupAdmin,
      signedFor: registered.ownerNonce, landedAt: landed.ownerNonce, blockNumber: landed.blockNumber, txHash: landed.transactionHash,
    };
    halted = halt;
    log.error('registrar: SSV registrations halted for every rollup: a registration landed at the wrong owner nonce; an operator must act, then resume', {
      pubkey: halt.pubkey, rollupAdmin, signedFor: halt.signedFor, landedAt: halt.landedAt, blockNumber: halt.blockNumber, txHash: halt.txHash,
    });
    await reportRegistrationsHalted({ halted: true, reason: halt.reason }).catch((err: unknown) => {
      log.warn('registrar: could not report the halt to the metrics', { error: describeFailure(err) });
    });
    return halt;
  };
  const chainView = () => ({ minOwnerNonce: nonceFloor, lastRegistrationBlock });
  /** The batch path (registrar-batch.ts): one writer activity per request, used() applied to each key. */
  const batchServing: BatchServing = { view: chainView, used, reply };
  const reservationTimeout = input.reservationTimeout ?? '2 hours';

  setHandler(registrationRequestSignal, (request) => {
    // Not thrown: a bad message must not fail the registrar (it serves every rollup).
    if (rejected('registrationRequest', registrationRequestProblem(request), request)) return;
    (spilled.length > 0 || spilling ? tail : queue).push(request);
    queuedAt[request.requestId] ??= new Date().toISOString();
  });
  setHandler(registrarStatusQuery, () => ({
    waiting: queue.length + tail.length,
    spilledRequests: spilled.reduce((n, segment) => n + segment.count, 0),
    queue: [...queue, ...tail].slice(0, STATUS_LISTED).map((r) => ({ requestId: r.requestId, kind: r.kind, rollupAdmin: 'rollupAdmin' in r ? r.rollupAdmin : undefined, queuedAt: queuedAt[r.requestId] })),
    reservation: reservation && { requestId: reservation.requestId, firstNonce: reservation.firstNonce, count: reservation.count, since: reservation.since },
    processed, halted, nonceFloor, lastRegistrationBlock,
  }));
  let serving: string | undefined;
  setHandler(registrarHoldsRequestQuery, (requestId) =>
    spilled.length > 0 || serving === requestId || reservation?.requestId === requestId || [...queue, ...tail].some((r) => r.requestId === requestId));
  let resuming = false;
  setHandler(resumeRegistrationsUpdate, async ({ reason }) => {
    const halt = halted;
    if (!halt) return { resumed: false, ownerNonce: nonceFloor };
    if (resuming) throw ApplicationFailure.nonRetryable('a resume is already in progress', 'ResumeInProgress');
    resuming = true;
    try {
      // The chain, not memory, says where the sequence stands now (the operator may have acted on it).
      const ownerNonce = await readSsvOwnerNonce({ atLeast: nonceFloor, lastRegistrationBlock });
      nonceFloor = ownerNonce;
      halted = undefined;
      log.info('registrar: SSV registrations resumed by an operator', { reason, ownerNonce, halt: halt.reason });
      await reportRegistrationsHalted({ halted: false, reason: `${reason} (owner nonce ${ownerNonce}; halted for: ${halt.reason})` }).catch((err: unknown) => {
        log.warn('registrar: could not report the resume to the metrics', { error: describeFailure(err) });
      });
      return { resumed: true, ownerNonce, halt };
    } finally {
      resuming = false;
    }
  }, {
    validator: (payload) => {
      const problem = resumeRegistrationsProblem(payload);
      if (problem) throw new Error(`resumeRegistrations: ${problem}`);
    },
  });

  /**
   * Where the next request that may run now is: while a reservation is held, only its own messages
   * (never spilled once it is held; they may have arrived after a spill, so the tail is searched too).
   */
  const next = (): { list: RegistrationRequest[]; index: number } | undefined => {
    if (halted) return undefined; // nothing for any rollup; the queue is kept
    if (!reservation) return queue.length > 0 ? { list: queue, index: 0 } : undefined;
    const held = reservation.requestId;
    const own = (r: RegistrationRequest) => r.requestId === held && (r.kind === 'dkg-register' || r.kind === 'dkg-abandon');
    for (const list of [queue, tail]) {
      const index = list.findIndex(own);
      if (index >= 0) return { list, index };
    }
    return undefined;
  };
  /**
   * The first segment is read back when the head ran dry. Not while a reservation is held: its own
   * messages are sent after its grant, so they are in memory (and never spilled), not in a segment.
   */
  const segmentDue = () => !halted && !reservation && spilled.length > 0 && queue.length === 0;
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || (input.continueAsNewAfter !== undefined && processedThisRun >= input.continueAsNewAfter) ||
    (input.continueAsNewAtHistoryLength !== undefined && workflowInfo().historyLength >= input.continueAsNewAtHistoryLength);

  for (;;) {
    const ready = await condition(() => next() !== undefined || segmentDue() || shouldContinueAsNew(), reservation || queue.length > 0 || spilled.length > 0 ? HOLDER_CHECK_INTERVAL : undefined);
    reportLongWaits();
    if (!ready && reservation) {
      // A holder that was terminated (or timed out) never gives its reservation back: check.
      const held = reservation;
      const timedOut = Date.now() - Date.parse(held.since) > msOf(reservationTimeout);
      const gone = !timedOut && !(await isWorkflowRunning({ workflowId: held.requester }));
      if (timedOut || gone) {
        reservation = undefined;
        const reason = timedOut ? `timed out after ${String(reservationTimeout)}` : 'its creation workflow is no longer running';
        log.warn('registrar: DKG reservation given up', { requestId: held.requestId, reason });
        await reply(held.requester, { requestId: held.requestId, kind: 'failed', reason: `reservation of nonces ${held.firstNonce}.. given up: ${reason}`, registered: [] });
      }
      continue;
    }
    // Between two requests, whatever waits: with several rollups creating, the queue may never
    // run dry, and the history must not grow until Temporal terminates the registrar.
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ssvRegistrarWorkflow>({ ...input, ...await carryWithinBudget(), reservation, processed, nonceFloor, lastRegistrationBlock, halted });
    }
    if (segmentDue()) {
      await readBackSegment(spilled[0]);
      spilled.shift();
      if (spilled.length === 0) queue.push(...tail.splice(0));
      continue;
    }
    const at = next();
    if (at) {
      const [request] = at.list.splice(at.index, 1);
      // A request's messages share its id (a reservation, then its keyshares): forget it only when none waits.
      if (![...queue, ...tail].some((r) => r.requestId === request.requestId)) delete queuedAt[request.requestId];
      serving = request.requestId;
      await serve(request);
      serving = undefined;
      processed++;
      processedThisRun++;
    }
  }

  /** A WARN line, once per request, for each request that has waited longer than the warning time. */
  function reportLongWaits(): void {
    const now = Date.now();
    for (const r of [...queue, ...tail]) {
      const since = queuedAt[r.requestId];
      if (!since || warned.has(r.requestId) || now - Date.parse(since) < waitWarning) continue;
      warned.add(r.requestId);
      log.warn('registrar: a registration request has waited too long', {
        requestId: r.requestId, kind: r.kind, rollupAdmin: 'rollupAdmin' in r ? r.rollupAdmin : undefined, queuedAt: since,
        waitingMinutes: Math.floor((now - Date.parse(since)) / 60_000), blockedBy: halted ? `SSV registrations halted since ${halted.since} (an operator must resume)` : reservation ? `the DKG reservation of ${reservation.requestId} (nonces ${reservation.firstNonce}..)` : 'the requests before it',
      });
    }
  }

  /**
   * The queue to carry, within the payload limits whatever waits: what does not fit is spilled
   * into queue segments. Requests keep arriving while the segments start: those are spilled in
   * turn, after the rest, until none arrived meanwhile.
   */
  async function carryWithinBudget(): Promise<Pick<RegistrarInput, 'queue' | 'spilled' | 'queuedAt'>> {
    spilling = true; // arrivals go to `tail` from now on: after everything being spilled
    const segmentCounter = { next: 0 };
    let carried = { queue: queue.splice(0), spilled: spilled.splice(0) };
    let arrivals = tail.splice(0);
    for (;;) {
      carried = await spillQueue({
        ...carried, tail: arrivals, queuedAt, reservedRequestId: reservation?.requestId, budget: input.carryBudgetBytes ?? CARRY_BUDGET_BYTES, segmentCounter,
      });
      if (tail.length === 0) break;
      arrivals = tail.splice(0);
    }
    const carriedTimes = Object.fromEntries(carried.queue.map((r) => [r.requestId, queuedAt[r.requestId]]).filter(([, at]) => at !== undefined));
    return { ...carried, queuedAt: carriedTimes };
  }

  /** Appends a segment's requests to the in-memory queue (checked like any signal), then lets the segment end. */
  async function readBackSegment(segment: SpilledSegment): Promise<void> {
    const held = await readQueueSegment({ workflowId: segment.workflowId });
    if (!held || !Array.isArray(held.requests)) {
      // Only an operator (or the namespace's retention) removes a segment's history.
      log.error('registrar: a queue segment is gone or unreadable, its requests are lost: their creations get no answer', { segment: segment.workflowId, requests: segment.count });
      return;
    }
    for (const request of held.requests) {
      if (rejected('registrationRequest', registrationRequestProblem(request), request)) continue;
      queue.push(request);
      queuedAt[request.requestId] ??= held.queuedAt[request.requestId] ?? new Date().toISOString();
    }
    await getExternalWorkflowHandle(segment.workflowId).signal(releaseQueueSegmentSignal).catch((err: unknown) => {
      log.warn('registrar: could not end a queue segment it has read back', { segment: segment.workflowId, error: describeFailure(err) });
    });
  }

  async function serve(request: RegistrationRequest): Promise<void> {
    switch (request.kind) {
      case 'mnemonic': {
        // Histories from before the batch activity replay their per-key activities below.
        if (patched(REGISTRAR_BATCH_PATCH)) return serveMnemonicBatch(request, batchServing);
        const registered: RegisteredKeyshares[] = [];
        for (const key of request.keys) {
          try {
            const done = await registerMnemonicKeyshares({
              rollupAdmin: request.rollupAdmin, operatorCluster: request.operatorCluster, keyIndex: key.keyIndex, pubkey: key.pubkey, ...chainView(),
            });
            const halt = await used(done, request.rollupAdmin);
            // The rest of the batch is not registered: its keys stay deposited for a later registration.
            if (halt) return reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: `SSV registrations halted: ${halt.reason}`, registered });
            registered.push(done);
          } catch (err) {
            await reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: describeFailure(err), registered });
            return;
          }
        }
        await reply(request.requester, { requestId: request.requestId, kind: 'registered', registered });
        return;
      }
      case 'dkg-reserve': {
        let firstNonce: number;
        try {
          firstNonce = await readSsvOwnerNonce({ atLeast: nonceFloor, lastRegistrationBlock });
        } catch (err) {
          await reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: describeFailure(err), registered: [] });
          return;
        }
        // Nonces below the one read are used: a later read below it is a lagging backend, not a stale ceremony.
        nonceFloor = Math.max(nonceFloor ?? 0, firstNonce);
        reservation = {
          requestId: request.requestId, requester: request.requester, rollupAdmin: request.rollupAdmin,
          firstNonce, count: request.count, since: new Date().toISOString(),
        };
        await reply(request.requester, { requestId: request.requestId, kind: 'granted', firstNonce });
        return;
      }
      case 'dkg-register': {
        const held = reservation;
        reservation = undefined; // whatever happens next, this reservation ends here
        if (!held || held.requestId !== request.requestId) {
          await reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: 'no nonce reservation is held for this request', registered: [] });
          return;
        }
        if (patched(REGISTRAR_BATCH_PATCH)) return serveDkgBatch(request, held.firstNonce, batchServing);
        const registered: RegisteredKeyshares[] = [];
        for (const [i, keyshares] of request.keyshares.entries()) {
          const expected = held.firstNonce + i;
          try {
            if (keyshares.ownerNonce !== expected) {
              throw new Error(`keyshares of ${keyshares.publicKey} are signed for nonce ${keyshares.ownerNonce}, the reservation expects ${expected}`);
            }
            const done = await registerDkgKeyshares({ rollupAdmin: request.rollupAdmin, keyshares, ...chainView() });
            const halt = await used(done, request.rollupAdmin);
            // The ceremony's later keyshares are signed for nonces the sequence has now passed.
            if (halt) return reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: `SSV registrations halted: ${halt.reason}`, registered });
            registered.push(done);
          } catch (err) {
            // The remaining keyshares of this ceremony are now stale: they must be produced again.
            await reply(request.requester, { requestId: request.requestId, kind: 'failed', reason: describeFailure(err), registered });
            return;
          }
        }
        await reply(request.requester, { requestId: request.requestId, kind: 'registered', registered });
        return;
      }
      case 'dkg-abandon': {
        if (reservation?.requestId === request.requestId) {
          log.warn('registrar: DKG reservation given up', { requestId: request.requestId, reason: request.reason });
          reservation = undefined;
        }
        // A reservation still waiting in the queue is dropped too.
        for (const list of [queue, tail]) {
          for (let i = list.length - 1; i >= 0; i--) {
            if (list[i].requestId === request.requestId) list.splice(i, 1);
          }
        }
        return;
      }
    }
  }
}

function msOf(duration: Duration): number {
  return typeof duration === 'number' ? duration : msToNumber(duration);
}

async function reply(requester: string, result: RegistrationResult): Promise<void> {
  try {
    await getExternalWorkflowHandle(requester).signal(registrationResultSignal, result);
  } catch (err) {
    // The requester is gone (terminated, timed out): nothing waits for this answer any more.
    log.warn('registrar: could not answer the requester', { requester, requestId: result.requestId, error: describeFailure(err) });
  }
}

