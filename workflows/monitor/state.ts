// The rollup monitor's state (issue 16: one class, so that its handlers are one-liners and
// continue-as-new carries `toCarried()`). Everything here is workflow memory, a cache of the chain
// that reconciliation corrects (reconcile.ts); only what cannot be read back is carried.
import { ApplicationFailure } from '@temporalio/workflow';
import type { ExitReport, InFlightStep, MonitorStatus, StepState } from '../../protocol/messages';
import type { RegistrationResult } from '../../protocol/registrar-types';
import { IdentifierError, asRollupAdmin } from '../../protocol/identifiers';
import { MAX_DKG_BATCH } from '../planning';
import { DEFAULT_POLL_INTERVAL, type ExitInFlight, type RollupMonitorInput } from './input';

type Carried = NonNullable<RollupMonitorInput['carried']>;

export class MonitorState {
  readonly status: MonitorStatus;
  pollInterval: string;
  /** Exit batches started by this monitor (or adopted) and not yet reported finished. */
  readonly exitsInFlight: ExitInFlight[];
  /** Exit batches numbered so far (their ids never repeat). */
  exitBatches: number;
  /** Reports of exit batches, settled at the next look. */
  readonly exitReports: ExitReport[] = [];
  /** Validators of exit batches that ended without a report, looked at again. */
  readonly orphanedExits: string[];
  /** Deposited keys whose keyshares are not registered yet. */
  readonly unregistered: Carried['unregistered'];
  /** Registrar requests of this monitor so far (their ids never repeat). */
  reregistrations: number;
  readonly registrationResults: RegistrationResult[] = [];
  /** Set by a wake (signal, update, an exit batch's clean end): the idle wait ends. */
  wakeReason: string | undefined;
  loops = 0;
  /** Completed looks at the chain (a plan made, or the read failed): syncNow waits for the next one. */
  looks = 0;
  /** The order of the newest step report shown, per batch (two sent in one task may arrive swapped). */
  private readonly stepOrders = new Map<string, number>();

  private constructor(
    readonly input: RollupMonitorInput,
    readonly maxBatch: number,
    readonly maxExitBatch: number,
    readonly reconcileEvery: number,
  ) {
    const carried = input.carried;
    this.pollInterval = String(input.pollInterval ?? DEFAULT_POLL_INTERVAL);
    this.status = {
      rollupAdmin: input.rollupAdmin,
      keyPath: input.keyPath,
      pollInterval: this.pollInterval,
      validators: { creating: 0, exiting: 0, unregistered: carried?.unregistered.length ?? 0 },
      phase: 'reading',
      paused: carried?.paused ?? false,
      pauseReason: carried?.pauseReason,
      lastPlan: carried?.lastPlan,
      validatorsCreated: carried?.validatorsCreated ?? 0,
      validatorsExited: carried?.validatorsExited ?? 0,
      unregisteredKeys: carried?.unregistered.length ?? 0,
      exitsInFlight: [],
      exitBlocked: carried?.exitBlocked,
      guardHeld: carried?.guardHeld,
    };
    this.exitsInFlight = [...(carried?.exitsInFlight ?? [])];
    this.exitBatches = carried?.exitBatches ?? 0;
    this.orphanedExits = [...(carried?.orphanedExits ?? [])];
    this.unregistered = [...(carried?.unregistered ?? [])];
    this.reregistrations = carried?.reregistrations ?? 0;
    this.showExits();
  }

