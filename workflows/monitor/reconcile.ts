// The monitor's reconciliation step: on start, after continue-as-new and every few polls, its
// memory (unregistered keys, exit batches in flight) is rebuilt from the chain, and the keys that
// need the bot are acted on (workflows/reconciliation.ts decides, pure). Runs between creations,
// never beside one of this monitor's own.
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import type { ExitValidator } from '../../activities/exit-types';
import { READ_OPTIONS, RECONCILE_OPTIONS, SIGNAL_OPTIONS } from '../activity-options';
import type { RegistrationResult } from '../../protocol/registrar-types';
import { describeFailure } from '../failures';
import { creationWorkflowId } from '../ids';
import type { MonitorStatus, ReconciliationSummary } from '../../protocol/messages';
import { planReconciliation } from '../reconciliation';
import type { RollupAdmin } from '../../protocol/identifiers';

const { reconcileRollup, listRunningExitBatches } = proxyActivities<BotActivities>(RECONCILE_OPTIONS);
const { isWorkflowRunning, requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);
const { readRollup, loadArchivedKeyshares } = proxyActivities<BotActivities>(READ_OPTIONS);

/** The monitor's state that reconciliation reads and corrects (its own arrays, changed in place). */
export interface ReconcileContext {
  rollupAdmin: RollupAdmin;
  unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
  exitsInFlight: { workflowId: string; pubkeys: string[]; phase?: string }[];
  orphanedExits: readonly string[];
  status: MonitorStatus;
  /** Starts an exit batch that follows (never broadcasts first) validators whose exit was submitted. */
  followExits(validators: ExitValidator[], reason: string): Promise<void>;
  /** The registrar's answer to one of the monitor's requests (undefined: none within the wait). */
  awaitRegistration(requestId: string): Promise<RegistrationResult | undefined>;
  /** Numbers the monitor's own registrar requests (their ids never repeat). */
  nextRequestNumber(): number;
}

export async function reconcileWithChain(ctx: ReconcileContext): Promise<void> {
  const differences: string[] = [];
  const done: string[] = [];
  try {
    // Batches an earlier run of this monitor started (they report to its workflow id): adopted, not doubled.
    for (const batch of await listRunningExitBatches({ rollupAdmin: ctx.rollupAdmin })) {
      if (ctx.exitsInFlight.some((e) => e.workflowId === batch.workflowId)) continue;
      ctx.exitsInFlight.push({ workflowId: batch.workflowId, pubkeys: batch.pubkeys, phase: batch.phase });
      differences.push(
        `exit batch ${batch.workflowId} runs, following ${batch.pubkeys.length} validator(s), unknown to the monitor`,
      );
      done.push(`adopted exit batch ${batch.workflowId}`);
    }
    const view = await reconcileRollup({ rollupAdmin: ctx.rollupAdmin });
    const creationRunning = await isWorkflowRunning({ workflowId: creationWorkflowId(ctx.rollupAdmin) });
    const followed = new Set(
      [...ctx.exitsInFlight.flatMap((e) => e.pubkeys), ...ctx.orphanedExits].map((k) => k.toLowerCase()),
    );
    const actions = planReconciliation(view, { unregistered: ctx.unregistered, followed, creationRunning });
    differences.push(...actions.differences);

    if (actions.forget.length > 0) {
      const forget = new Set(actions.forget);
      for (let i = ctx.unregistered.length - 1; i >= 0; i--)
        if (forget.has(ctx.unregistered[i].pubkey)) ctx.unregistered.splice(i, 1);
      done.push(`${actions.forget.length} key(s) taken off the unregistered list`);
    }
    if (actions.register.length > 0) {
      ctx.unregistered.push(...actions.register);
      done.push(
        `${actions.register.length} mnemonic key(s) queued for keyshares registration (re-derived from their index)`,
      );
    }
    const attention = [...actions.attention];
    if (actions.registerFromArchive.length > 0) {
      const outcome = await registerFromArchive(ctx, actions.registerFromArchive);
      done.push(...outcome.done);
      attention.push(...outcome.attention);
    }
    if (actions.follow.length > 0) {
      await ctx.followExits(
        actions.follow,
        `reconciliation: ${actions.follow.length} exit-submitted validator(s) no batch followed`,
      );
      done.push(`exit batch started to follow ${actions.follow.length} validator(s)`);
    }
    if (creationRunning && view.depositedUnregistered.length > 0) {
      done.push(
        `${view.depositedUnregistered.length} deposited key(s) without keyshares left to the creation batch still running`,
      );
    }
    const summary: ReconciliationSummary = {
      at: new Date().toISOString(),
      blockNumber: view.blockNumber,
      submitted: view.submitted,
      counts: view.counts,
      differences,
      actions: done,
      attention,
    };
    ctx.status.reconciliation = summary;
    ctx.status.unregisteredKeys = ctx.unregistered.length;
    if (differences.length > 0 || attention.length > 0) {
      log.warn("reconciliation: the monitor's memory differed from the chain", {
        rollupAdmin: ctx.rollupAdmin,
        differences,
        actions: done,
        attention: attention.length,
        blockNumber: view.blockNumber,
      });
    }
    for (const a of attention)
      log.warn('deposited key needs an operator', { rollupAdmin: ctx.rollupAdmin, pubkey: a.pubkey, reason: a.reason });
  } catch (err) {
    // The monitor goes on with its memory; the next turn reconciles again.
    const error = describeFailure(err);
    ctx.status.reconciliation = {
      ...(ctx.status.reconciliation ?? emptySummary()),
      error,
      errorAt: new Date().toISOString(),
    };
    log.warn('reconciliation did not complete', { rollupAdmin: ctx.rollupAdmin, error });
  }
}

