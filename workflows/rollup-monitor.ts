// One long-lived monitor per rollup (an entity workflow, id derived from the rollup admin): read
// the rollup's state, plan, create the validators the bridge allows (one creation at a time) or
// start an exit batch when the rollup is above its limit, then sleep until the poll interval
// passes or a `wake` signal says the chain changed. Creations and exits never run at once for one
// rollup: no creation starts while an exit batch is in flight, and exits are only planned between
// creations. It continues as new, idle and with its handlers drained, long before the history
// grows large; exit batches outlive that (they report back by signal).
import {
  ApplicationFailure, ParentClosePolicy, WorkflowIdReusePolicy, allHandlersFinished, condition, continueAsNew,
  executeChild, log, proxyActivities, setHandler, startChild, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type Duration } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import type { KeyPath } from '../activities/types';
import { PhaseAttribute } from '../temporal-config/search-attributes';
import { READ_OPTIONS, SIGNAL_OPTIONS } from './activity-options';
import { createValidatorsWorkflow } from './create-validators';
import { describeFailure } from './failures';
import {
  exitReportSignal, monitorStatusQuery, pauseSignal, registrationResultSignal, resumeSignal, wakeSignal, type ExitReport, type MonitorStatus,
} from './messages';
import { exitValidatorsWorkflow } from './exit-validators';
import type { RegistrationResult } from './registrar-types';
import { planCreation, planExits, MAX_DKG_BATCH } from './planning';
import { creationWorkflowId, exitWorkflowId } from './ids';

const { readRollup, readExitCandidates } = proxyActivities<BotActivities>(READ_OPTIONS);
const { requestRegistration, isWorkflowRunning } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);

/** An exit batch started by this monitor and not yet reported finished. */
export interface ExitInFlight {
  workflowId: string;
  pubkeys: string[];
}

export interface RollupMonitorInput {
  rollupAdmin: string;
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
  carried?: Pick<MonitorStatus, 'paused' | 'pauseReason' | 'validatorsCreated' | 'lastPlan'> & {
    unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
    /** Re-registration requests made so far (their ids must not repeat). */
    reregistrations?: number;
    exitsInFlight?: ExitInFlight[];
    exitBatches?: number;
    validatorsExited?: number;
  };
  /** Tests: continue as new after this many loops instead of the server's suggestion. */
  continueAsNewAfterLoops?: number;
}

