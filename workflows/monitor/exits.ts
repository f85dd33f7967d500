// The monitor's exit bookkeeping: settle the batches that reported or ended, follow the validators
// of a batch that ended without a report, and above the limit plan and start one exit batch.
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  log,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BotActivities } from '../../activities/interface';
import type { RollupSnapshot } from '../../activities/types';
import type { ExitValidator } from '../../activities/exit-types';
import { READ_OPTIONS, SIGNAL_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { chooseExitValidators, type ExitChoice } from '../exit-choice';
import { exitValidatorsWorkflow, isLeavingOnBeacon } from '../exit-validators';
import { exitWorkflowId } from '../ids';
import { bridgeStateOf, planExits } from '../planning';
import { batchVisibility, batchesRunning, signalBatches } from './batches';
import type { MonitorEvents } from './events';
import type { MonitorState } from './state';

const { readExitCandidates, readExitProgress } = proxyActivities<BotActivities>(READ_OPTIONS);
const { isWorkflowRunning } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);
/** Reporting only (metric and log line): a few quick attempts, never a reason to stop the monitor. */
const { reportExitsBlocked } = proxyActivities<BotActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Exit batches that reported, or that ended without a report (terminated), leave the in-flight list. */
export async function settleExits(state: MonitorState): Promise<void> {
  const { status, exitsInFlight } = state;
  for (const report of state.exitReports.splice(0)) {
    const i = exitsInFlight.findIndex((e) => e.workflowId === report.workflowId);
    if (i >= 0) exitsInFlight.splice(i, 1);
    status.validatorsExited += report.exited.length;
    if (report.error || report.rejected.length > 0) {
      status.lastError =
        `exit batch ${report.workflowId}: ${report.error ?? ''}${report.rejected.length > 0 ? ` ${report.rejected.length} exit(s) rejected, first: ${report.rejected[0].reason}` : ''}`.trim();
    }
  }
  const batches = [...exitsInFlight];
  const running = await batchesRunning(
    batches.map((e) => e.workflowId),
    isWorkflowRunning,
  );
  for (const [i, exit] of batches.entries()) {
    if (running[i]) continue;
    // Give a report sent just before the batch closed the chance to arrive first.
    if (state.exitReports.some((r) => r.workflowId === exit.workflowId)) continue;
    exitsInFlight.splice(exitsInFlight.indexOf(exit), 1);
    state.orphanedExits.push(...exit.pubkeys);
    status.lastError = `exit batch ${exit.workflowId} ended without a report (terminated?): its ${exit.pubkeys.length} validator(s) are looked at again, and those already leaving are followed by a new batch`;
  }
  state.showExits();
}

/**
 * Validators of a batch that ended without a report (an operator terminated it): those past the
 * point of no return (Nexus told, or leaving on the beacon chain) get a new batch that follows
 * and accounts them; it never broadcasts twice (a batch skips validators already leaving) nor
 * tells Nexus twice (it skips those already VALIDATOR_EXIT_SUBMITTED). The others never left:
 * they are ordinary exit candidates again.
 */
export async function followOrphanedExits(state: MonitorState, events: MonitorEvents): Promise<void> {
  if (state.orphanedExits.length === 0 || state.status.paused) return;
  try {
    const progress = await readExitProgress({ pubkeys: [...state.orphanedExits] });
    const leaving = progress.validators.filter(
      (v) =>
        v.nexusStatus === 'VALIDATOR_EXIT_SUBMITTED' ||
        (v.nexusStatus === 'SHARE_DEPOSITED' && isLeavingOnBeacon(v.beaconStatus)),
    );
    state.orphanedExits.length = 0;
    if (leaving.length > 0) {
      await startExitBatch(
        state,
        events,
        leaving.map((v) => ({ pubkey: v.pubkey, validatorIndex: v.validatorIndex ?? -1 })),
        `following ${leaving.length} validator(s) of a batch that ended without a report`,
      );
    }
  } catch (err) {
    // Kept for the next look: the beacon node or the chain may be back by then.
    state.status.lastError = describeFailure(err);
  }
}

/** Plans exits above the limit; a failure is shown in the status and waits for the next look. */
export async function exitsIfNeeded(
  state: MonitorState,
  events: MonitorEvents,
  snapshot: RollupSnapshot,
): Promise<void> {
  try {
    await planAndStartExits(state, events, snapshot);
  } catch (err) {
    state.status.lastError = describeFailure(err);
    log.warn('exit planning did not complete', { error: state.status.lastError });
  }
}

/**
 * Above the limit: the smallest number of exits that brings the ratio back, counting every
 * validator already leaving (this monitor's batches, and what Nexus and the beacon node show),
 * then one exit batch of the longest-active validators.
 */
