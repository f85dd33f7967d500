// The monitor's reconciliation step: on start, after continue-as-new and every few polls, its
// memory (unregistered keys, exit batches in flight) is rebuilt from the chain, and the keys that
// need the bot are acted on (workflows/reconciliation.ts decides, pure). Runs between creations,
// never beside one of this monitor's own.
import { log, proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../activities/interface';
import type { ExitValidator } from '../activities/exit-types';
import { RECONCILE_OPTIONS, SIGNAL_OPTIONS } from './activity-options';
import { describeFailure } from './failures';
import { creationWorkflowId } from './ids';
import type { MonitorStatus } from './messages';
import { planReconciliation, type ReconciliationSummary } from './reconciliation';

const { reconcileRollup, listRunningExitBatches } = proxyActivities<BotActivities>(RECONCILE_OPTIONS);
const { isWorkflowRunning } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);

/** The monitor's state that reconciliation reads and corrects (its own arrays, changed in place). */
export interface ReconcileContext {
  rollupAdmin: string;
  unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
  exitsInFlight: { workflowId: string; pubkeys: string[]; phase?: string }[];
  orphanedExits: readonly string[];
  status: MonitorStatus;
  /** Starts an exit batch that follows (never broadcasts first) validators whose exit was submitted. */
  followExits(validators: ExitValidator[], reason: string): Promise<void>;
}

export async function reconcileWithChain(ctx: ReconcileContext): Promise<void> {
  const differences: string[] = [];
  const done: string[] = [];
  try {
    // Batches an earlier run of this monitor started (they report to its workflow id): adopted, not doubled.
    for (const batch of await listRunningExitBatches({ rollupAdmin: ctx.rollupAdmin })) {
      if (ctx.exitsInFlight.some((e) => e.workflowId === batch.workflowId)) continue;
      ctx.exitsInFlight.push({ workflowId: batch.workflowId, pubkeys: batch.pubkeys, phase: batch.phase });
      differences.push(`exit batch ${batch.workflowId} runs, following ${batch.pubkeys.length} validator(s), unknown to the monitor`);
      done.push(`adopted exit batch ${batch.workflowId}`);
    }
    const view = await reconcileRollup({ rollupAdmin: ctx.rollupAdmin });
    const creationRunning = await isWorkflowRunning({ workflowId: creationWorkflowId(ctx.rollupAdmin) });
    const followed = new Set([...ctx.exitsInFlight.flatMap((e) => e.pubkeys), ...ctx.orphanedExits].map((k) => k.toLowerCase()));
    const actions = planReconciliation(view, { unregistered: ctx.unregistered, followed, creationRunning });
    differences.push(...actions.differences);

    if (actions.forget.length > 0) {
      const forget = new Set(actions.forget);
      for (let i = ctx.unregistered.length - 1; i >= 0; i--) if (forget.has(ctx.unregistered[i].pubkey)) ctx.unregistered.splice(i, 1);
      done.push(`${actions.forget.length} key(s) taken off the unregistered list`);
    }
    if (actions.register.length > 0) {
      ctx.unregistered.push(...actions.register);
      done.push(`${actions.register.length} mnemonic key(s) queued for keyshares registration (re-derived from their index)`);
    }
    const attention = [...actions.attention];
    for (const k of actions.registerFromArchive) {
      // Archived DKG keyshares are signed for one owner nonce: usable only while it is the next one.
      attention.push({ pubkey: k.pubkey, reason: `deposited DKG key without keyshares; its archived keyshares (ceremony ${k.requestId}) are signed for SSV owner nonce ${k.ownerNonce}: register them if that is still the next nonce, else resign (see the README)` });
    }
    if (actions.follow.length > 0) {
      await ctx.followExits(actions.follow, `reconciliation: ${actions.follow.length} exit-submitted validator(s) no batch followed`);
      done.push(`exit batch started to follow ${actions.follow.length} validator(s)`);
    }
    if (creationRunning && view.depositedUnregistered.length > 0) {
      done.push(`${view.depositedUnregistered.length} deposited key(s) without keyshares left to the creation batch still running`);
    }
    const summary: ReconciliationSummary = {
      at: new Date().toISOString(), blockNumber: view.blockNumber, submitted: view.submitted, counts: view.counts, differences, actions: done, attention,
    };
    ctx.status.reconciliation = summary;
    ctx.status.unregisteredKeys = ctx.unregistered.length;
    if (differences.length > 0 || attention.length > 0) {
      log.warn('reconciliation: the monitor\'s memory differed from the chain', {
        rollupAdmin: ctx.rollupAdmin, differences, actions: done, attention: attention.length, blockNumber: view.blockNumber,
      });
    }
    for (const a of attention) log.warn('deposited key needs an operator', { rollupAdmin: ctx.rollupAdmin, pubkey: a.pubkey, reason: a.reason });
  } catch (err) {
    // The monitor goes on with its memory; the next turn reconciles again.
    const error = describeFailure(err);
    ctx.status.reconciliation = { ...(ctx.status.reconciliation ?? emptySummary()), error, errorAt: new Date().toISOString() };
    log.warn('reconciliation did not complete', { rollupAdmin: ctx.rollupAdmin, error });
  }
}

function emptySummary(): ReconciliationSummary {
  return { at: '', blockNumber: 0, submitted: 0, counts: {}, differences: [], actions: [], attention: [] };
}
