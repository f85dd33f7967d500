// The monitor's signal, query and update handlers: each one line over MonitorState, the payload
// checked first (message-checks.ts: a bad one is dropped with an ERROR, the monitor runs on).
import { condition, setHandler } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import {
  exitReportSignal,
  monitorStatusQuery,
  pauseSignal,
  registrationResultSignal,
  resumeSignal,
  setPollIntervalUpdate,
  stepStateSignal,
  syncNowUpdate,
  wakeSignal,
} from '../../protocol/messages';
import { exitReportProblem, registrationResultProblem, rejected, stepStateProblem } from '../message-checks';
import { signalBatches } from './batches';
import { POLL_INTERVAL_BOUNDS_MS } from './input';
import type { MonitorState } from './state';

export function installMonitorHandlers(state: MonitorState): void {
  const { status } = state;
  setHandler(pauseSignal, async (pause) => {
    state.pause(pause?.reason);
    // Invariant 8: the batches in flight stop at their next safe point too.
    await signalBatches(state.batchIds(), { kind: 'pause', reason: status.pauseReason });
  });
  setHandler(resumeSignal, async () => {
    state.resume();
    await signalBatches(state.batchIds(), { kind: 'resume' });
  });
  setHandler(stepStateSignal, (step) => {
    if (!rejected('stepState', stepStateProblem(step), step)) state.recordStep(step);
  });
  // Refused before any state changes: the caller gets the reason, the monitor keeps its interval.
  setHandler(setPollIntervalUpdate, ({ interval }) => state.setPollInterval(interval), {
    validator: checkPollInterval,
  });
  setHandler(
    syncNowUpdate,
    async () => {
      const before = state.looks;
      state.wakeReason = 'sync requested';
      // A monitor busy with a creation looks once that is done; the caller is not kept for long.
      const looked = await condition(() => state.looks > before, '2 minutes');
      return { looked, lastPlan: status.lastPlan, lastError: status.lastError, phase: status.phase };
    },
    {
      validator: () => {
        if (status.paused) throw new Error(`the rollup is paused (${status.pauseReason}): resume it first`);
      },
    },
  );
  setHandler(wakeSignal, (wake) => {
    state.wakeReason = typeof wake?.reason === 'string' ? wake.reason : 'woken';
  });
  setHandler(monitorStatusQuery, () => state.statusView());
  setHandler(registrationResultSignal, (result) => {
    if (!rejected('registrationResult', registrationResultProblem(result), result))
      state.registrationResults.push(result);
  });
  setHandler(exitReportSignal, (report) => {
    if (!rejected('exitReport', exitReportProblem(report), report)) state.recordExitReport(report);
  });
}

function checkPollInterval(arg: unknown): void {
  const interval = (arg as { interval?: unknown } | undefined)?.interval;
  if (typeof interval !== 'string' || interval.trim() === '')
    throw new Error('interval: expected a duration such as "30 seconds" or "5m"');
  let ms: number;
  try {
    ms = msToNumber(interval as Duration);
  } catch {
    throw new Error(`interval "${interval}": not a duration (expected e.g. "30 seconds", "5m", "1 hour")`);
  }
  if (!Number.isFinite(ms) || ms < POLL_INTERVAL_BOUNDS_MS.min || ms > POLL_INTERVAL_BOUNDS_MS.max) {
    throw new Error(`interval "${interval}": expected between 1 second and 1 day`);
  }
}
