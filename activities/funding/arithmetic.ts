// How many SSV tokens a keyshares registration must bring (SSVNetwork v1.2.0, facts/ssv-and-dkg.md
// §1.6). Pure bigint arithmetic, shared by the pre-deposit check (a whole batch) and the
// registration itself (one key, from fresh chain values).
//
// A cluster is liquidatable when it has validators and its balance is below the minimum
// collateral or below liquidationThresholdPeriod blocks of its burn (ClusterLib.isLiquidatable).
// The bot funds each registration so that, with the new validator, the cluster holds at least that
// collateral, at least `runwayBlocks` of burn, and `safetyMarginBlocks` more for the blocks that
// pass before the transaction is mined.

export interface FeeParameters {
  /** getOperatorFee of each operator of the cluster (wei per validator per block). */
  operatorFeesWei: readonly bigint[];
  /** getNetworkFee (wei per validator per block). */
  networkFeeWei: bigint;
  /** getMinimumLiquidationCollateral (wei). */
  minimumLiquidationCollateralWei: bigint;
  /** getLiquidationThresholdPeriod (blocks). */
  liquidationThresholdBlocks: bigint;
}

export interface FundingPolicy {
  /** Blocks of burn the cluster should hold after a registration (ssv.runwayDays in blocks). */
  runwayBlocks: bigint;
  /** Extra blocks of burn for the blocks before the registration is mined. */
  safetyMarginBlocks: bigint;
}

export interface ClusterFunds {
  /** Validators in the cluster now. */
  validatorCount: number;
  /** The cluster's balance now (getBalance; 0 for a never-used cluster). */
  balanceWei: bigint;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** Burn per validator per block: Σ operator fees + network fee. */
export function burnPerValidatorWei(fees: FeeParameters): bigint {
  return fees.operatorFeesWei.reduce((sum, fee) => sum + fee, 0n) + fees.networkFeeWei;
}

/** The liquidation collateral a cluster of `validators` validators must keep. */
export function liquidationCollateralWei(fees: FeeParameters, validators: number): bigint {
  return max(
    fees.minimumLiquidationCollateralWei,
    fees.liquidationThresholdBlocks * burnPerValidatorWei(fees) * BigInt(validators),
  );
}

/** ClusterLib.isLiquidatable, for a balance and a validator count. */
export function isLiquidatable(fees: FeeParameters, validators: number, balanceWei: bigint): boolean {
  return validators > 0 && balanceWei < liquidationCollateralWei(fees, validators);
}

/** The balance a cluster of `validators` validators should hold right after a registration. */
export function neededBalanceWei(fees: FeeParameters, policy: FundingPolicy, validators: number): bigint {
  const burn = burnPerValidatorWei(fees) * BigInt(validators);
  return max(liquidationCollateralWei(fees, validators), policy.runwayBlocks * burn) + policy.safetyMarginBlocks * burn;
}

/** SSV tokens to send with one registration into a cluster in state `funds`. */
export function registrationAmountWei(fees: FeeParameters, policy: FundingPolicy, funds: ClusterFunds): bigint {
  return max(0n, neededBalanceWei(fees, policy, funds.validatorCount + 1) - funds.balanceWei);
}

/** The amounts of `count` registrations in a row, each on top of the ones before (burn between them not counted). */
export function batchAmountsWei(
  fees: FeeParameters,
  policy: FundingPolicy,
  funds: ClusterFunds,
  count: number,
): bigint[] {
  const amounts: bigint[] = [];
  let balanceWei = funds.balanceWei;
  for (let i = 0; i < count; i++) {
    const amount = registrationAmountWei(fees, policy, { validatorCount: funds.validatorCount + i, balanceWei });
    amounts.push(amount);
    balanceWei += amount;
  }
  return amounts;
}

/** Days of runway in blocks, rounded up. */
export function runwayBlocksFor(runwayDays: number, blockTimeSeconds: number): bigint {
  return BigInt(Math.ceil((runwayDays * 86_400) / blockTimeSeconds));
}
