// What the rollup monitor does to the child batches it starts (creations, exit batches): how they
// show in the Web UI, and the pause and resume it forwards to them (invariant 8).
import { getExternalWorkflowHandle, log, patched, workflowInfo } from '@temporalio/workflow';
import { rollupSearchAttributes } from '../../temporal-config/search-attributes';
import { describeFailure } from '../failures';
import { pauseSignal, resumeSignal } from '../../protocol/messages';
import type { RollupMonitorInput } from './input';

/**
 * What the Web UI shows of a batch: the rollup and key path as search attributes (an operator
 * finds a rollup's ceremonies and exits with NexusRollupAdmin), and why it was started as memo.
 */
export function batchVisibility(input: Pick<RollupMonitorInput, 'rollupAdmin' | 'keyPath'>, description: string) {
  return {
    typedSearchAttributes: rollupSearchAttributes(input.rollupAdmin, input.keyPath),
    memo: {
      rollupAdmin: input.rollupAdmin,
      keyPath: input.keyPath,
      startedBy: workflowInfo().workflowId,
      description,
    },
  };
}

/** Pauses or resumes batches; they stop at their next safe point. A batch that ended is logged, not an error. */
export async function signalBatches(
  workflowIds: readonly string[],
  message: { kind: 'pause'; reason?: string } | { kind: 'resume' },
): Promise<void> {
  await Promise.all(
    workflowIds.map(async (workflowId) => {
      try {
        const batch = getExternalWorkflowHandle(workflowId);
        if (message.kind === 'pause') await batch.signal(pauseSignal, { reason: `rollup paused: ${message.reason}` });
        else await batch.signal(resumeSignal);
      } catch (err) {
        // The batch ended meanwhile: nothing left to pause.
        log.warn(`could not ${message.kind} a batch in flight`, { workflowId, error: describeFailure(err) });
      }
    }),
  );
}

/** Recorded by runs that ask whether their exit batches still run all at once (patched). */
export const BATCHES_CHECKED_AT_ONCE_PATCH = 'exit-batches-checked-at-once';

/**
 * Whether each batch still runs, in the order given. Asked before every plan: one activity after
 * another cost a round trip per exit batch in flight (bench/limit-reaction.ts: 1.0–2.2 s with
 * 16–20 batches, between a limit change and the creation); now they go out together. Histories
 * recorded before this asked one at a time and replay that way. `isRunning` is the monitor's
 * isWorkflowRunning activity.
 */
export async function batchesRunning(
  workflowIds: readonly string[],
  isRunning: (input: { workflowId: string }) => Promise<boolean>,
): Promise<boolean[]> {
  if (workflowIds.length === 0) return [];
  if (patched(BATCHES_CHECKED_AT_ONCE_PATCH))
    return Promise.all(workflowIds.map((workflowId) => isRunning({ workflowId })));
  const running: boolean[] = [];
  for (const workflowId of workflowIds) running.push(await isRunning({ workflowId }));
  return running;
}