export async function rollupMonitorWorkflow(input: RollupMonitorInput): Promise<never> {
  const maxBatch = Math.min(input.maxBatch ?? MAX_DKG_BATCH, input.keyPath === 'dkg' ? MAX_DKG_BATCH : Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw ApplicationFailure.nonRetryable(`maxBatch must be a positive integer, got ${input.maxBatch}`, 'InvalidInput');
  const status: MonitorStatus = {
    rollupAdmin: input.rollupAdmin,
    keyPath: input.keyPath,
    phase: 'reading',
    paused: input.carried?.paused ?? false,
    pauseReason: input.carried?.pauseReason,
    lastPlan: input.carried?.lastPlan,
    validatorsCreated: input.carried?.validatorsCreated ?? 0,
    validatorsExited: input.carried?.validatorsExited ?? 0,
    unregisteredKeys: input.carried?.unregistered.length ?? 0,
    exitsInFlight: [],
  };
  const maxExitBatch = input.maxExitBatch ?? 50;
  if (!Number.isInteger(maxExitBatch) || maxExitBatch < 1) throw ApplicationFailure.nonRetryable(`maxExitBatch must be a positive integer, got ${input.maxExitBatch}`, 'InvalidInput');
  const exitsInFlight: ExitInFlight[] = [...(input.carried?.exitsInFlight ?? [])];
  let exitBatches = input.carried?.exitBatches ?? 0;
  const exitReports: ExitReport[] = [];
  const showExits = () => {
    status.exitsInFlight = exitsInFlight.map((e) => ({ workflowId: e.workflowId, count: e.pubkeys.length }));
  };
  showExits();
  const unregistered = [...(input.carried?.unregistered ?? [])];
  let wakeReason: string | undefined;
  let loops = 0;
  let reregistrations = input.carried?.reregistrations ?? 0;
  const registrationResults: RegistrationResult[] = [];

  setHandler(pauseSignal, (pause) => {
    status.paused = true;
    status.pauseReason = typeof pause?.reason === 'string' && pause.reason !== '' ? pause.reason : 'no reason given';
  });
  setHandler(resumeSignal, () => {
    status.paused = false;
    status.pauseReason = undefined;
  });
  setHandler(wakeSignal, (wake) => {
    wakeReason = typeof wake?.reason === 'string' ? wake.reason : 'woken';
  });
  setHandler(monitorStatusQuery, () => ({ ...status }));
  setHandler(registrationResultSignal, (result) => {
    registrationResults.push(result);
  });
  setHandler(exitReportSignal, (report) => {
    exitReports.push(report);
    // A clean end wakes the monitor (creation may go on); a rejection or an error waits for the
    // next poll, so that a validator the beacon node keeps refusing is not retried in a tight loop.
    if (!report.error && report.rejected.length === 0) wakeReason = `exit batch ${report.workflowId} ended`;
  });

  const setPhase = (phase: MonitorStatus['phase']) => {
    status.phase = phase;
    upsertSearchAttributes([{ key: PhaseAttribute, value: phase }]);
  };
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || (input.continueAsNewAfterLoops !== undefined && loops >= input.continueAsNewAfterLoops);

  for (;;) {
    loops++;
    if (status.paused) {
      // Invariant 8: a paused rollup starts nothing; it only waits (or continues as new).
      setPhase('paused');
      await condition(() => !status.paused || shouldContinueAsNew());
    }
    // After a batch, look again at once: the bridge may allow another.
    const created = !status.paused && (await monitorOnce());
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof rollupMonitorWorkflow>({
        ...input,
        carried: {
          paused: status.paused, pauseReason: status.pauseReason, validatorsCreated: status.validatorsCreated, lastPlan: status.lastPlan, unregistered, reregistrations,
          exitsInFlight, exitBatches, validatorsExited: status.validatorsExited,
        },
      });
    }
    if (!status.paused && !created) {
      setPhase('idle');
      wakeReason = undefined;
      await condition(() => wakeReason !== undefined || status.paused || shouldContinueAsNew(), input.pollInterval ?? '5 minutes');
      if (wakeReason) log.info('monitor woken', { reason: wakeReason });
    }
  }

  /**
   * Deposited mnemonic keys whose keyshares failed to register are registered again: their keys
   * are re-derived from the recorded index for the nonce current at registration. (DKG keyshares
   * are signed for a fixed nonce: they stay listed, and need a resign.)
   */
  async function reregisterMnemonicKeys(): Promise<void> {
    const keys = unregistered.filter((u): u is typeof u & { keyIndex: number } => u.keyIndex !== undefined);
    if (keys.length === 0 || status.paused) return;
    const snapshot = await readRollup({ rollupAdmin: input.rollupAdmin }).catch(() => undefined);
    if (!snapshot) return;
    const requestId = `${workflowInfo().workflowId}/reregister-${++reregistrations}`;
    setPhase('creating');
    await requestRegistration({
      kind: 'mnemonic', requestId, requester: workflowInfo().workflowId, rollupAdmin: input.rollupAdmin,
      operatorCluster: snapshot.operatorCluster, keys: keys.map((k) => ({ pubkey: k.pubkey, keyIndex: k.keyIndex })),
    });
    const answered = await condition(() => registrationResults.some((r) => r.requestId === requestId), '1 hour');
    const result = registrationResults.find((r) => r.requestId === requestId);
    registrationResults.length = 0;
    if (!answered || !result || result.kind === 'granted') return;
    const done = new Set(result.registered.map((r) => r.pubkey));
    for (let i = unregistered.length - 1; i >= 0; i--) if (done.has(unregistered[i].pubkey)) unregistered.splice(i, 1);
    status.unregisteredKeys = unregistered.length;
    status.lastError = result.kind === 'failed' ? `${unregistered.length} deposited key(s) not registered with SSV: ${result.reason}` : undefined;
  }

  /** Exit batches that reported, or that ended without a report (terminated), leave the in-flight list. */
  async function settleExits(): Promise<void> {
    for (const report of exitReports.splice(0)) {
      const i = exitsInFlight.findIndex((e) => e.workflowId === report.workflowId);
      if (i >= 0) exitsInFlight.splice(i, 1);
      status.validatorsExited += report.exited.length;
      if (report.error || report.rejected.length > 0) {
        status.lastError = `exit batch ${report.workflowId}: ${report.error ?? ''}${report.rejected.length > 0 ? ` ${report.rejected.length} exit(s) rejected, first: ${report.rejected[0].reason}` : ''}`.trim();
      }
    }
    for (const exit of [...exitsInFlight]) {
      if (await isWorkflowRunning({ workflowId: exit.workflowId })) continue;
      // Give a report sent just before the batch closed the chance to arrive first.
      if (exitReports.some((r) => r.workflowId === exit.workflowId)) continue;
      exitsInFlight.splice(exitsInFlight.indexOf(exit), 1);
      status.lastError = `exit batch ${exit.workflowId} ended without a report (terminated?): its validators are counted from chain state again`;
    }
    showExits();
  }

  /**
   * Above the limit: the smallest number of exits that brings the ratio back, counting every
   * validator already leaving (this monitor's batches, and what Nexus and the beacon node show),
   * then one exit batch of the longest-active validators.
   */
  async function planAndStartExits(snapshot: Awaited<ReturnType<typeof readRollup>>): Promise<void> {
    const inFlight = exitsInFlight.flatMap((e) => e.pubkeys);
    const state = { bridgeBalanceWei: BigInt(snapshot.bridgeBalanceWei), validatorCount: BigInt(snapshot.validatorCount), stakingLimitBps: snapshot.stakingLimitBps };
    const upper = planExits({ ...state, exiting: inFlight.length, maxBatch: maxExitBatch });
    if (upper.toExit === 0) {
      if (exitsInFlight.length > 0) status.lastPlan = { at: new Date().toISOString(), toCreate: 0, toExit: 0, reason: `${upper.reason}; ${exitsInFlight.length} exit batch(es) in flight`, blockNumber: snapshot.blockNumber };
      return;
    }
    const found = await readExitCandidates({ rollupAdmin: input.rollupAdmin, exclude: inFlight, maxCandidates: upper.toExit });
    const plan = planExits({ ...state, exiting: inFlight.length + found.exitingElsewhere.length, maxBatch: maxExitBatch });
    status.lastPlan = { at: new Date().toISOString(), toCreate: 0, toExit: plan.toExit, reason: plan.reason, blockNumber: snapshot.blockNumber };
    if (status.paused) return;
    const chosen = found.candidates.slice(0, plan.toExit);
    if (chosen.length < plan.toExit) {
      status.lastError = `${plan.toExit} exit(s) needed but only ${chosen.length} validator(s) can exit now (${found.notActive} not active on the beacon chain yet)`;
    }
    // Validators leaving on the beacon chain that Nexus was never told about join the batch (no
    // second broadcast: the batch skips those the beacon node shows leaving), so they get accounted.
    const batch = [...found.untracked, ...chosen].slice(0, Math.max(maxExitBatch, found.untracked.length));
    if (batch.length === 0) return;
    setPhase('exiting');
    for (;;) {
      const workflowId = exitWorkflowId(input.rollupAdmin, ++exitBatches);
      try {
        await startChild(exitValidatorsWorkflow, {
          workflowId,
          args: [{
            rollupAdmin: input.rollupAdmin, keyPath: input.keyPath, validators: batch, reportTo: workflowInfo().workflowId,
            minPollInterval: input.exitPollInterval?.min, maxPollInterval: input.exitPollInterval?.max,
          }],
          // An exit batch follows its validators for days and must outlive this run (continueAsNew,
          // a reset, a termination): it reports back by signal to the monitor's workflow id.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
        exitsInFlight.push({ workflowId, pubkeys: batch.map((c) => c.pubkey) });
        showExits();
        log.info('exit batch started', { workflowId, toExit: chosen.length, adopted: found.untracked.length, reason: plan.reason });
        return;
      } catch (err) {
        // A monitor started afresh counts its batches from 1 again: skip the numbers already used.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
  }

  async function exitsIfNeeded(snapshot: Awaited<ReturnType<typeof readRollup>>): Promise<void> {
    try {
      await planAndStartExits(snapshot);
    } catch (err) {
      status.lastError = describeFailure(err);
      log.warn('exit planning did not complete', { error: status.lastError });
    }
  }

  /** One look at the chain and, if the bridge allows more validators, one creation batch. True if one was created. */
  async function monitorOnce(): Promise<boolean> {
    await reregisterMnemonicKeys();
    await settleExits();
    setPhase('reading');
    let snapshot;
    try {
      snapshot = await readRollup({ rollupAdmin: input.rollupAdmin });
    } catch (err) {
      status.lastError = describeFailure(err);
      return false;
    }
    setPhase('planning');
    if (exitsInFlight.length > 0) {
      // Never create while validators of this rollup are leaving; only more exits may be needed.
      await exitsIfNeeded(snapshot);
      return false;
    }
    const plan = planCreation({
      bridgeBalanceWei: BigInt(snapshot.bridgeBalanceWei),
      validatorCount: BigInt(snapshot.validatorCount),
      stakingLimitBps: snapshot.stakingLimitBps,
      pendingDeposits: 0, // one creation at a time, awaited below: nothing is pending between loops
      maxBatch,
    });
    status.lastPlan = { at: new Date().toISOString(), toCreate: plan.toCreate, toExit: 0, reason: plan.reason, blockNumber: snapshot.blockNumber };
    if (plan.toCreate === 0) {
      if (!status.paused) await exitsIfNeeded(snapshot);
      return false;
    }
    if (status.paused) return false;

    setPhase('creating');
    const workflowId = creationWorkflowId(input.rollupAdmin);
    status.inFlight = { workflowId, count: plan.toCreate };
    try {
      const result = await executeChild(createValidatorsWorkflow, {
        workflowId,
        args: [{ rollupAdmin: input.rollupAdmin, bridge: snapshot.bridge, operatorCluster: snapshot.operatorCluster, keyPath: input.keyPath, count: plan.toCreate }],
        // The batch finishes even if the monitor is terminated or reset: a half-done deposit must
        // not be cut off. Its fixed id means a second creation for this rollup cannot start.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      status.validatorsCreated += result.deposited.length;
      unregistered.push(...result.unregistered);
      status.unregisteredKeys = unregistered.length;
      // Keys left unregistered stay visible in the status until they are dealt with.
      status.lastError = unregistered.length > 0 ? `${unregistered.length} deposited key(s) not registered with SSV: ${unregistered[unregistered.length - 1].reason}` : undefined;
      return result.deposited.length > 0;
    } catch (err) {
      status.lastError = err instanceof WorkflowExecutionAlreadyStartedError
        ? `a creation for this rollup is already running (${workflowId}), started before this monitor run: waiting for it to finish`
        : describeFailure(err);
      log.warn('creation did not complete', { workflowId, error: status.lastError });
      return false;
    } finally {
      status.inFlight = undefined;
    }
  }
}
