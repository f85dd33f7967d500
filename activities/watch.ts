// What changed on chain since the last look, for all rollups at once (one log scan and one batch of
// balance reads per poll, whatever the number of rollups): the chain watcher wakes the monitors
// of the rollups concerned, so that a new limit or new ETH is acted on within seconds.
import type { ethers } from 'ethers';
import { readRollupEvents, readRollupStates } from './chain/reads';

export interface WatchInput {
  /** First block to scan; undefined on the first poll (start at the current head). */
  fromBlock?: number;
  /** Bridge balances (wei, decimal) seen at the last poll, by rollup admin. */
  balances: Record<string, string>;
}

export interface WatchResult {
  /** The next poll starts here. */
  nextFromBlock: number;
  wake: { rollupAdmin: string; reason: string }[];
  balances: Record<string, string>;
}

export interface WatchDependencies {
  provider: ethers.Provider;
  nexus: string;
  logMaxRange: number;
}

export function createWatchActivities(deps: WatchDependencies) {
  return {
    async detectRollupChanges(input: WatchInput): Promise<WatchResult> {
      const head = await deps.provider.getBlockNumber();
      const fromBlock = input.fromBlock ?? head;
      const wake = new Map<string, string>();
      const admins = new Set(Object.keys(input.balances));
      if (fromBlock <= head) {
        const { events } = await readRollupEvents(deps.provider, deps.nexus, null, { fromBlock, toBlock: head, maxRange: deps.logMaxRange });
        for (const e of events) {
          const admin = e.rollupAdmin.toLowerCase();
          admins.add(admin);
          wake.set(admin, e.event === 'StakingLimitChanged' ? `staking limit changed to ${e.stakingLimit} bps (block ${e.blockNumber})` : `${e.event} (block ${e.blockNumber})`);
        }
      }
      const balances: Record<string, string> = {};
      if (admins.size > 0) {
        const states = await readRollupStates(deps.provider, deps.nexus, [...admins], { blockTag: head });
        for (const state of states.rollups) {
          const admin = state.rollupAdmin.toLowerCase();
          balances[admin] = state.bridgeBalanceWei;
          const before = input.balances[admin];
          if (before !== undefined && before !== state.bridgeBalanceWei && !wake.has(admin)) {
            wake.set(admin, `bridge balance changed from ${before} to ${state.bridgeBalanceWei} wei`);
          }
        }
      }
      return { nextFromBlock: head + 1, wake: [...wake].map(([rollupAdmin, reason]) => ({ rollupAdmin, reason })), balances };
    },
  };
}
