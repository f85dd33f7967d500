// The rollup monitor's input and what it carries across continue-as-new (rollup-monitor.ts), in
// a module of their own so that clients, tests and the monitor's helpers read them without the
// workflow itself.
import type { Duration } from '@temporalio/common';
import type { KeyPath } from '../../activities/types';
import type { RollupAdmin } from '../../protocol/identifiers';
import type { MonitorStatus, StepState } from '../../protocol/messages';

/** An exit batch started by this monitor and not yet reported finished. */
export interface ExitInFlight {
  workflowId: string;
  pubkeys: string[];
  /** Where it stands, as it last reported. */
  phase?: string;
  hold?: StepState['hold'];
}

/** Bounds of the poll interval an operator may set (updates are refused outside). */
export const POLL_INTERVAL_BOUNDS_MS = { min: 1_000, max: 24 * 3600_000 };
export const DEFAULT_POLL_INTERVAL = '5 minutes';

export interface RollupMonitorInput {
  /** Normalised where the monitor is started (client/monitors.ts startMonitor): the workflow takes it as it is. */
  rollupAdmin: RollupAdmin;
  keyPath: KeyPath;
  /** How often to look at the chain without a wake signal. */
  pollInterval?: Duration;
  /** Largest batch per creation (capped at 100 for DKG). */
  maxBatch?: number;
  /** Largest exit batch (default 50). */
  maxExitBatch?: number;
  /** How often exit batches look at the beacon chain at least and at most (defaults 1 minute and 6 hours). */
  exitPollInterval?: { min?: Duration; max?: Duration };
  /** Carried across continueAsNew. */
  carried?: Pick<
    MonitorStatus,
    'paused' | 'pauseReason' | 'validatorsCreated' | 'lastPlan' | 'exitBlocked' | 'guardHeld'
  > & {
    unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
    /** Re-registration requests made so far (their ids must not repeat). */
    reregistrations?: number;
    exitsInFlight?: ExitInFlight[];
    exitBatches?: number;
    validatorsExited?: number;
    /** Validators of exit batches that ended without a report (terminated), to be looked at again. */
    orphanedExits?: string[];
  };
  /** Reconcile with the chain on start, after continue-as-new and every this many looks (default 12). */
  reconcileEveryPolls?: number;
  /** Exit batches: epochs without an initiated exit before it is broadcast again or alerted (default 8). */
  rebroadcastAfterEpochs?: number;
  /** Tests: continue as new after this many loops instead of the server's suggestion. */
  continueAsNewAfterLoops?: number;
}
