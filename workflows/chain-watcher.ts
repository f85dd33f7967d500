// The chain watcher: one workflow for all rollups. Every few seconds it asks what changed on
// chain (staking limits, registrations, cluster changes, bridge balances) and signals `wake` to
// the monitors concerned. Monitors also poll on their own timer, so a stopped watcher only delays.
import { continueAsNew, getExternalWorkflowHandle, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import { READ_OPTIONS } from './activity-options';
import { monitorWorkflowId } from './ids';
import { wakeSignal } from './messages';

const { detectRollupChanges } = proxyActivities<BotActivities>(READ_OPTIONS);

export interface ChainWatcherInput {
  pollInterval?: Duration;
  /** Carried across continueAsNew. */
  fromBlock?: number;
  balances?: Record<string, string>;
  /** Tests: continue as new after this many polls instead of the server's suggestion. */
  continueAsNewAfterPolls?: number;
}

export async function chainWatcherWorkflow(input: ChainWatcherInput = {}): Promise<never> {
  let fromBlock = input.fromBlock;
  let balances = input.balances ?? {};
  for (let polls = 1; ; polls++) {
    const changes = await detectRollupChanges({ fromBlock, balances });
    fromBlock = changes.nextFromBlock;
    balances = changes.balances;
    for (const { rollupAdmin, reason } of changes.wake) {
      try {
        await getExternalWorkflowHandle(monitorWorkflowId(rollupAdmin)).signal(wakeSignal, { reason });
      } catch {
        // No monitor runs for this rollup (not onboarded to the bot, or stopped): nothing to wake.
        log.debug('no monitor to wake', { rollupAdmin });
      }
    }
    if (workflowInfo().continueAsNewSuggested || (input.continueAsNewAfterPolls !== undefined && polls >= input.continueAsNewAfterPolls)) {
      await continueAsNew<typeof chainWatcherWorkflow>({ ...input, fromBlock, balances });
    }
    await sleep(input.pollInterval ?? '5 seconds');
  }
}
