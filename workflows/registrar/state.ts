// The SSV registrar's memory (issue 16: one class, as the monitor's MonitorState): the queue, the
// DKG reservation, the owner-nonce view and the halt. Its handlers, its serving and its loop read
// and change it here; continue-as-new carries what the next run needs (carry.ts).
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common/lib/time';
import type { BotActivities, RegisteredKeyshares } from '../../activities/interface';
import type { RegistrationHalt, RegistrationRequest } from '../../protocol/registrar-types';
import { landedOffNonce, viewAfter, type RegistrationView } from '../../protocol/registration-landing';
import { READ_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import type { SpilledSegment } from '../registrar-queue';
import {
  DEFAULT_REQUEST_WAIT_WARNING,
  DEFAULT_RESERVATION_TIMEOUT,
  msOf,
  type RegistrarInput,
  type Reservation,
} from './input';

const { reportRegistrationsHalted } = proxyActivities<BotActivities>(READ_OPTIONS);

export class RegistrarState {
  // The queue, in order: `queue`, then the requests held by the `spilled` segments, then `tail`
  // (arrivals since those were spilled). `tail` is empty whenever nothing is spilled.
  readonly queue: RegistrationRequest[];
  readonly spilled: SpilledSegment[];
  readonly tail: RegistrationRequest[] = [];
  /** Set while the queue is being spilled before continue-as-new. */
  spilling = false;
  reservation: Reservation | undefined;
  processed: number;
  processedThisRun = 0;
  nonceFloor: number | undefined;
  lastRegistrationBlock: number | undefined;
  halted: RegistrationHalt | undefined;
  readonly queuedAt: Record<string, string>;
  /** The request being served now. */
  serving: string | undefined;
  readonly waitWarning: number;
  private readonly warned = new Set<string>();
  readonly reservationTimeout: Duration;

  constructor(readonly input: RegistrarInput) {
    this.queue = [...(input.queue ?? [])];
    this.spilled = [...(input.spilled ?? [])];
    this.reservation = input.reservation;
    this.processed = input.processed ?? 0;
    this.nonceFloor = input.nonceFloor;
    this.lastRegistrationBlock = input.lastRegistrationBlock;
    this.halted = input.halted;
    this.queuedAt = { ...input.queuedAt };
    this.waitWarning = msOf(input.requestWaitWarning ?? DEFAULT_REQUEST_WAIT_WARNING);
    this.reservationTimeout = input.reservationTimeout ?? DEFAULT_RESERVATION_TIMEOUT;
  }

  /** The requests waiting in memory, in order (the spilled ones are not). */
  waiting(): RegistrationRequest[] {
    return [...this.queue, ...this.tail];
  }

  chainView(): RegistrationView {
    return { minOwnerNonce: this.nonceFloor, lastRegistrationBlock: this.lastRegistrationBlock };
  }

  /**
   * Registered keys raise the floor (ownerNonce -1: found registered already, nonce unknown) and
   * the block a nonce read must have reached; one that landed off its signed nonce halts everything.
   */
  async used(registered: RegisteredKeyshares, rollupAdmin: string): Promise<RegistrationHalt | undefined> {
    ({ minOwnerNonce: this.nonceFloor, lastRegistrationBlock: this.lastRegistrationBlock } = viewAfter(
      this.chainView(),
      registered,
    ));
    const { landed } = registered;
    if (!landed || !landedOffNonce(registered)) return undefined;
    const known = registered.ownerNonce >= 0;
    const signed = known ? `signed for owner nonce ${registered.ownerNonce}` : 'found registered already';
    const halt: RegistrationHalt = {
      reason: `${registered.pubkey} (rollup ${rollupAdmin}) landed at owner nonce ${landed.ownerNonce} (block ${landed.blockNumber}) but its keyshares are ${signed}${landed.signatureValid ? '' : ' and their signature does not fit that nonce'}: SSV nodes ignore this validator`,
      since: new Date().toISOString(),
      pubkey: registered.pubkey,
      rollupAdmin,
      signedFor: registered.ownerNonce,
      landedAt: landed.ownerNonce,
      blockNumber: landed.blockNumber,
      txHash: landed.transactionHash,
    };
    this.halted = halt;
    log.error(
      'registrar: SSV registrations halted for every rollup: a registration landed at the wrong owner nonce; an operator must act, then resume',
      {
        pubkey: halt.pubkey,
        rollupAdmin,
        signedFor: halt.signedFor,
        landedAt: halt.landedAt,
        blockNumber: halt.blockNumber,
        txHash: halt.txHash,
      },
    );
    await reportRegistrationsHalted({ halted: true, reason: halt.reason }).catch((err: unknown) => {
      log.warn('registrar: could not report the halt to the metrics', { error: describeFailure(err) });
    });
    return halt;
  }

  /**
   * Where the next request that may run now is: while a reservation is held, only its own messages
   * (never spilled once it is held; they may have arrived after a spill, so the tail is searched too).
   */
  next(): { list: RegistrationRequest[]; index: number } | undefined {
    if (this.halted) return undefined; // nothing for any rollup; the queue is kept
    if (!this.reservation) return this.queue.length > 0 ? { list: this.queue, index: 0 } : undefined;
    const held = this.reservation.requestId;
    const own = (r: RegistrationRequest) =>
      r.requestId === held && (r.kind === 'dkg-register' || r.kind === 'dkg-abandon');
    for (const list of [this.queue, this.tail]) {
      const index = list.findIndex(own);
      if (index >= 0) return { list, index };
    }
    return undefined;
  }

  /**
   * The first segment is read back when the head ran dry. Not while a reservation is held: its own
   * messages are sent after its grant, so they are in memory (and never spilled), not in a segment.
   */
  segmentDue(): boolean {
    return !this.halted && !this.reservation && this.spilled.length > 0 && this.queue.length === 0;
  }

  shouldContinueAsNew(): boolean {
    const { input } = this;
    return (
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfter !== undefined && this.processedThisRun >= input.continueAsNewAfter) ||
      (input.continueAsNewAtHistoryLength !== undefined &&
        workflowInfo().historyLength >= input.continueAsNewAtHistoryLength)
    );
  }

  /** A WARN line, once per request, for each request that has waited longer than the warning time. */
  reportLongWaits(): void {
    const now = Date.now();
    const { halted, reservation } = this;
    for (const r of this.waiting()) {
      const since = this.queuedAt[r.requestId];
      if (!since || this.warned.has(r.requestId) || now - Date.parse(since) < this.waitWarning) continue;
      this.warned.add(r.requestId);
      log.warn('registrar: a registration request has waited too long', {
        requestId: r.requestId,
        kind: r.kind,
        rollupAdmin: 'rollupAdmin' in r ? r.rollupAdmin : undefined,
        queuedAt: since,
        waitingMinutes: Math.floor((now - Date.parse(since)) / 60_000),
        blockedBy: halted
          ? `SSV registrations halted since ${halted.since} (an operator must resume)`
          : reservation
            ? `the DKG reservation of ${reservation.requestId} (nonces ${reservation.firstNonce}..)`
            : 'the requests before it',
      });
    }
  }
}
