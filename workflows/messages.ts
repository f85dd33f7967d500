// Signals, queries and updates, shared by workflows and the client (one definition, one wire name).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RegistrationRequest, RegistrationResult } from './registrar-types';

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

export interface RegistrarStatus {
  /** Requests waiting, oldest first. */
  queue: { requestId: string; kind: string; rollupAdmin?: string }[];
  /** The DKG reservation being served, if any. */
  reservation?: { requestId: string; firstNonce: number; count: number; since: string };
  processed: number;
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

export interface MonitorStatus {
  rollupAdmin: string;
  keyPath: string;
  phase: 'reading' | 'planning' | 'creating' | 'exiting' | 'idle' | 'paused';
  paused: boolean;
  pauseReason?: string;
  lastPlan?: { at: string; toCreate: number; toExit?: number; reason: string; blockNumber: number };
  /** The creation batch in flight. */
  inFlight?: { workflowId: string; count: number };
  /** Exit batches in flight (each follows its validators until their ETH is back). */
  exitsInFlight: { workflowId: string; count: number }[];
  validatorsCreated: number;
  /** Validators whose exit completed (accounted in Nexus). */
  validatorsExited: number;
  /** Deposited keys whose keyshares are not registered with SSV (need attention). */
  unregisteredKeys: number;
  lastError?: string;
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
  /** Validators still on their way out. */
  pending: { pubkey: string; beaconStatus?: string; nexusStatus?: string; exitEpoch?: number | null; withdrawableEpoch?: number | null }[];
  exited: string[];
  rejected: { pubkey: string; reason: string }[];
  /** Why the batch waits, and until when (ISO time). */
  waiting?: { reason: string; until: string };
}
