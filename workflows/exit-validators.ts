// Exit of one batch of a rollup's validators (a child of the rollup monitor):
//   mnemonic keys: sign and broadcast each voluntary exit (keys re-derived from their index);
//   → Nexus.validatorExit (v2024-03: the batch at once, status only, never for DKG keys, which the
//     monitor does not plan there; v2024-06: per key, which asks the SSV operators to exit it);
//   → follow each validator on the beacon chain with durable timers sized to its exit and
//     withdrawable epochs (no busy polling), and call Nexus.validatorExitBalanceTransferred once
//     its ETH is back in the bridge.
// Every step checks chain and beacon state first, so a retried, replayed or restarted batch never
// broadcasts, submits or accounts a validator twice (invariant 6).
import {
  ApplicationFailure,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import type { ExitProgress, ExitValidator } from '../activities/exit-types';
import type { KeyPath } from '../activities/types';
import { PhaseAttribute, ValidatorPubkeysAttribute, pubkeySearchKey } from '../temporal-config/search-attributes';
import { EXIT_BROADCAST_OPTIONS, READ_OPTIONS, TRANSACTION_OPTIONS } from './activity-options';
import { describeFailure } from './failures';
import {
  exitReportSignal,
  exitStatusQuery,
  stepStateSignal,
  type ExitReport,
  type ExitStatus,
} from '../protocol/messages';
import { installPauseGate } from './pause-gate';
import { createReportTracker } from './step-reports';
import { proxyRoleActivities } from './role-activities';
import { msToNumber as durationMs } from '@temporalio/common/lib/time';

const { readExitProgress } = proxyActivities<BotActivities>(READ_OPTIONS);
const { broadcastMnemonicExits } = proxyRoleActivities<BotActivities>('salt', EXIT_BROADCAST_OPTIONS);
const { submitValidatorExit, notifyExitBalanceTransferred } = proxyRoleActivities<BotActivities>(
  'writer',
  TRANSACTION_OPTIONS,
);

export interface ExitValidatorsInput {
  rollupAdmin: string;
  keyPath: KeyPath;
  /**
   * Chosen by the monitor (mnemonic keys first, lowest beacon index first); the beacon index signs
   * the exit. A validator's keyPath overrides the batch's (a DKG rollup may hold mnemonic keys).
   */
  validators: ExitValidator[];
  /** The monitor to report to when the batch ends (its workflow id). */
  reportTo?: string;
  /** Shortest wait between looks at the beacon chain (default 1 minute). */
  minPollInterval?: Duration;
  /** Longest wait (default 6 hours): epochs are estimates, the chain is looked at again at least this often. */
  maxPollInterval?: Duration;
  /**
   * Follow only: the validators' exits were submitted before (an earlier batch that ended, found
   * by reconciliation): nothing is broadcast nor submitted at the start; they are followed and
   * accounted, and an exit the beacon chain never shows is broadcast again (below).
   */
  followOnly?: boolean;
  /**
   * Epochs a followed validator may stay without an initiated exit on the beacon chain before its
   * exit is broadcast again (mnemonic keys: the message signed for the same epoch, so the same
   * message) or alerted (DKG keys: only their operators can sign). Default 8 (about 51 minutes on mainnet).
   */
  rebroadcastAfterEpochs?: number;
  /** Carried across continueAsNew: the batch is past Nexus.validatorExit. */
  carried?: {
    following: string[];
    exited: string[];
    rejected: ExitReport['rejected'];
    paused?: boolean;
    pauseReason?: string;
    /** The epoch the batch's exits were signed for (a re-broadcast signs the same message). */
    signedEpoch?: number;
    /** Per followed key still without an initiated exit: the epoch it was first seen so, or last re-broadcast. */
    notInitiatedSince?: Record<string, number>;
  };
}

export interface ExitValidatorsResult {
  exited: string[];
  rejected: ExitReport['rejected'];
}

export async function exitValidatorsWorkflow(input: ExitValidatorsInput): Promise<ExitValidatorsResult> {
  if (!Array.isArray(input.validators) || input.validators.length === 0) {
    throw ApplicationFailure.nonRetryable('validators must list at least one validator', 'InvalidInput');
  }
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Unique per batch and stable across continueAsNew and replays: the Nexus transaction is keyed by it.
  const requestId = `${workflowId}/${firstExecutionRunId}`;
  const carried =
    input.carried ??
    (input.followOnly
      ? { following: input.validators.map((v) => v.pubkey.toLowerCase()), exited: [], rejected: [] }
      : undefined);
  const rebroadcastAfterEpochs = input.rebroadcastAfterEpochs ?? 8;
  let signedEpoch = carried?.signedEpoch;
  const notInitiatedSince: Record<string, number> = { ...carried?.notInitiatedSince };
  const minPollMs = durationMs(input.minPollInterval ?? '1 minute');
  const maxPollMs = Math.max(minPollMs, durationMs(input.maxPollInterval ?? '6 hours'));
  const status: ExitStatus = {
    rollupAdmin: input.rollupAdmin,
    keyPath: input.keyPath,
    phase: carried ? 'following' : 'broadcasting',
    paused: false,
    pending: (carried?.following ?? input.validators.map((v) => v.pubkey)).map((pubkey) => ({ pubkey })),
    exited: [...(carried?.exited ?? [])],
    rejected: [...(carried?.rejected ?? [])],
  };
  const reports = createReportTracker();
  const track = (report: Promise<void>) => reports.track(report);
  const gate = installPauseGate(
    () => `phase ${status.phase}`,
    () => reportState(),
    { paused: input.carried?.paused ?? false, pauseReason: input.carried?.pauseReason },
  );
  setHandler(exitStatusQuery, () => ({
    ...status,
    pending: status.pending.map((p) => ({ ...p })),
    paused: gate.paused,
    pauseReason: gate.pauseReason,
    hold: gate.hold,
  }));
  const setPhase = (phase: ExitStatus['phase']) => {
    status.phase = phase;
    upsertSearchAttributes([{ key: PhaseAttribute, value: `exit:${phase}` }]);
    reportState();
  };
  /** The monitor shows where its exit batches stand (phase, pause) without querying them. */
  function reportState(): void {
    if (!input.reportTo) return;
    track(
      getExternalWorkflowHandle(input.reportTo)
        .signal(stepStateSignal, { workflowId, order: reports.nextOrder(), phase: status.phase, hold: gate.hold })
        .catch((err: unknown) => {
          log.warn('could not tell the monitor where the exit batch stands', {
            monitor: input.reportTo,
            error: describeFailure(err),
          });
        }),
    );
  }

  try {
    if (!input.carried)
      upsertSearchAttributes([
        { key: ValidatorPubkeysAttribute, value: input.validators.map((v) => pubkeySearchKey(v.pubkey)) },
      ]);
    if (!carried) {
      setPhase('broadcasting');
      await gate.holdAt('before the exit (nothing broadcast, Nexus not told)');
      // From the first broadcast on, Nexus must be told: a pause lets the batch finish that.
      gate.finishing('exit broadcast and Nexus.validatorExit (a broadcast exit cannot be taken back)');
      let proceeding = input.validators.map((v) => v.pubkey.toLowerCase());
      const mnemonic = input.validators.filter((v) => (v.keyPath ?? input.keyPath) === 'mnemonic');
      if (mnemonic.length > 0) {
        const broadcast = await broadcastMnemonicExits({
          rollupAdmin: input.rollupAdmin,
          validators: mnemonic.map((v) => ({ pubkey: v.pubkey, validatorIndex: v.validatorIndex })),
        });
        signedEpoch = broadcast.epoch;
        for (const r of broadcast.results)
          if (r.outcome === 'rejected') status.rejected.push({ pubkey: r.pubkey, reason: r.message ?? 'rejected' });
        const rejected = new Set(status.rejected.map((r) => r.pubkey));
        proceeding = proceeding.filter((p) => !rejected.has(p));
        if (proceeding.length === 0) {
          // Nothing left the validator set: Nexus is not told about any of them.
          throw ApplicationFailure.nonRetryable(
            `every exit was rejected by the beacon node: ${status.rejected.map((r) => `${r.pubkey.slice(0, 18)}…: ${r.reason}`).join('; ')}`,
            'ExitRejected',
          );
        }
      }
      setPhase('notifying-nexus');
      // Only keys the monitor chose as DKG (adopted ones, already leaving, need no SSV exit).
      const dkgPubkeys = input.validators.filter((v) => v.keyPath === 'dkg').map((v) => v.pubkey.toLowerCase());
      await submitValidatorExit({
        rollupAdmin: input.rollupAdmin,
        requestId,
        pubkeys: proceeding,
        ...(dkgPubkeys.length > 0 ? { dkgPubkeys } : {}),
      });
      status.pending = proceeding.map((pubkey) => ({ pubkey }));
    }
    await gate.holdAt('before following the validators (exits broadcast and recorded by Nexus)');

    setPhase('following');
    // Looks in a row at which no validator moved on: waits without an epoch to aim at (SSV operators
    // to broadcast, the withdrawal sweep, the bridge) double each time, from min up to max.
    let idleLooks = 0;
    let lastSeen = '';
    while (status.pending.length > 0) {
      const progress = await readExitProgress({ pubkeys: status.pending.map((p) => p.pubkey) });
      let waitingForBalance: string | undefined;
      for (const v of progress.validators) {
        const entry = status.pending.find((p) => p.pubkey === v.pubkey);
        if (entry)
          Object.assign(entry, {
            beaconStatus: v.beaconStatus,
            nexusStatus: v.nexusStatus,
            exitEpoch: v.exitEpoch,
            withdrawableEpoch: v.withdrawableEpoch,
          });
        let done = v.nexusStatus === 'VALIDATOR_EXITED';
        if (!done && v.balanceReturned) {
          // A safe point: the ETH stays in the bridge until the accounting is resumed.
          await gate.holdAt('before accounting a validator whose ETH is back (Nexus.validatorExitBalanceTransferred)');
          const notified = await notifyExitBalanceTransferred({ rollupAdmin: input.rollupAdmin, pubkey: v.pubkey });
          if (notified.outcome === 'waiting') waitingForBalance = notified.reason;
          else done = true;
        }
        if (done) {
          status.pending = status.pending.filter((p) => p.pubkey !== v.pubkey);
          status.exited.push(v.pubkey);
        }
      }
      if (status.pending.length === 0) break;
      await rebroadcastStalledExits(progress);
      const seen = progress.validators.map((v) => `${v.pubkey}:${v.beaconStatus}:${v.nexusStatus}`).join();
      idleLooks = seen === lastSeen ? idleLooks + 1 : 0;
      lastSeen = seen;
      const backoffMs = Math.min(maxPollMs, minPollMs * 2 ** Math.min(idleLooks, 30));
      const waitMs = nextLookIn(
        progress,
        status.pending.map((p) => p.pubkey),
        Date.now(),
        backoffMs,
        maxPollMs,
      );
      status.waiting = {
        reason:
          waitingForBalance ??
          describeWait(
            progress,
            status.pending.map((p) => p.pubkey),
          ),
        until: new Date(Date.now() + waitMs).toISOString(),
      };
      await sleep(waitMs);
      status.waiting = undefined;
      if (workflowInfo().continueAsNewSuggested) {
        await reports.flush();
        await continueAsNew<typeof exitValidatorsWorkflow>({
          ...input,
          carried: {
            following: status.pending.map((p) => p.pubkey),
            exited: status.exited,
            rejected: status.rejected,
            paused: gate.paused,
            pauseReason: gate.pauseReason,
            signedEpoch,
            notInitiatedSince,
          },
        });
      }
    }
    setPhase('done');
    await report({ exited: status.exited, rejected: status.rejected });
    return { exited: status.exited, rejected: status.rejected };
  } catch (err) {
    setPhase('failed');
    await report({ exited: status.exited, rejected: status.rejected, error: describeFailure(err) });
    throw err;
  }

  /**
   * Exits can drop out of a node's pool, and a beacon chain can start anew (the local network's
   * does at every start). A followed validator that Nexus shows exit-submitted but the beacon chain
   * shows without an initiated exit for `rebroadcastAfterEpochs` is broadcast again (mnemonic keys,
   * signed for the batch's epoch: the same message), or alerted (DKG keys: only their operators
   * sign). Then it waits as long again before the next try.
   */
  async function rebroadcastStalledExits(progress: ExitProgress): Promise<void> {
    const stalled: ExitProgress['validators'] = [];
    for (const v of progress.validators) {
      const initiated = v.exitEpoch !== null || isLeavingOnBeacon(v.beaconStatus);
      if (initiated || v.nexusStatus !== 'VALIDATOR_EXIT_SUBMITTED') {
        delete notInitiatedSince[v.pubkey];
        continue;
      }
      notInitiatedSince[v.pubkey] ??= progress.currentEpoch;
      if (progress.currentEpoch - notInitiatedSince[v.pubkey] >= rebroadcastAfterEpochs) stalled.push(v);
    }
    if (stalled.length === 0) return;
    const keyPathOf = (pubkey: string) =>
      input.validators.find((v) => v.pubkey.toLowerCase() === pubkey)?.keyPath ?? input.keyPath;
    const mnemonic = stalled.filter((v) => keyPathOf(v.pubkey) === 'mnemonic' && v.validatorIndex !== null);
    const others = stalled.filter((v) => !mnemonic.includes(v));
    for (const v of stalled) notInitiatedSince[v.pubkey] = progress.currentEpoch;
    for (const v of others) {
      const why =
        v.validatorIndex === null
          ? 'the beacon node does not know this validator'
          : 'a DKG key: only its SSV operators can sign its exit';
      log.warn('exit not initiated on the beacon chain: an operator must look', {
        rollupAdmin: input.rollupAdmin,
        pubkey: v.pubkey,
        beaconStatus: v.beaconStatus,
        epochs: rebroadcastAfterEpochs,
        why,
      });
      status.attention = [
        ...(status.attention ?? []).filter((a) => a.pubkey !== v.pubkey),
        {
          pubkey: v.pubkey,
          reason: `exit submitted but not initiated on the beacon chain after ${rebroadcastAfterEpochs} epochs (${why})`,
        },
      ];
    }
    if (mnemonic.length === 0) return;
    log.warn('exit not initiated on the beacon chain: broadcast again', {
      rollupAdmin: input.rollupAdmin,
      validators: mnemonic.length,
      epochs: rebroadcastAfterEpochs,
      signedEpoch,
    });
    try {
      const again = await broadcastMnemonicExits({
        rollupAdmin: input.rollupAdmin,
        validators: mnemonic.map((v) => ({ pubkey: v.pubkey, validatorIndex: v.validatorIndex as number })),
        ...(signedEpoch !== undefined ? { epoch: signedEpoch } : {}),
      });
      signedEpoch ??= again.epoch;
      for (const r of again.results) {
        if (r.outcome === 'rejected')
          log.warn('exit broadcast again was rejected', { pubkey: r.pubkey, reason: r.message });
      }
    } catch (err) {
      // Followed on: the next stall check tries again.
      log.warn('could not broadcast a stalled exit again', {
        rollupAdmin: input.rollupAdmin,
        error: describeFailure(err),
      });
    }
  }

  async function report(outcome: Omit<ExitReport, 'workflowId'>): Promise<void> {
    await reports.flush();
    if (!input.reportTo) return;
    try {
      await getExternalWorkflowHandle(input.reportTo).signal(exitReportSignal, { workflowId, ...outcome });
    } catch (err) {
      // The monitor may be gone (terminated): its next run finds the chain state anyway.
      log.warn('could not report the exit batch to its monitor', {
        monitor: input.reportTo,
        error: describeFailure(err),
      });
    }
  }
}

/**
 * When to look again: at the soonest exit or withdrawable epoch among the pending validators (the
 * moment their status can change), within [min, max]. A validator waiting for something without an
 * epoch (SSV operators to broadcast, the withdrawal sweep, the bridge) is looked at after `min`
 * (which the caller grows while nothing changes).
 */
export function nextLookIn(
  progress: ExitProgress,
  pending: readonly string[],
  nowMs: number,
  minMs: number,
  maxMs: number,
): number {
  const epochStartMs = (epoch: number) =>
    (progress.genesisTime + epoch * progress.slotsPerEpoch * progress.secondsPerSlot) * 1000;
  let soonest = maxMs;
  for (const v of progress.validators) {
    if (!pending.includes(v.pubkey)) continue;
    let target: number | null = null;
    if (v.beaconStatus === 'active_exiting' || v.beaconStatus === 'active_slashed') target = v.exitEpoch;
    else if (v.beaconStatus === 'exited_unslashed' || v.beaconStatus === 'exited_slashed') target = v.withdrawableEpoch;
    const wait = target === null ? minMs : epochStartMs(target) - nowMs;
    soonest = Math.min(soonest, wait);
  }
  return Math.min(maxMs, Math.max(minMs, Math.ceil(soonest)));
}

function describeWait(progress: ExitProgress, pending: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of progress.validators)
    if (pending.includes(v.pubkey)) counts.set(v.beaconStatus, (counts.get(v.beaconStatus) ?? 0) + 1);
  return `epoch ${progress.currentEpoch}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

/** A beacon status of a validator whose exit was broadcast (or that left otherwise). */
export function isLeavingOnBeacon(status: string): boolean {
  return /^(active_exiting|active_slashed|exited_|withdrawal_)/.test(status);
}
