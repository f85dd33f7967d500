// Signals, queries and updates, shared by workflows and the client (one definition, one wire name).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  RegistrationHalt,
  RegistrationRequest,
  RegistrationResult,
  ResumeRegistrationsInput,
  ResumeRegistrationsResult,
} from './registrar-types';
import type { HeldKey, NexusValidatorStatus } from './nexus';

/** Self-check: a note delivered by any client (`temporal workflow signal --name ping`). */
export const pingSignal = defineSignal<[PingInput]>('ping');
export const receivedPingsQuery = defineQuery<string[]>('receivedPings');

export interface PingInput {
  note: string;
}

// --- SSV registrar ---------------------------------------------------------------------------

/** A creation workflow hands a request to the registrar. */
export const registrationRequestSignal = defineSignal<[RegistrationRequest]>('registrationRequest');
/** The registrar answers the requester. */
export const registrationResultSignal = defineSignal<[RegistrationResult]>('registrationResult');
export const registrarStatusQuery = defineQuery<RegistrarStatus>('registrarStatus');
/**
 * Whether the registrar holds a request (queued, being served, or its reservation): asked by a
 * creation that has waited long. True, too, while part of the queue is spilled into segments
 * (registrar-queue.ts), whose contents the registrar does not keep in memory.
 */
export const registrarHoldsRequestQuery = defineQuery<boolean, [string]>('registrarHoldsRequest');
/** An operator lifts a halt of SSV registrations (`nexus-bot registrar resume --reason …`); the registrar re-reads the chain first. */
export const resumeRegistrationsUpdate = defineUpdate<ResumeRegistrationsResult, [ResumeRegistrationsInput]>(
  'resumeRegistrations',
);

export interface RegistrarStatus {
  /** Requests waiting, oldest first (at most 200). */
  queue: { requestId: string; kind: string; rollupAdmin?: string; /** When it arrived (ISO). */ queuedAt?: string }[];
  /** All requests waiting in the registrar's memory (`queue` lists the oldest 200 of them). */
  waiting?: number;
  /** Requests waiting in queue segments (after the first of `queue`'s, carried over continue-as-new: registrar-queue.ts). */
  spilledRequests?: number;
  /** The DKG reservation being served, if any. */
  reservation?: { requestId: string; firstNonce: number; count: number; since: string };
  processed: number;
  /** Set while registrations are halted for every rollup (an operator must resume). */
  halted?: RegistrationHalt;
  /** The next owner nonce the registrar knows unused, and the block of the last registration it saw mined. */
  nonceFloor?: number;
  lastRegistrationBlock?: number;
}

// --- rollup monitor --------------------------------------------------------------------------
export interface PauseInput {
  reason: string;
}
export const pauseSignal = defineSignal<[PauseInput]>('pause');
export const resumeSignal = defineSignal('resume');
/** Wake the monitor before its timer: the chain changed (limit, balance, registration). */
export const wakeSignal = defineSignal<[{ reason: string }]>('wake');
export const monitorStatusQuery = defineQuery<MonitorStatus>('status');

/** Sets the monitor's poll interval (a duration such as "30 seconds", 1 second to 1 day); answers with the old and new value. */
export const setPollIntervalUpdate = defineUpdate<{ previous: string; current: string }, [{ interval: string }]>(
  'setPollInterval',
);
/** Makes the monitor look at the chain now; answers with the plan of that look. Refused while paused. */
export const syncNowUpdate = defineUpdate<SyncResult, []>('syncNow');

export interface SyncResult {
  /** Whether the look completed within the wait (false: the monitor is busy with a batch and looks after it). */
  looked: boolean;
  lastPlan?: MonitorStatus['lastPlan'];
  lastError?: string;
  phase: MonitorStatus['phase'];
}

/** Where a batch stands with respect to a pause (invariant 8). */
export interface StepHold {
  /**
   * held: stopped at a safe point until resumed; finishing: inside a step that must finish once
   * begun (it goes on to its end); stopping: running the current step to its end, then holds.
   */
  state: 'held' | 'finishing' | 'stopping';
  /** The step held before, or being finished. */
  step: string;
  since: string;
}

/** A creation or exit batch tells its monitor where it stands (phase, pause). */
export const stepStateSignal = defineSignal<[StepState]>('stepState');

export interface StepState {
  workflowId: string;
  /** Orders a batch's reports (step-reports.ts): the monitor keeps the newest. Absent from batches older than it. */
  order?: number;
  phase: string;
  hold?: StepHold;
  /** A creation batch held before its deposit: its SSV registrations could not go through. */
  funding?: FundingHold;
  /** A DKG creation batch waiting for its operators before reserving any nonce. */
  operators?: OperatorsHold;
}

/** Why a DKG batch waits before its ceremony (nothing reserved), as of its last check of the operators. */
export interface OperatorsHold {
  /** The last check's failure, naming the operator (e.g. "operator 4 at https://… is down"). */
  problem: string;
  since: string;
  lastCheck: string;
  checks: number;
  /** When it checks again (a resume signal checks at once). */
  nextCheck: string;
}

/** Why a creation batch waits before its deposit (nothing deposited), as of its last check. */
export interface FundingHold {
  reason: 'nexus-ssv-short' | 'cluster-liquidatable' | 'cluster-liquidated';
  message: string;
  since: string;
  lastCheck: string;
  checks: number;
}