/**
 * Deposited DKG keys never registered: their archived keyshares are signed for fixed owner nonces,
 * usable only while the first of them is still the next one. The registrar reserves the next
 * nonces (nothing else registers meanwhile); if they are the archived ones, the keyshares are
 * registered, else the reservation is given back and the keys need a resign.
 */
async function registerFromArchive(
  ctx: ReconcileContext,
  keys: { pubkey: string; requestId: string; ownerNonce: number }[],
): Promise<{ done: string[]; attention: { pubkey: string; reason: string }[] }> {
  const sorted = [...keys].sort((a, b) => a.ownerNonce - b.ownerNonce);
  // One ceremony's consecutive nonces at a time: the first run of them.
  const run = sorted.filter((k, i) => k.requestId === sorted[0].requestId && k.ownerNonce === sorted[0].ownerNonce + i);
  const rest = sorted.filter((k) => !run.includes(k));
  const stale = (why: string) =>
    run.map((k) => ({
      pubkey: k.pubkey,
      reason: `deposited DKG key without keyshares; its archived keyshares (ceremony ${k.requestId}) are signed for SSV owner nonce ${k.ownerNonce}: ${why}`,
    }));
  const later = rest.map((k) => ({
    pubkey: k.pubkey,
    reason: `deposited DKG key without keyshares (archived keyshares for owner nonce ${k.ownerNonce}): tried after the keys before it`,
  }));
  const monitorId = workflowInfo().workflowId;
  const requestId = `${monitorId}/archive-${ctx.nextRequestNumber()}`;
  const snapshot = await readRollup({ rollupAdmin: ctx.rollupAdmin });
  await requestRegistration({
    kind: 'dkg-reserve',
    requestId,
    requester: monitorId,
    rollupAdmin: ctx.rollupAdmin,
    count: run.length,
  });
  const grant = await ctx.awaitRegistration(requestId);
  if (grant?.kind !== 'granted') {
    return {
      done: [],
      attention: [...stale(`no nonce reservation: ${grant?.kind === 'failed' ? grant.reason : 'no answer'}`), ...later],
    };
  }
  const giveBack = async (reason: string) =>
    requestRegistration({ kind: 'dkg-abandon', requestId, requester: monitorId, reason });
  if (grant.firstNonce !== run[0].ownerNonce) {
    await giveBack(`archived keyshares are for nonce ${run[0].ownerNonce}, the next is ${grant.firstNonce}`);
    return {
      done: [],
      attention: [
        ...stale(`the next owner nonce is ${grant.firstNonce}: they can never be registered, the key needs a resign`),
        ...later,
      ],
    };
  }
  let keyshares;
  try {
    keyshares = await loadArchivedKeyshares({
      rollupAdmin: ctx.rollupAdmin,
      bridge: snapshot.bridge,
      operatorCluster: snapshot.operatorCluster,
      requestId: run[0].requestId,
      pubkeys: run.map((k) => k.pubkey),
    });
  } catch (err) {
    await giveBack(describeFailure(err));
    return { done: [], attention: [...stale(`the archive could not give them: ${describeFailure(err)}`), ...later] };
  }
  await requestRegistration({
    kind: 'dkg-register',
    requestId,
    requester: monitorId,
    rollupAdmin: ctx.rollupAdmin,
    keyshares,
  });
  const result = await ctx.awaitRegistration(requestId);
  const registered = new Set(
    result && result.kind !== 'granted' ? result.registered.map((r) => r.pubkey.toLowerCase()) : [],
  );
  const failed = run.filter((k) => !registered.has(k.pubkey));
  return {
    done:
      registered.size > 0
        ? [
            `${registered.size} DKG key(s) registered from their archived keyshares (owner nonces ${run[0].ownerNonce}..)`,
          ]
        : [],
    attention: [
      ...failed.map((k) => ({
        pubkey: k.pubkey,
        reason: `archived keyshares for owner nonce ${k.ownerNonce} not registered: ${result?.kind === 'failed' ? result.reason : 'no answer'}`,
      })),
      ...later,
    ],
  };
}

function emptySummary(): ReconciliationSummary {
  return { at: '', blockNumber: 0, submitted: 0, counts: {}, differences: [], actions: [], attention: [] };
}
