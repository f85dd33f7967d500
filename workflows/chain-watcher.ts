// The chain watcher: one workflow for all rollups. At each new block it asks what changed on chain
// (staking limits, registrations, cluster changes, bridge balances) and signals `wake` to the
// monitors concerned. Monitors also poll on their own timer, so a stopped watcher only delays.
//
// How it waits for the next block: one activity, waitForRollupChanges, waits for the block after
// the last one scanned (a newHeads subscription or polling eth_blockNumber, on the worker:
// activities/chain/head-follower.ts), heartbeating, and returns after pollInterval at the latest,
// so that the workflow keeps control on a quiet chain. A StakingLimitChanged thus reaches the
// monitor within one block. Runs started before this change keep their fixed sleep between looks
// (patch FOLLOW_HEADS_PATCH) until their next continueAsNew.
import {
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { BotActivities } from '../activities/interface';
import { READ_OPTIONS } from './activity-options';
import { monitorWorkflowId } from './ids';
import { wakeSignal } from '../protocol/messages';
import type { RollupAdmin } from '../protocol/identifiers';

const { detectRollupChanges } = proxyActivities<BotActivities>(READ_OPTIONS);

/** Recorded by runs that wait for new blocks in an activity instead of sleeping between polls. */
export const FOLLOW_HEADS_PATCH = 'chain-watcher-follows-heads';

/** The longest wait for a block; the sleep between two looks of a run started before FOLLOW_HEADS_PATCH (unchanged: its replay). */
const DEFAULT_POLL_INTERVAL: Duration = '5 seconds';

/** A waiting activity heartbeats every few seconds (activities/chain/head-follower.ts): a dead worker is noticed this soon. */
const WAIT_HEARTBEAT_TIMEOUT: Duration = '30 seconds';

export interface ChainWatcherInput {
  /**
   * The longest wait for a new block before the watcher looks anyway (a quiet chain, a node that
   * announces nothing). Default 5 seconds. Runs started before FOLLOW_HEADS_PATCH: the sleep between looks.
   */
  pollInterval?: Duration;
  /** Carried across continueAsNew. */
  fromBlock?: number;
  balances?: Record<string, string>;
  /** Tests: continue as new after this many polls instead of the server's suggestion. */
  continueAsNewAfterPolls?: number;
}

async function wake({ rollupAdmin, reason }: { rollupAdmin: RollupAdmin; reason: string }): Promise<void> {
  try {
    await getExternalWorkflowHandle(monitorWorkflowId(rollupAdmin)).signal(wakeSignal, { reason });
  } catch {
    // No monitor runs for this rollup (not onboarded to the bot, or stopped): nothing to wake.
    log.debug('no monitor to wake', { rollupAdmin });
  }
}

export async function chainWatcherWorkflow(input: ChainWatcherInput = {}): Promise<never> {
  // Asked once per run, before its first command: a run recorded without the marker replays the sleep loop.
  const followHeads = patched(FOLLOW_HEADS_PATCH);
  const maxWaitMs = msToNumber(input.pollInterval ?? DEFAULT_POLL_INTERVAL);
  const { waitForRollupChanges } = proxyActivities<BotActivities>({
    ...READ_OPTIONS,
    // The wait, then one look (READ_OPTIONS' minute).
    startToCloseTimeout: maxWaitMs + msToNumber(READ_OPTIONS.startToCloseTimeout ?? '1 minute'),
    heartbeatTimeout: WAIT_HEARTBEAT_TIMEOUT,
  });
  let fromBlock = input.fromBlock;
  let balances = input.balances ?? {};
  for (let polls = 1; ; polls++) {
    const changes = followHeads
      ? await waitForRollupChanges({ fromBlock, balances, maxWaitMs })
      : await detectRollupChanges({ fromBlock, balances });
    fromBlock = changes.nextFromBlock;
    balances = changes.balances;
    if (followHeads) {
      // All wakes of a look in one workflow task (the sleep loop sent them one task at a time).
      await Promise.all(changes.wake.map(wake));
    } else {
      for (const change of changes.wake) await wake(change);
    }
    if (
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfterPolls !== undefined && polls >= input.continueAsNewAfterPolls)
    ) {
      await continueAsNew<typeof chainWatcherWorkflow>({ ...input, fromBlock, balances });
    }
    if (!followHeads) await sleep(input.pollInterval ?? DEFAULT_POLL_INTERVAL);
  }
}