async function planAndStartExits(state: MonitorState, events: MonitorEvents, snapshot: RollupSnapshot): Promise<void> {
  const { status, input, exitsInFlight, maxExitBatch } = state;
  const inFlight = exitsInFlight.flatMap((e) => e.pubkeys);
  const bridge = bridgeStateOf(snapshot);
  const upper = planExits({ ...bridge, exiting: inFlight.length, maxBatch: maxExitBatch });
  if (upper.toExit === 0) {
    await showExitBlocked(state, undefined);
    if (exitsInFlight.length > 0)
      status.lastPlan = {
        at: new Date().toISOString(),
        toCreate: 0,
        toExit: 0,
        reason: `${upper.reason}; ${exitsInFlight.length} exit batch(es) in flight`,
        blockNumber: snapshot.blockNumber,
      };
    return;
  }
  const found = await readExitCandidates({
    rollupAdmin: input.rollupAdmin,
    exclude: inFlight,
    maxCandidates: upper.toExit,
  });
  const plan = planExits({
    ...bridge,
    exiting: inFlight.length + found.exitingElsewhere.length,
    maxBatch: maxExitBatch,
  });
  status.lastPlan = {
    at: new Date().toISOString(),
    toCreate: 0,
    toExit: plan.toExit,
    reason: plan.reason,
    blockNumber: snapshot.blockNumber,
  };
  // Mnemonic keys first; on Nexus v2024-03 no DKG key (refused, reported: nothing waits for it).
  const choice = chooseExitValidators(found, plan.toExit, input.keyPath);
  await showExitBlocked(state, choice.blocked);
  if (status.paused) return;
  const chosen = choice.chosen;
  if (snapshot.dryRun) {
    status.lastPlan.reason = `dry run, nothing sent: would exit ${chosen.length} (${plan.reason})`;
    log.info('dry run: exits planned, none started', { toExit: plan.toExit, validators: chosen.map((c) => c.pubkey) });
    return;
  }
  if (chosen.length < plan.toExit) {
    status.lastError =
      `${plan.toExit} exit(s) needed but only ${chosen.length} validator(s) can exit now (${found.notActive} not active on the beacon chain yet` +
      `${choice.blocked ? `; ${choice.blocked.count} refused: ${choice.blocked.reason}` : ''})`;
  }
  // Validators leaving on the beacon chain that Nexus was never told about join the batch (no
  // second broadcast: the batch skips those the beacon node shows leaving), so they get accounted.
  const batch = [...found.untracked, ...chosen].slice(0, Math.max(maxExitBatch, found.untracked.length));
  if (batch.length === 0) return;
  await startExitBatch(
    state,
    events,
    batch,
    `toExit ${chosen.length}, adopted ${found.untracked.length}: ${plan.reason}`,
  );
}

/** The status, metric and WARN line of exits refused at planning; reported when it changes. */
async function showExitBlocked(state: MonitorState, blocked: ExitChoice['blocked']): Promise<void> {
  const { status, input } = state;
  const before = status.exitBlocked;
  if (before?.count === blocked?.count && before?.reason === blocked?.reason) return;
  status.exitBlocked = blocked && { ...blocked };
  if (blocked)
    log.warn('exits blocked: the staking limit requires exits the bot refuses to start', {
      rollupAdmin: input.rollupAdmin,
      reason: blocked.reason,
      count: blocked.count,
    });
  const code = blocked?.code ?? before?.code;
  if (!code) return;
  // Count 0 clears the gauge of the reason that was blocked before.
  await reportExitsBlocked({
    rollupAdmin: input.rollupAdmin,
    reason: blocked?.reason ?? 'no exit blocked',
    code,
    count: blocked?.count ?? 0,
  }).catch((err: unknown) => {
    log.warn('could not report blocked exits to the metrics', { error: describeFailure(err) });
  });
}

/** Starts one exit batch (under the next unused number); it outlives this run and reports back by signal. */
export async function startExitBatch(
  state: MonitorState,
  events: MonitorEvents,
  batch: ExitValidator[],
  reason: string,
  opts: { followOnly?: boolean } = {},
): Promise<void> {
  const { status, input } = state;
  events.setPhase('exiting');
  for (;;) {
    const workflowId = exitWorkflowId(input.rollupAdmin, ++state.exitBatches);
    try {
      await startChild(exitValidatorsWorkflow, {
        workflowId,
        args: [
          {
            rollupAdmin: input.rollupAdmin,
            keyPath: input.keyPath,
            validators: batch,
            reportTo: workflowInfo().workflowId,
            minPollInterval: input.exitPollInterval?.min,
            maxPollInterval: input.exitPollInterval?.max,
            rebroadcastAfterEpochs: input.rebroadcastAfterEpochs,
            ...(opts.followOnly ? { followOnly: true } : {}),
          },
        ],
        // An exit batch follows its validators for days and must outlive this run (continueAsNew,
        // a reset, a termination): it reports back by signal to the monitor's workflow id.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        ...batchVisibility(input, `exit of ${batch.length} validator(s): ${reason}`),
      });
      state.exitsInFlight.push({ workflowId, pubkeys: batch.map((c) => c.pubkey) });
      state.showExits();
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