/** An in-flight batch as the monitor's status shows it. */
export interface InFlightStep {
  workflowId: string;
  count: number;
  /** The batch's phase, as it last reported it. */
  phase?: string;
  hold?: StepHold;
  funding?: FundingHold;
  operators?: OperatorsHold;
}

export interface MonitorStatus {
  rollupAdmin: string;
  keyPath: string;
  phase: 'reading' | 'planning' | 'creating' | 'exiting' | 'idle' | 'paused';
  paused: boolean;
  pauseReason?: string;
  lastPlan?: { at: string; toCreate: number; toExit?: number; reason: string; blockNumber: number };
  /** The poll interval in force. */
  pollInterval: string;
  /** The worker runs in dry-run mode: plans are made and logged, no batch is started. */
  dryRun?: boolean;
  /** The rollup's validators by state: staked per the bridge at the last look, and the bot's batches. */
  validators: { staked?: number; creating: number; exiting: number; unregistered: number };
  /** The creation batch in flight. */
  inFlight?: InFlightStep;
  /** Exit batches in flight (each follows its validators until their ETH is back). */
  exitsInFlight: InFlightStep[];
  validatorsCreated: number;
  /** Validators whose exit completed (accounted in Nexus). */
  validatorsExited: number;
  /** Deposited keys whose keyshares are not registered with SSV (need attention). */
  unregisteredKeys: number;
  /**
   * Exits the limit requires that the bot refuses to start (e.g. DKG keys on Nexus v2024-03, whose
   * validatorExit does not tell SSV): nothing waits for them; an operator must act.
   */
  exitBlocked?: { reason: string; /** Stable label (metric nexus_exits_blocked). */ code: string; count: number };
  /** Keys the pre-deposit guard held in this monitor's batches (none of their ETH sent): how many, the last one and its failed checks. */
  guardHeld?: { count: number; last: string; at: string };
  /** The last comparison of the monitor's memory with the chain, and what it did about the differences. */
  reconciliation?: ReconciliationSummary;
  lastError?: string;
}

// --- creation ------------------------------------------------------------------------------

export const creationStatusQuery = defineQuery<CreationStatus>('creationStatus');

export interface CreationStatus {
  rollupAdmin: string;
  keyPath: string;
  count: number;
  phase:
    'allocating' | 'key-material' | 'awaiting-funding' | 'reserving-nonces' | 'depositing' | 'registering' | 'done';
  /** The batch's validator keys, once made. */
  pubkeys: string[];
  paused: boolean;
  pauseReason?: string;
  hold?: StepHold;
  /** Set while the batch waits for its registrations to become fundable (phase awaiting-funding). */
  funding?: FundingHold;
  /** Set while a DKG batch waits for its operators (phase reserving-nonces, nothing reserved yet). */
  operators?: OperatorsHold;
  /** Set while the batch has waited longer than a check interval for the SSV registrar's answer. */
  registrationWait?: {
    kind: string;
    since: string;
    checks: number;
    /** How often the request was sent again (the registrar no longer held it). */ resent: number;
  };
  /** The pre-deposit guard's verdict, once it ran: keys held (none of their ETH sent), each with the checks it failed. */
  guard?: { held: HeldKey[]; skipped: string[]; blockNumber: number };
  /** A creation in rounds (CreateValidatorsInput.rounds): rounds done, keys deposited so far, keys per round. */
  rounds?: { done: number; deposited: number; size: number };
}

// --- exits -----------------------------------------------------------------------------------

/** An exit batch tells its rollup's monitor that it finished (or failed): the monitor stops counting it as in flight. */
export const exitReportSignal = defineSignal<[ExitReport]>('exitReport');

export interface ExitReport {
  workflowId: string;
  /** Validators whose exit completed: accounted in Nexus (VALIDATOR_EXITED). */
  exited: string[];
  /** Validators the beacon node refused to exit, with its message. */
  rejected: { pubkey: string; reason: string }[];
  /** Set when the batch stopped on an error. */
  error?: string;
}

export const exitStatusQuery = defineQuery<ExitStatus>('exitStatus');

export interface ExitStatus {
  rollupAdmin: string;
  keyPath: string;
  phase: 'broadcasting' | 'notifying-nexus' | 'following' | 'done' | 'failed';
  paused: boolean;
  pauseReason?: string;
  hold?: StepHold;
  /** Validators still on their way out. */
  pending: {
    pubkey: string;
    beaconStatus?: string;
    nexusStatus?: string;
    exitEpoch?: number | null;
    withdrawableEpoch?: number | null;
  }[];
  exited: string[];
  rejected: { pubkey: string; reason: string }[];
  /** Why the batch waits, and until when (ISO time). */
  waiting?: { reason: string; until: string };
  /** Validators an operator must look at (e.g. a DKG key's exit never initiated on the beacon chain). */
  attention?: { pubkey: string; reason: string }[];
}

/** The summary `nexus-bot status` shows of the last reconciliation. */
export interface ReconciliationSummary {
  at: string;
  blockNumber: number;
  submitted: number;
  counts: Partial<Record<NexusValidatorStatus, number>>;
  differences: string[];
  /** What was done about them. */
  actions: string[];
  /** Keys that need an operator (the bot cannot fix them), with why. */
  attention: { pubkey: string; reason: string }[];
  /** Set when the last try did not complete (the fields above are from the last one that did). */
  error?: string;
  errorAt?: string;
}
