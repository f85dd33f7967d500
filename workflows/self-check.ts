// A small workflow that proves a deployment works end to end: a worker picks it up, it runs an
// activity, a durable timer fires (or is skipped by the test server), and signals sent by any
// client (the nexus-bot CLI, `temporal`, `tctl`) reach it.
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { createActivities } from '../activities';
import { pingSignal, receivedPingsQuery, type PingInput } from '../protocol/messages';

const { describeWorker } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

export interface SelfCheckInput {
  /** How long to wait for the timer, e.g. '1 day' (ms-style duration string or milliseconds). */
  wait: Duration;
  /** Finish early once this many pings arrived (0: always wait for the timer). */
  finishAfterPings?: number;
}

export interface SelfCheckResult {
  worker: string;
  pings: string[];
  timerFired: boolean;
}

export async function selfCheckWorkflow(input: SelfCheckInput): Promise<SelfCheckResult> {
  const pings: string[] = [];
  setHandler(pingSignal, (ping: PingInput) => {
    if (typeof ping?.note !== 'string') {
      // A malformed signal payload must not fail the workflow task: record it visibly instead.
      pings.push(`<rejected: expected {"note": string}, got ${JSON.stringify(ping)}>`);
      return;
    }
    pings.push(ping.note);
  });
  setHandler(receivedPingsQuery, () => pings);

  if (input.finishAfterPings !== undefined && input.finishAfterPings < 0) {
    throw ApplicationFailure.nonRetryable(
      `finishAfterPings must be ≥ 0, got ${input.finishAfterPings}`,
      'InvalidInput',
    );
  }
  const worker = await describeWorker();
  const wanted = input.finishAfterPings ?? 0;
  const finishedEarly = await condition(() => wanted > 0 && pings.length >= wanted, input.wait);
  return { worker, pings, timerFired: !finishedEarly };
}
