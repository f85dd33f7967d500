// One long-lived monitor per rollup (an entity workflow, id derived from the rollup admin): read
// the rollup's state, plan, create the validators the bridge allows (one creation at a time) or
// start an exit batch when the rollup is above its limit, then sleep until the poll interval
// passes or a `wake` signal says the chain changed. A creation may start while exit batches are in
// flight (their validators counted as gone, their ETH as not yet back: creation-beside-exits.ts),
// and exits are only planned between creations, when creation wants none. It continues as new,
// idle and with its handlers drained, long before the history grows large; exit batches outlive
// that (they report back by signal).
import {
  ApplicationFailure, ParentClosePolicy, WorkflowIdReusePolicy, allHandlersFinished, condition, continueAsNew,
  log, patched, proxyActivities, setHandler, startChild, workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { WorkflowExecutionAlreadyStartedError, type Duration } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import type { ExitValidator } from '../activities/exit-types';
import { READ_OPTIONS, SIGNAL_OPTIONS } from './activity-options';
import { createValidatorsWorkflow } from './create-validators';
import { describeFailure } from './failures';
import { exitReportProblem, registrationResultProblem, rejected, stepStateProblem } from './message-checks';
import {
  exitReportSignal, monitorStatusQuery, pauseSignal, registrationResultSignal, resumeSignal, setPollIntervalUpdate, stepStateSignal, syncNowUpdate,
  wakeSignal, type ExitReport, type InFlightStep, type MonitorStatus,
} from '../protocol/messages';
import { exitValidatorsWorkflow, isLeavingOnBeacon } from './exit-validators';
import type { RegistrationResult } from '../protocol/registrar-types';
import { planCreation, planExits, MAX_DKG_BATCH } from './planning';
import { chooseExitValidators, type ExitChoice } from './exit-choice';
import { creationWorkflowId, exitWorkflowId } from './ids';
import { reconcileWithChain } from './monitor-reconcile';
import { CREATE_DURING_EXITS_PATCH, planCreationBesideExits } from './creation-beside-exits';
import { batchVisibility, batchesRunning, signalBatches } from './monitor-batches';
import { DEFAULT_POLL_INTERVAL, POLL_INTERVAL_BOUNDS_MS, type ExitInFlight, type RollupMonitorInput } from './monitor-input';
import { creationStart, monitorEvents } from './monitor-events';
// Kept importable from here: clients and tests name the monitor's input with the workflow.
export { POLL_INTERVAL_BOUNDS_MS, type ExitInFlight, type RollupMonitorInput } from './monitor-input';

const { readRollup, readExitCandidates, readExitProgress } = proxyActivities<BotActivities>(READ_OPTIONS);
const { requestRegistration, isWorkflowRunning } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);
/** Reporting only (metric and log line): a few quick attempts, never a reason to stop the monitor. */
const { reportExitsBlocked } = proxyActivities<BotActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export async function rollupMonitorWorkflow(input: RollupMonitorInput): Promise<never> {
  const maxBatch = Math.min(input.maxBatch ?? MAX_DKG_BATCH, input.keyPath === 'dkg' ? MAX_DKG_BATCH : Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw ApplicationFailure.nonRetryable(`maxBatch must be a positive integer, got ${input.maxBatch}`, 'InvalidInput');
  let pollInterval = String(input.pollInterval ?? DEFAULT_POLL_INTERVAL);
  const status: MonitorStatus = {
    rollupAdmin: input.rollupAdmin,
    keyPath: input.keyPath,
    pollInterval,
    validators: { creating: 0, exiting: 0, unregistered: input.carried?.unregistered.length ?? 0 },
    phase: 'reading',
    paused: input.carried?.paused ?? false,
    pauseReason: input.carried?.pauseReason,
    lastPlan: input.carried?.lastPlan,
    validatorsCreated: input.carried?.validatorsCreated ?? 0,
    validatorsExited: input.carried?.validatorsExited ?? 0,
    unregisteredKeys: input.carried?.unregistered.length ?? 0,
    exitsInFlight: [],
    exitBlocked: input.carried?.exitBlocked,
    guardHeld: input.carried?.guardHeld,
  };
  const maxExitBatch = input.maxExitBatch ?? 50;
  const reconcileEvery = input.reconcileEveryPolls ?? 12;
  if (!Number.isInteger(reconcileEvery) || reconcileEvery < 1) throw ApplicationFailure.nonRetryable(`reconcileEveryPolls must be a positive integer, got ${input.reconcileEveryPolls}`, 'InvalidInput');
  if (!Number.isInteger(maxExitBatch) || maxExitBatch < 1) throw ApplicationFailure.nonRetryable(`maxExitBatch must be a positive integer, got ${input.maxExitBatch}`, 'InvalidInput');
  const exitsInFlight: ExitInFlight[] = [...(input.carried?.exitsInFlight ?? [])];
  /** Every batch in flight: the creation, then the exit batches. */
  const batchIds = () => [...(status.inFlight ? [status.inFlight.workflowId] : []), ...exitsInFlight.map((e) => e.workflowId)];
  let exitBatches = input.carried?.exitBatches ?? 0;
  const exitReports: ExitReport[] = [];
  const orphanedExits: string[] = [...(input.carried?.orphanedExits ?? [])];
  const showExits = () => {
    status.exitsInFlight = exitsInFlight.map((e): InFlightStep => ({ workflowId: e.workflowId, count: e.pubkeys.length, phase: e.phase, hold: e.hold }));
    status.validators.exiting = exitsInFlight.reduce((n, e) => n + e.pubkeys.length, 0);
  };
  showExits();
  const unregistered = [...(input.carried?.unregistered ?? [])];
  let wakeReason: string | undefined;
  let loops = 0;
  /** Completed looks at the chain (a plan made, or the read failed): syncNow waits for the next one. */
  let looks = 0;
  let reregistrations = input.carried?.reregistrations ?? 0;
  const registrationResults: RegistrationResult[] = [];

  setHandler(pauseSignal, async (pause) => {
    status.paused = true;
    status.pauseReason = typeof pause?.reason === 'string' && pause.reason !== '' ? pause.reason : 'no reason given';
    // Invariant 8: the batches in flight stop at their next safe point too.
    await signalBatches(batchIds(), { kind: 'pause', reason: status.pauseReason });
  });
  setHandler(resumeSignal, async () => {
    status.paused = false;
    status.pauseReason = undefined;
    await signalBatches(batchIds(), { kind: 'resume' });
  });
  setHandler(stepStateSignal, (step) => {
    if (rejected('stepState', stepStateProblem(step), step)) return;
    if (status.inFlight?.workflowId === step.workflowId) status.inFlight = { ...status.inFlight, phase: step.phase, hold: step.hold, funding: step.funding, operators: step.operators };
    const exit = exitsInFlight.find((e) => e.workflowId === step.workflowId);
    if (exit) {
      exit.phase = step.phase;
      exit.hold = step.hold;
      showExits();
    }
  });
  setHandler(setPollIntervalUpdate, ({ interval }) => {
    const previous = pollInterval;
    pollInterval = interval;
    status.pollInterval = interval;
    wakeReason = `poll interval set to ${interval}`;
    return { previous, current: interval };
  }, {
    // Refused before any state changes: the caller gets the reason, the monitor keeps its interval.
    validator: (arg) => {
      const interval = (arg as { interval?: unknown } | undefined)?.interval;
      if (typeof interval !== 'string' || interval.trim() === '') throw new Error('interval: expected a duration such as "30 seconds" or "5m"');
      let ms: number;
      try {
        ms = msToNumber(interval as Duration);
      } catch {
        throw new Error(`interval "${interval}": not a duration (expected e.g. "30 seconds", "5m", "1 hour")`);
      }
      if (!Number.isFinite(ms) || ms < POLL_INTERVAL_BOUNDS_MS.min || ms > POLL_INTERVAL_BOUNDS_MS.max) {
        throw new Error(`interval "${interval}": expected between 1 second and 1 day`);
      }
    },
  });
  setHandler(syncNowUpdate, async () => {
    const before = looks;
    wakeReason = 'sync requested';
    // A monitor busy with a creation looks once that is done; the caller is not kept for long.
    const looked = await condition(() => looks > before, '2 minutes');
    return { looked, lastPlan: status.lastPlan, lastError: status.lastError, phase: status.phase };
  }, {
    validator: () => {
      if (status.paused) throw new Error(`the rollup is paused (${status.pauseReason}): resume it first`);
    },
  });
  setHandler(wakeSignal, (wake) => {
    wakeReason = typeof wake?.reason === 'string' ? wake.reason : 'woken';
  });
  setHandler(monitorStatusQuery, () => ({ ...status, validators: { ...status.validators, unregistered: status.unregisteredKeys } }));
  setHandler(registrationResultSignal, (result) => {
    if (rejected('registrationResult', registrationResultProblem(result), result)) return;
    registrationResults.push(result);
  });
  setHandler(exitReportSignal, (report) => {
    if (rejected('exitReport', exitReportProblem(report), report)) return;
    exitReports.push(report);
    // A clean end wakes the monitor (creation may go on); a rejection or an error waits for the
    // next poll, so that a validator the beacon node keeps refusing is not retried in a tight loop.
    if (!report.error && report.rejected.length === 0) wakeReason = `exit batch ${report.workflowId} ended`;
  });

  const events = monitorEvents(status);
  const { setPhase, readRollup: readRollupOnce } = events;
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
        pollInterval,
        carried: {
          paused: status.paused, pauseReason: status.pauseReason, validatorsCreated: status.validatorsCreated, lastPlan: status.lastPlan, unregistered, reregistrations,
          exitsInFlight, exitBatches, validatorsExited: status.validatorsExited, orphanedExits, exitBlocked: status.exitBlocked, guardHeld: status.guardHeld,
        },
      });
    }
    if (!status.paused && !created) {
      setPhase('idle');
      wakeReason = undefined;
      await condition(() => wakeReason !== undefined || status.paused || shouldContinueAsNew(), pollInterval as Duration);
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
    if (!snapshot || snapshot.dryRun) return;
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
    const batches = [...exitsInFlight];
    const running = await batchesRunning(batches.map((e) => e.workflowId), isWorkflowRunning);
    for (const [i, exit] of batches.entries()) {
      if (running[i]) continue;
      // Give a report sent just before the batch closed the chance to arrive first.
      if (exitReports.some((r) => r.workflowId === exit.workflowId)) continue;
      exitsInFlight.splice(exitsInFlight.indexOf(exit), 1);
      orphanedExits.push(...exit.pubkeys);
      status.lastError = `exit batch ${exit.workflowId} ended without a report (terminated?): its ${exit.pubkeys.length} validator(s) are looked at again, and those already leaving are followed by a new batch`;
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
      await showExitBlocked(undefined);
      if (exitsInFlight.length > 0) status.lastPlan = { at: new Date().toISOString(), toCreate: 0, toExit: 0, reason: `${upper.reason}; ${exitsInFlight.length} exit batch(es) in flight`, blockNumber: snapshot.blockNumber };
      return;
    }
    const found = await readExitCandidates({ rollupAdmin: input.rollupAdmin, exclude: inFlight, maxCandidates: upper.toExit });
    const plan = planExits({ ...state, exiting: inFlight.length + found.exitingElsewhere.length, maxBatch: maxExitBatch });
    status.lastPlan = { at: new Date().toISOString(), toCreate: 0, toExit: plan.toExit, reason: plan.reason, blockNumber: snapshot.blockNumber };
    // Mnemonic keys first; on Nexus v2024-03 no DKG key (refused, reported: nothing waits for it).
    const choice = chooseExitValidators(found, plan.toExit, input.keyPath);
    await showExitBlocked(choice.blocked);
    if (status.paused) return;
    const chosen = choice.chosen;
    if (snapshot.dryRun) {
      status.lastPlan.reason = `dry run, nothing sent: would exit ${chosen.length} (${plan.reason})`;
      log.info('dry run: exits planned, none started', { toExit: plan.toExit, validators: chosen.map((c) => c.pubkey) });
      return;
    }
    if (chosen.length < plan.toExit) {
      status.lastError = `${plan.toExit} exit(s) needed but only ${chosen.length} validator(s) can exit now (${found.notActive} not active on the beacon chain yet`
        + `${choice.blocked ? `; ${choice.blocked.count} refused: ${choice.blocked.reason}` : ''})`;
    }
    // Validators leaving on the beacon chain that Nexus was never told about join the batch (no
    // second broadcast: the batch skips those the beacon node shows leaving), so they get accounted.
    const batch = [...found.untracked, ...chosen].slice(0, Math.max(maxExitBatch, found.untracked.length));
    if (batch.length === 0) return;
    await startExitBatch(batch, `toExit ${chosen.length}, adopted ${found.untracked.length}: ${plan.reason}`);
  }

  /**
   * Validators of a batch that ended without a report (an operator terminated it): those past the
   * point of no return (Nexus told, or leaving on the beacon chain) get a new batch that follows
   * and accounts them; it never broadcasts twice (a batch skips validators already leaving) nor
   * tells Nexus twice (it skips those already VALIDATOR_EXIT_SUBMITTED). The others never left:
   * they are ordinary exit candidates again.
   */
  async function followOrphanedExits(): Promise<void> {
    if (orphanedExits.length === 0 || status.paused) return;
    try {
      const progress = await readExitProgress({ pubkeys: [...orphanedExits] });
      const leaving = progress.validators.filter((v) =>
        v.nexusStatus === 'VALIDATOR_EXIT_SUBMITTED' || (v.nexusStatus === 'SHARE_DEPOSITED' && isLeavingOnBeacon(v.beaconStatus)));
      orphanedExits.length = 0;
      if (leaving.length > 0) {
        await startExitBatch(leaving.map((v) => ({ pubkey: v.pubkey, validatorIndex: v.validatorIndex ?? -1 })), `following ${leaving.length} validator(s) of a batch that ended without a report`);
      }
    } catch (err) {
      // Kept for the next look: the beacon node or the chain may be back by then.
      status.lastError = describeFailure(err);
    }
  }

  /** The status, metric and WARN line of exits refused at planning; reported when it changes. */
  async function showExitBlocked(blocked: ExitChoice['blocked']): Promise<void> {
    const before = status.exitBlocked;
    if (before?.count === blocked?.count && before?.reason === blocked?.reason) return;
    status.exitBlocked = blocked && { ...blocked };
    if (blocked) log.warn('exits blocked: the staking limit requires exits the bot refuses to start', { rollupAdmin: input.rollupAdmin, reason: blocked.reason, count: blocked.count });
    const code = blocked?.code ?? before?.code;
    if (!code) return;
    // Count 0 clears the gauge of the reason that was blocked before.
    await reportExitsBlocked({ rollupAdmin: input.rollupAdmin, reason: blocked?.reason ?? 'no exit blocked', code, count: blocked?.count ?? 0 }).catch((err: unknown) => {
      log.warn('could not report blocked exits to the metrics', { error: describeFailure(err) });
    });
  }

  async function startExitBatch(batch: ExitValidator[], reason: string, opts: { followOnly?: boolean } = {}): Promise<void> {
    setPhase('exiting');
    for (;;) {
      const workflowId = exitWorkflowId(input.rollupAdmin, ++exitBatches);
      try {
        await startChild(exitValidatorsWorkflow, {
          workflowId,
          args: [{
            rollupAdmin: input.rollupAdmin, keyPath: input.keyPath, validators: batch, reportTo: workflowInfo().workflowId,
            minPollInterval: input.exitPollInterval?.min, maxPollInterval: input.exitPollInterval?.max,
            rebroadcastAfterEpochs: input.rebroadcastAfterEpochs, ...(opts.followOnly ? { followOnly: true } : {}),
          }],
          // An exit batch follows its validators for days and must outlive this run (continueAsNew,
          // a reset, a termination): it reports back by signal to the monitor's workflow id.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          ...batchVisibility(input, `exit of ${batch.length} validator(s): ${reason}`),
        });
        exitsInFlight.push({ workflowId, pubkeys: batch.map((c) => c.pubkey) });
        showExits();
        // A pause that came while the batch was being started reaches it too.
        if (status.paused) await signalBatches([workflowId], { kind: 'pause', reason: status.pauseReason });
        log.info('exit batch started', { workflowId, validators: batch.length, reason });
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
    if (loops === 1 || loops % reconcileEvery === 0) {
      await reconcileWithChain({
        rollupAdmin: input.rollupAdmin, unregistered, exitsInFlight, orphanedExits, status,
        followExits: (validators, reason) => startExitBatch(validators, reason, { followOnly: true }),
        nextRequestNumber: () => ++reregistrations,
        awaitRegistration: async (requestId) => {
          await condition(() => registrationResults.some((r) => r.requestId === requestId), '1 hour');
          const i = registrationResults.findIndex((r) => r.requestId === requestId);
          return i >= 0 ? registrationResults.splice(i, 1)[0] : undefined;
        },
      });
      showExits();
    }
    await reregisterMnemonicKeys();
    await settleExits();
    await followOrphanedExits();
    setPhase('reading');
    let snapshot;
    try {
      snapshot = await readRollupOnce({ rollupAdmin: input.rollupAdmin });
    } catch (err) {
      status.lastError = describeFailure(err);
      looks++;
      return false;
    }
    status.validators.staked = Number(snapshot.validatorCount);
    status.dryRun = snapshot.dryRun === true ? true : undefined;
    setPhase('planning');
    // Histories recorded before creation could run beside exits created nothing here (the patch
    // is absent from them, so they replay that way).
    if (exitsInFlight.length > 0 && !patched(CREATE_DURING_EXITS_PATCH)) {
      await exitsIfNeeded(snapshot);
      looks++;
      return false;
    }
    const state = { bridgeBalanceWei: BigInt(snapshot.bridgeBalanceWei), validatorCount: BigInt(snapshot.validatorCount), stakingLimitBps: snapshot.stakingLimitBps };
    // One creation at a time, awaited below: no deposit is pending between loops.
    const plan = exitsInFlight.length > 0
      ? await planCreationBesideExits(state, exitsInFlight.flatMap((e) => e.pubkeys), maxBatch)
      : planCreation({ ...state, pendingDeposits: 0, maxBatch });
    status.lastPlan = { at: new Date().toISOString(), toCreate: plan.toCreate, toExit: 0, reason: plan.reason, blockNumber: snapshot.blockNumber };
    if (plan.toCreate === 0) {
      if (!status.paused) await exitsIfNeeded(snapshot);
      looks++;
      return false;
    }
    looks++;
    if (status.paused) return false;
    if (snapshot.dryRun) {
      status.lastPlan.reason = `dry run, nothing sent: would create ${plan.toCreate} (${plan.reason})`;
      log.info('dry run: creation planned, none started', { toCreate: plan.toCreate });
      return false;
    }

    setPhase('creating');
    const workflowId = creationWorkflowId(input.rollupAdmin);
    status.inFlight = { workflowId, count: plan.toCreate };
    status.validators.creating = plan.toCreate;
    const lean = creationStart(events, input.keyPath);
    try {
      const visibility = batchVisibility(input, `creation of ${plan.toCreate} validator(s) (${input.keyPath === 'dkg' ? 'DKG ceremony' : 'mnemonic keys'}): ${plan.reason}`);
      const child = await startChild(createValidatorsWorkflow, {
        workflowId,
        args: [{ rollupAdmin: input.rollupAdmin, bridge: snapshot.bridge, operatorCluster: snapshot.operatorCluster, keyPath: input.keyPath, count: plan.toCreate, ...lean.args }],
        // The batch finishes even if the monitor is terminated or reset: a half-done deposit must
        // not be cut off. Its fixed id means a second creation for this rollup cannot start.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        ...visibility, typedSearchAttributes: [...visibility.typedSearchAttributes, ...lean.searchAttributes],
      });
      // A pause that came while the batch was being started reaches it too.
      if (status.paused) await signalBatches([workflowId], { kind: 'pause', reason: status.pauseReason });
      const result = await child.result();
      status.validatorsCreated += result.deposited.length;
      unregistered.push(...result.unregistered);
      status.unregisteredKeys = unregistered.length;
      // Keys left unregistered, or held by the pre-deposit guard, stay visible until dealt with.
      const held = result.held ?? [];
      if (held.length > 0) {
        status.guardHeld = {
          count: (status.guardHeld?.count ?? 0) + held.length, at: new Date().toISOString(),
          last: `${held[held.length - 1].pubkey}: ${held[held.length - 1].failures.map((f) => `[${f.check}] ${f.reason}`).join(' | ')}`,
        };
      }
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
      status.validators.creating = 0;
    }
  }
}
