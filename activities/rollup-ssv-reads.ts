// The creation workflows' chain reads that change nothing: a rollup's state and the SSV owner nonce.
import type { RollupSnapshot } from './types';
import { readRollupState } from './chain/reads';
import type { CreationContext } from './creation-context';

export function createRollupSsvReads(ctx: CreationContext) {
  const { provider, contracts, deps } = ctx;
  return {
    async readRollup({ rollupAdmin }: { rollupAdmin: string }): Promise<RollupSnapshot> {
      const state = await readRollupState(provider, contracts.nexus, rollupAdmin);
      return {
        rollupAdmin: state.rollupAdmin,
        bridge: state.bridge,
        stakingLimitBps: state.stakingLimit,
        operatorCluster: Number(state.operatorCluster),
        bridgeBalanceWei: state.bridgeBalanceWei,
        validatorCount: state.validatorCount,
        bridgeKind: state.bridgeKind,
        blockNumber: state.blockNumber,
        ...(deps.dryRun ? { dryRun: true } : {}),
      };
    },

    async readSsvOwnerNonce(input: { atLeast?: number; lastRegistrationBlock?: number } = {}): Promise<number> {
      return ctx.currentOwnerNonce(input.atLeast, input.lastRegistrationBlock);
    },
  };
}
