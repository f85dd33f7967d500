// Timeouts and retry policies per group of activities (one place, so that operators can read how
// long the bot keeps trying, and which failures stop it at once).
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../protocol/failure-types';

/** Reads: quick, retried for long (a node outage delays, never loses). */
export const READ_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/** Key material (derivation, DKG ceremonies): minutes, heartbeating, retried with backoff. */
export const KEY_MATERIAL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * DKG operators' health, before any nonce is reserved: one attempt per check. The creation batch
 * checks again itself (durable timer, backoff up to 5 minutes, without limit, holding nothing) and
 * shows why it waits: an operator that is down only delays the batch; a wrong version or key stops it.
 */
export const DKG_HEALTH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES] },
};

/** The creation batch's waits between two checks of its DKG operators. */
export const DKG_HEALTH_RECHECK = { initialMs: 10_000, maximumMs: 5 * 60_000 } as const;

/**
 * A DKG ceremony on reserved nonces: a few attempts only (an archived ceremony is reused by a
 * retry), then the batch fails and gives its nonces back, because the reservation holds every
 * rollup's registrations. The deadline of one `ssv-dkg init` is the activity's own (dkg.ceremonyTimeout).
 */
export const DKG_CEREMONY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * The pre-deposit guard: its log indexes may have a long way to catch up (a first build on mainnet
 * scans the deposit contract's history), so it heartbeats per chunk and a retry resumes from the
 * persisted cursor. Retried without limit: an RPC or beacon outage delays the deposit, never skips the checks.
 */
export const GUARD_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/** Transactions: they wait for confirmations and may replace a stuck transaction. */
export const TRANSACTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * A batch of SSV registrations in one activity (registration-batch.ts): one transaction mined per
 * key, so a batch of 50 at 12-s blocks runs about 10 minutes, more when fees are bumped. It
 * heartbeats its progress after each key and every 20 s while a key waits, so a worker that is
 * gone is noticed within the heartbeat timeout; the start-to-close timeout only bounds an attempt
 * that heartbeats but never ends. A retry resumes after the keys the last heartbeat lists.
 */
export const REGISTRATION_BATCH_OPTIONS: ActivityOptions = {
  ...TRANSACTION_OPTIONS,
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '1 minute',
};

/** Handing a message to another workflow. */
export const SIGNAL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/**
 * Broadcasting exits: key derivation plus the beacon node. Retried without an attempt limit: a
 * beacon node that is down delays the exits, it must not fail the batch (nothing was sent yet).
 */
export const EXIT_BROADCAST_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * Reconciliation reads every key of a rollup (minutes for tens of thousands): a few attempts, then
 * the monitor goes on with its cache and reconciles again at its next turn (a node down must not
 * stop planning).
 */
export const RECONCILE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * Quick reads and hand-offs run as local activities where history events count (issue 15 item 3):
 * one MarkerRecorded each, inside the workflow task that needs them, instead of three activity
 * events and a workflow task of their own. Only activities of the general queue (the workflow
 * worker runs them), short ones, with no heartbeat: a retry past a minute of local attempts goes
 * on a durable timer, as the SDK does for every local activity.
 */
export const LOCAL_READ_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: READ_OPTIONS.startToCloseTimeout,
  retry: READ_OPTIONS.retry,
};
export const LOCAL_SIGNAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: SIGNAL_OPTIONS.startToCloseTimeout,
  retry: SIGNAL_OPTIONS.retry,
};