  /** The state of a new run, from its input (a first start, or a continue-as-new's carried state). Bad limits fail the run. */
  static fromInput(input: RollupMonitorInput): MonitorState {
    // The input is an edge too: a monitor started by hand (`temporal workflow start`) may name its
    // admin in mixed case; its ids, payloads and reads use the one lower-case form.
    let rollupAdmin;
    try {
      rollupAdmin = asRollupAdmin(input.rollupAdmin, 'rollupAdmin');
    } catch (err) {
      if (err instanceof IdentifierError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
      throw err;
    }
    const maxBatch = Math.min(
      input.maxBatch ?? MAX_DKG_BATCH,
      input.keyPath === 'dkg' ? MAX_DKG_BATCH : Number.MAX_SAFE_INTEGER,
    );
    if (!Number.isInteger(maxBatch) || maxBatch < 1)
      throw ApplicationFailure.nonRetryable(
        `maxBatch must be a positive integer, got ${input.maxBatch}`,
        'InvalidInput',
      );
    const maxExitBatch = input.maxExitBatch ?? 50;
    const reconcileEvery = input.reconcileEveryPolls ?? 12;
    if (!Number.isInteger(reconcileEvery) || reconcileEvery < 1)
      throw ApplicationFailure.nonRetryable(
        `reconcileEveryPolls must be a positive integer, got ${input.reconcileEveryPolls}`,
        'InvalidInput',
      );
    if (!Number.isInteger(maxExitBatch) || maxExitBatch < 1)
      throw ApplicationFailure.nonRetryable(
        `maxExitBatch must be a positive integer, got ${input.maxExitBatch}`,
        'InvalidInput',
      );
    return new MonitorState({ ...input, rollupAdmin }, maxBatch, maxExitBatch, reconcileEvery);
  }

  /** What the next run needs and cannot read back from the chain. */
  toCarried(): Carried {
    const { status } = this;
    return {
      paused: status.paused,
      pauseReason: status.pauseReason,
      validatorsCreated: status.validatorsCreated,
      lastPlan: status.lastPlan,
      unregistered: this.unregistered,
      reregistrations: this.reregistrations,
      exitsInFlight: this.exitsInFlight,
      exitBatches: this.exitBatches,
      validatorsExited: status.validatorsExited,
      orphanedExits: this.orphanedExits,
      exitBlocked: status.exitBlocked,
      guardHeld: status.guardHeld,
    };
  }

  /** Every batch in flight: the creation, then the exit batches. */
  batchIds(): string[] {
    return [
      ...(this.status.inFlight ? [this.status.inFlight.workflowId] : []),
      ...this.exitsInFlight.map((e) => e.workflowId),
    ];
  }

  /** The exit batches as the status shows them. */
  showExits(): void {
    this.status.exitsInFlight = this.exitsInFlight.map((e): InFlightStep => ({
      workflowId: e.workflowId,
      count: e.pubkeys.length,
      phase: e.phase,
      hold: e.hold,
    }));
    this.status.validators.exiting = this.exitsInFlight.reduce((n, e) => n + e.pubkeys.length, 0);
  }

  pause(reason: unknown): void {
    this.status.paused = true;
    this.status.pauseReason = typeof reason === 'string' && reason !== '' ? reason : 'no reason given';
  }

  resume(): void {
    this.status.paused = false;
    this.status.pauseReason = undefined;
  }

  /** A batch's step report: shown on the creation or the exit batch it names, unless a newer one was shown. */
  recordStep(step: StepState): void {
    const { status } = this;
    if (step.order !== undefined) {
      const shown = this.stepOrders.get(step.workflowId);
      if (shown !== undefined && step.order <= shown) return;
      this.stepOrders.set(step.workflowId, step.order);
    }
    if (status.inFlight?.workflowId === step.workflowId)
      status.inFlight = {
        ...status.inFlight,
        phase: step.phase,
        hold: step.hold,
        funding: step.funding,
        operators: step.operators,
      };
    const exit = this.exitsInFlight.find((e) => e.workflowId === step.workflowId);
    if (exit) {
      exit.phase = step.phase;
      exit.hold = step.hold;
      this.showExits();
    }
  }

  setPollInterval(interval: string): { previous: string; current: string } {
    const previous = this.pollInterval;
    this.pollInterval = interval;
    this.status.pollInterval = interval;
    this.wakeReason = `poll interval set to ${interval}`;
    return { previous, current: interval };
  }

  recordExitReport(report: ExitReport): void {
    this.exitReports.push(report);
    // A clean end wakes the monitor (creation may go on); a rejection or an error waits for the
    // next poll, so that a validator the beacon node keeps refusing is not retried in a tight loop.
    if (!report.error && report.rejected.length === 0) this.wakeReason = `exit batch ${report.workflowId} ended`;
  }

  /** The status query's answer. */
  statusView(): MonitorStatus {
    return { ...this.status, validators: { ...this.status.validators, unregistered: this.status.unregisteredKeys } };
  }
}
