// A cluster's runway: how many blocks its balance lasts before it becomes liquidatable, under the
// SSVNetwork v1.2.0 rules (facts/ssv-and-dkg.md §1.6, ClusterLib.isLiquidatable). Pure bigint
// arithmetic on the values SSVNetworkViews returns, shared by the runway watcher's read and its
// top-up (which checks again, just before it sends, that the top-up is still needed).
//
// The balance falls by burn = (Σ operator fees + network fee) × validators every block, and the
// cluster is liquidatable as soon as balance < collateral = max(minimum collateral, threshold
// period × burn). After n blocks the balance is balance − n × burn, so the cluster stays safe for
// floor((balance − collateral) / burn) more blocks and is liquidatable one block later.
import { burnPerValidatorWei, liquidationCollateralWei, type ClusterFunds, type FeeParameters } from './arithmetic';

export interface RunwayFigures {
  /** Burn of the whole cluster per block (0 without validators). */
  burnPerBlockWei: bigint;
  /** The balance below which it is liquidatable (0 without validators: never liquidatable). */
  collateralWei: bigint;
  /** Blocks it stays not liquidatable; null when nothing burns (no validators, or zero fees). */
  runwayBlocks: bigint | null;
}

export function clusterRunway(fees: FeeParameters, funds: ClusterFunds): RunwayFigures {
  if (funds.validatorCount <= 0) return { burnPerBlockWei: 0n, collateralWei: 0n, runwayBlocks: null };
  const burnPerBlockWei = burnPerValidatorWei(fees) * BigInt(funds.validatorCount);
  const collateralWei = liquidationCollateralWei(fees, funds.validatorCount);
  if (burnPerBlockWei === 0n)
    return { burnPerBlockWei, collateralWei, runwayBlocks: funds.balanceWei < collateralWei ? 0n : null };
  const runwayBlocks = funds.balanceWei < collateralWei ? 0n : (funds.balanceWei - collateralWei) / burnPerBlockWei;
  return { burnPerBlockWei, collateralWei, runwayBlocks };
}

/** SSV tokens that bring the cluster's runway to `targetBlocks` (0 when it is there already). */
export function topUpAmountWei(fees: FeeParameters, funds: ClusterFunds, targetBlocks: bigint): bigint {
  const { burnPerBlockWei, collateralWei } = clusterRunway(fees, funds);
  const needed = collateralWei + targetBlocks * burnPerBlockWei;
  return needed > funds.balanceWei ? needed - funds.balanceWei : 0n;
}

/** Blocks as days at the configured block time (for metrics and messages). */
export function blocksToDays(blocks: bigint, blockTimeSeconds: number): number {
  return (Number(blocks) * blockTimeSeconds) / 86_400;
}
