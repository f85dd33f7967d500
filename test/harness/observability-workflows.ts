// Workflows of the observability test's worker (test/harness/observability-worker.ts): a probe
// that reads a rollup, runs a slow step and a failing one, and a stand-in creation batch that only
// waits (it carries the real creation workflow's type name, which the in-flight gauge counts).
import { condition, defineSignal, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ProbeActivities } from './observability-worker';

const { readRollup, slowStep, failingStep } = proxyActivities<ProbeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 2, initialInterval: '100 ms' },
});

export interface ProbeInput {
  rollupAdmin: string;
  slowMs: number;
  failType: string;
}

export async function observabilityProbeWorkflow(input: ProbeInput): Promise<string> {
  log.info('probe started', { slowMs: input.slowMs });
  await readRollup({ rollupAdmin: input.rollupAdmin });
  await slowStep({ rollupAdmin: input.rollupAdmin, ms: input.slowMs });
  try {
    await failingStep({ rollupAdmin: input.rollupAdmin, type: input.failType });
  } catch {
    log.warn('failing step failed as planned');
  }
  return 'done';
}

export const finishSignal = defineSignal('finish');

export async function createValidatorsWorkflow(input: { rollupAdmin: string }): Promise<void> {
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  log.info('stand-in creation batch waiting', { rollupAdmin: input.rollupAdmin });
  await condition(() => finished);
}
