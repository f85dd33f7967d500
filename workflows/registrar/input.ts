// The SSV registrar's input (what continue-as-new carries) and its fixed timings.
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import type { RegistrationHalt, RegistrationRequest } from '../../protocol/registrar-types';
import type { SpilledSegment } from '../registrar-queue';

/** How many waiting requests the status lists: a query answer is a payload too (the server refuses one over 2 MB). */
export const STATUS_LISTED = 200;

/** While a reservation is held or requests wait, how often to check its holder and the waits. */
export const HOLDER_CHECK_INTERVAL = '1 minute';
export const DEFAULT_REQUEST_WAIT_WARNING = '30 minutes';
export const DEFAULT_RESERVATION_TIMEOUT = '2 hours';

export interface Reservation {
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

export function msOf(duration: Duration): number {
  return typeof duration === 'number' ? duration : msToNumber(duration);
}
