// The monitor's creation step: one creation batch at a time, a child workflow it awaits, and the
// registration of deposited mnemonic keys whose keyshares failed to register.
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  log,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BotActivities } from '../../activities/interface';
import type { RollupSnapshot } from '../../activities/types';
import { READ_OPTIONS, SIGNAL_OPTIONS } from '../activity-options';
import { createValidatorsWorkflow } from '../create-validators';
import { describeFailure } from '../failures';
import { creationWorkflowId } from '../ids';
import type { CreationPlan } from '../planning';
import { batchVisibility, signalBatches } from './batches';
import { creationStart, type MonitorEvents } from './events';
import type { MonitorState } from './state';

const { readRollup } = proxyActivities<BotActivities>(READ_OPTIONS);
const { requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);

/**
 * Creates `plan.toCreate` validators in one child, one batch or (more than maxBatch) rounds of
 * one batch each, and records what it did. True if it deposited any.
 */
export async function createBatch(
  state: MonitorState,
  events: MonitorEvents,
  snapshot: RollupSnapshot,
  plan: CreationPlan,
): Promise<boolean> {
  const { status, input, unregistered } = state;
  events.setPhase('creating');
  const workflowId = creationWorkflowId(input.rollupAdmin);
  status.inFlight = { workflowId, count: plan.toCreate };
  status.validators.creating = plan.toCreate;
  const lean = creationStart(events, input.keyPath);
  try {
    const visibility = batchVisibility(
      input,
      `creation of ${plan.toCreate} validator(s) (${input.keyPath === 'dkg' ? 'DKG ceremony' : 'mnemonic keys'}): ${plan.reason}`,
    );
    const child = await startChild(createValidatorsWorkflow, {
      workflowId,
      args: [
        {
          rollupAdmin: input.rollupAdmin,
          bridge: snapshot.bridge,
          operatorCluster: snapshot.operatorCluster,
          keyPath: input.keyPath,
          count: plan.toCreate,
          ...lean.args,
          // More than one batch: created in rounds of one batch each (creation/rounds.ts).
          ...(plan.toCreate > state.maxBatch
            ? { rounds: { size: state.maxBatch, validatorCountAtPlan: snapshot.validatorCount } }
            : {}),
        },
      ],
      // The batch finishes even if the monitor is terminated or reset: a half-done deposit must
      // not be cut off. Its fixed id means a second creation for this rollup cannot start.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      ...visibility,
      typedSearchAttributes: [...visibility.typedSearchAttributes, ...lean.searchAttributes],
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
        count: (status.guardHeld?.count ?? 0) + held.length,
        at: new Date().toISOString(),
        last: `${held[held.length - 1].pubkey}: ${held[held.length - 1].failures.map((f) => `[${f.check}] ${f.reason}`).join(' | ')}`,
      };
    }
    if (result.stoppedEarly) log.info('creation in rounds ended early', { workflowId, why: result.stoppedEarly });
    status.lastError =
      unregistered.length > 0
        ? `${unregistered.length} deposited key(s) not registered with SSV: ${unregistered[unregistered.length - 1].reason}`
        : undefined;
    return result.deposited.length > 0;
  } catch (err) {
    status.lastError =
      err instanceof WorkflowExecutionAlreadyStartedError
        ? `a creation for this rollup is already running (${workflowId}), started before this monitor run: waiting for it to finish`
        : describeFailure(err);
    log.warn('creation did not complete', { workflowId, error: status.lastError });
    return false;
  } finally {
    status.inFlight = undefined;
    status.validators.creating = 0;
  }
}

/**
 * Deposited mnemonic keys whose keyshares failed to register are registered again: their keys
 * are re-derived from the recorded index for the nonce current at registration. (DKG keyshares
 * are signed for a fixed nonce: they stay listed, and need a resign.)
 */
export async function reregisterMnemonicKeys(state: MonitorState, events: MonitorEvents): Promise<void> {
  const { status, input, unregistered, registrationResults } = state;
  const keys = unregistered.filter((u): u is typeof u & { keyIndex: number } => u.keyIndex !== undefined);
  if (keys.length === 0 || status.paused) return;
  const snapshot = await readRollup({ rollupAdmin: input.rollupAdmin }).catch(() => undefined);
  if (!snapshot || snapshot.dryRun) return;
  const requestId = `${workflowInfo().workflowId}/reregister-${++state.reregistrations}`;
  events.setPhase('creating');
  await requestRegistration({
    kind: 'mnemonic',
    requestId,
    requester: workflowInfo().workflowId,
    rollupAdmin: input.rollupAdmin,
    operatorCluster: snapshot.operatorCluster,
    keys: keys.map((k) => ({ pubkey: k.pubkey, keyIndex: k.keyIndex })),
  });
  const answered = await condition(() => registrationResults.some((r) => r.requestId === requestId), '1 hour');
  const result = registrationResults.find((r) => r.requestId === requestId);
  registrationResults.length = 0;
  if (!answered || !result || result.kind === 'granted') return;
  const done = new Set(result.registered.map((r) => r.pubkey));
  for (let i = unregistered.length - 1; i >= 0; i--) if (done.has(unregistered[i].pubkey)) unregistered.splice(i, 1);
  status.unregisteredKeys = unregistered.length;
  status.lastError =
    result.kind === 'failed'
      ? `${unregistered.length} deposited key(s) not registered with SSV: ${result.reason}`
      : undefined;
}
