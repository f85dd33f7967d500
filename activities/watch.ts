// What changed on chain since the last look, for all rollups at once (one log scan and one batch of
// balance reads per look, whatever the number of rollups): the chain watcher wakes the monitors
// of the rollups concerned, so that a new limit or new ETH is acted on within one block.
// waitForRollupChanges first waits for the block after the last one scanned (a newHeads
// subscription, or polling: chain/head-follower.ts), so the watcher looks once per new block.
import { Context } from '@temporalio/activity';
import type { ethers } from 'ethers';
import { readRollupEvents, readRollupStates } from './chain/reads';
import { HeadFollower, type HeadWaitResult } from './chain/head-follower';
import { asRollupAdmin, type RollupAdmin } from '../protocol/identifiers';

export interface WatchInput {
  /** First block to scan; undefined on the first poll (start at the current head). */
  fromBlock?: number;
  /** Bridge balances (wei, decimal) seen at the last poll, by rollup admin. */
  balances: Record<string, string>;
}

export interface FollowInput extends WatchInput {
  /** Longest wait for a block past fromBlock − 1 before looking anyway (the watcher's poll interval). */
  maxWaitMs: number;
}

export interface WatchResult {
  /** The next poll starts here. */
  nextFromBlock: number;
  /** waitForRollupChanges: what ended its wait for a new block (shown in the history, checked by tests). */
  waitEndedBy?: HeadWaitResult['endedBy'];
  wake: { rollupAdmin: RollupAdmin; reason: string }[];
  balances: Record<string, string>;
}

export interface WatchDependencies {
  provider: ethers.Provider;
  nexus: string;
  logMaxRange: number;
  /** How new blocks are learnt of; absent: polling eth_blockNumber every second. */
  heads?: HeadFollower;
}

/** Polling only, for workers built without a head follower (tests that build dependencies by hand). */
const DEFAULT_POLL_MS = 1_000;

export function createWatchActivities(deps: WatchDependencies) {
  const heads =
    deps.heads ??
    new HeadFollower({
      provider: deps.provider,
      chainId: 1,
      pollIntervalMs: DEFAULT_POLL_MS,
      log: { info: () => undefined, warn: () => undefined },
    });
  const activities = {
    /**
     * Waits until the head is at least fromBlock (heartbeating, cancellable), at most maxWaitMs,
     * then looks as detectRollupChanges does. One activity per new block, or per group of blocks.
     */
    async waitForRollupChanges(input: FollowInput): Promise<WatchResult> {
      if (input.fromBlock === undefined) return activities.detectRollupChanges(input);
      const ctx = Context.current();
      const { endedBy } = await heads.waitForHeadAfter(input.fromBlock - 1, {
        maxWaitMs: input.maxWaitMs,
        onWaiting: () => ctx.heartbeat(),
        signal: ctx.cancellationSignal,
      });
      return {
        ...(await activities.detectRollupChanges({ fromBlock: input.fromBlock, balances: input.balances })),
        waitEndedBy: endedBy,
      };
    },

    async detectRollupChanges(input: WatchInput): Promise<WatchResult> {
      const head = await deps.provider.getBlockNumber();
      const fromBlock = input.fromBlock ?? head;
      const wake = new Map<RollupAdmin, string>();
      const admins = new Set(Object.keys(input.balances));
      if (fromBlock <= head) {
        const { events } = await readRollupEvents(deps.provider, deps.nexus, null, {
          fromBlock,
          toBlock: head,
          maxRange: deps.logMaxRange,
        });
        for (const e of events) {
          const admin = asRollupAdmin(e.rollupAdmin); // checksummed by the chain read
          admins.add(admin);
          wake.set(
            admin,
            e.event === 'StakingLimitChanged'
              ? `staking limit changed to ${e.stakingLimit} bps (block ${e.blockNumber})`
              : `${e.event} (block ${e.blockNumber})`,
          );
        }
      }
      const balances: Record<string, string> = {};
      if (admins.size > 0) {
        const states = await readRollupStates(deps.provider, deps.nexus, [...admins], { blockTag: head });
        for (const state of states.rollups) {
          const admin = asRollupAdmin(state.rollupAdmin);
          balances[admin] = state.bridgeBalanceWei;
          const before = input.balances[admin];
          if (before !== undefined && before !== state.bridgeBalanceWei && !wake.has(admin)) {
            wake.set(admin, `bridge balance changed from ${before} to ${state.bridgeBalanceWei} wei`);
          }
        }
      }
      return {
        nextFromBlock: head + 1,
        wake: [...wake].map(([rollupAdmin, reason]) => ({ rollupAdmin, reason })),
        balances,
      };
    },
  };
  return activities;
}
