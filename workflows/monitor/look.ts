// One look of the monitor at the chain: reconcile when due, settle and follow exits, read the
// rollup, plan, then create one batch or, when creation wants none, plan exits.
import { condition, log, patched } from '@temporalio/workflow';
import { describeFailure } from '../failures';
import { bridgeStateOf, planCreation } from '../planning';
import { CREATE_DURING_EXITS_PATCH, planCreationBesideExits } from '../creation-beside-exits';
import { createBatch, reregisterMnemonicKeys } from './creation-step';
import { creationRunSize, type MonitorEvents } from './events';
import { exitsIfNeeded, followOrphanedExits, settleExits, startExitBatch } from './exits';
import { reconcileWithChain } from './reconcile';
import type { MonitorState } from './state';

/** One look at the chain and, if the bridge allows more validators, one creation batch. True if one was created. */
export async function monitorOnce(state: MonitorState, events: MonitorEvents): Promise<boolean> {
  const { status, input, exitsInFlight } = state;
  if (state.loops === 1 || state.loops % state.reconcileEvery === 0) {
    await reconcileWithChain({
      rollupAdmin: input.rollupAdmin,
      unregistered: state.unregistered,
      exitsInFlight,
      orphanedExits: state.orphanedExits,
      status,
      followExits: (validators, reason) => startExitBatch(state, events, validators, reason, { followOnly: true }),
      nextRequestNumber: () => ++state.reregistrations,
      awaitRegistration: async (requestId) => {
        await condition(() => state.registrationResults.some((r) => r.requestId === requestId), '1 hour');
        const i = state.registrationResults.findIndex((r) => r.requestId === requestId);
        return i >= 0 ? state.registrationResults.splice(i, 1)[0] : undefined;
      },
    });
    state.showExits();
  }
  await reregisterMnemonicKeys(state, events);
  await settleExits(state);
  await followOrphanedExits(state, events);
  events.setPhase('reading');
  let snapshot;
  try {
    snapshot = await events.readRollup({ rollupAdmin: input.rollupAdmin });
  } catch (err) {
    status.lastError = describeFailure(err);
    state.looks++;
    return false;
  }
  status.validators.staked = Number(snapshot.validatorCount);
  status.dryRun = snapshot.dryRun === true ? true : undefined;
  events.setPhase('planning');
  // Histories recorded before creation could run beside exits created nothing here (the patch
  // is absent from them, so they replay that way).
  if (exitsInFlight.length > 0 && !patched(CREATE_DURING_EXITS_PATCH)) {
    await exitsIfNeeded(state, events, snapshot);
    state.looks++;
    return false;
  }
  const bridge = bridgeStateOf(snapshot);
  const runSize = creationRunSize(events, input.keyPath, state.maxBatch);
  // One creation at a time, awaited below: no deposit is pending between loops.
  const plan =
    exitsInFlight.length > 0
      ? await planCreationBesideExits(
          bridge,
          exitsInFlight.flatMap((e) => e.pubkeys),
          runSize,
        )
      : planCreation({ ...bridge, pendingDeposits: 0, maxBatch: runSize });
  status.lastPlan = {
    at: new Date().toISOString(),
    toCreate: plan.toCreate,
    toExit: 0,
    reason: plan.reason,
    blockNumber: snapshot.blockNumber,
  };
  if (plan.toCreate === 0) {
    if (!status.paused) await exitsIfNeeded(state, events, snapshot);
    state.looks++;
    return false;
  }
  state.looks++;
  if (status.paused) return false;
  if (snapshot.dryRun) {
    status.lastPlan.reason = `dry run, nothing sent: would create ${plan.toCreate} (${plan.reason})`;
    log.info('dry run: creation planned, none started', { toCreate: plan.toCreate });
    return false;
  }
  return createBatch(state, events, snapshot, plan);
}
