// One long-lived monitor per rollup (an entity workflow, id derived from the rollup admin): read
// the rollup's state, plan, create the validators the bridge allows (one creation at a time) or
// start an exit batch when the rollup is above its limit, then sleep until the poll interval
// passes or a `wake` signal says the chain changed. A creation may start while exit batches are in
// flight (their validators counted as gone, their ETH as not yet back: creation-beside-exits.ts),
// and exits are only planned between creations, when creation wants none. It continues as new,
// idle and with its handlers drained, long before the history grows large; exit batches outlive
// that (they report back by signal).
import { allHandlersFinished, condition, continueAsNew, log, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { monitorEvents } from './monitor/events';
import { installMonitorHandlers } from './monitor/handlers';
import type { RollupMonitorInput } from './monitor/input';
import { monitorOnce } from './monitor/look';
import { MonitorState } from './monitor/state';
// Kept importable from here: clients and tests name the monitor's input with the workflow.
export { POLL_INTERVAL_BOUNDS_MS, type ExitInFlight, type RollupMonitorInput } from './monitor/input';

export async function rollupMonitorWorkflow(input: RollupMonitorInput): Promise<never> {
  const state = MonitorState.fromInput(input);
  const { status } = state;
  installMonitorHandlers(state);
  const events = monitorEvents(status);
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfterLoops !== undefined && state.loops >= input.continueAsNewAfterLoops);

  for (;;) {
    state.loops++;
    if (status.paused) {
      // Invariant 8: a paused rollup starts nothing; it only waits (or continues as new).
      events.setPhase('paused');
      await condition(() => !status.paused || shouldContinueAsNew());
    }
    // After a batch, look again at once: the bridge may allow another.
    const created = !status.paused && (await monitorOnce(state, events));
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof rollupMonitorWorkflow>({
        ...input,
        pollInterval: state.pollInterval,
        carried: state.toCarried(),
      });
    }
    if (!status.paused && !created) {
      events.setPhase('idle');
      state.wakeReason = undefined;
      await condition(
        () => state.wakeReason !== undefined || status.paused || shouldContinueAsNew(),
        state.pollInterval as Duration,
      );
      if (state.wakeReason) log.info('monitor woken', { reason: state.wakeReason });
    }
  }
}
