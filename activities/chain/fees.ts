// EIP-1559 fee arithmetic of the transaction manager: the first offer from the next block's base
// fee, and replacement bumps, both capped by the operator's ceiling. Pure functions (bigint wei).

export interface Eip1559Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * The minimum increase (percent, on both maxFeePerGas and maxPriorityFeePerGas) a node accepts for
 * a replacement with the same nonce: geth's txpool price bump default; smaller bumps are rejected
 * as "replacement transaction underpriced".
 */
export const MIN_REPLACEMENT_BUMP_PERCENT = 10;

export interface FeePolicy {
  /** Hard ceiling on maxFeePerGas (wei). */
  maxFeePerGasCeiling: bigint;
  /** The tip offered (wei). */
  maxPriorityFeePerGas: bigint;
  /** maxFeePerGas = baseFee × this + tip (before the ceiling); 2 survives six full blocks of +12.5%. */
  baseFeeMultiplier: bigint;
}

export type FeeSuggestion = { ok: true; fees: Eip1559Fees; baseFee: bigint } | { ok: false; baseFee: bigint };

/** The fees of a new transaction; `ok: false` when the base fee is above the ceiling (do not send). */
export function suggestFees(baseFee: bigint, policy: FeePolicy): FeeSuggestion {
  if (baseFee > policy.maxFeePerGasCeiling) return { ok: false, baseFee };
  const wanted = baseFee * policy.baseFeeMultiplier + policy.maxPriorityFeePerGas;
  const maxFeePerGas = wanted < policy.maxFeePerGasCeiling ? wanted : policy.maxFeePerGasCeiling;
  const maxPriorityFeePerGas = policy.maxPriorityFeePerGas < maxFeePerGas ? policy.maxPriorityFeePerGas : maxFeePerGas;
  return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas }, baseFee };
}

/** `value` raised by `percent` (may be fractional, 2 decimals), rounded up. */
export function raiseByPercent(value: bigint, percent: number): bigint {
  const bps = BigInt(Math.round(percent * 100));
  return (value * (10_000n + bps) + 9_999n) / 10_000n;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

export type FeeBump =
  | { ok: true; fees: Eip1559Fees; /** the ceiling cut the wanted bump */ capped: boolean }
  | { ok: false; reason: 'ceiling'; wanted: Eip1559Fees };

/**
 * Fees for a replacement of a transaction sent with `previous`: both fields raised by
 * `bumpPercent`, at least the current market offer, cut at the ceiling (the tip never above the
 * max fee). `ok: false` when the ceiling leaves less than the node's minimum replacement bump:
 * sending it would only be rejected, so the transaction keeps its last fees.
 */
export function bumpFees(
  previous: Eip1559Fees,
  market: Eip1559Fees | undefined,
  bumpPercent: number,
  ceiling: bigint,
): FeeBump {
  const wanted: Eip1559Fees = {
    maxFeePerGas: max(raiseByPercent(previous.maxFeePerGas, bumpPercent), market?.maxFeePerGas ?? 0n),
    maxPriorityFeePerGas: max(
      raiseByPercent(previous.maxPriorityFeePerGas, bumpPercent),
      market?.maxPriorityFeePerGas ?? 0n,
    ),
  };
  const maxFeePerGas = min(wanted.maxFeePerGas, ceiling);
  const maxPriorityFeePerGas = min(wanted.maxPriorityFeePerGas, maxFeePerGas);
  const enough =
    maxFeePerGas >= raiseByPercent(previous.maxFeePerGas, MIN_REPLACEMENT_BUMP_PERCENT) &&
    maxPriorityFeePerGas >= raiseByPercent(previous.maxPriorityFeePerGas, MIN_REPLACEMENT_BUMP_PERCENT) &&
    // A zero tip cannot rise by a percentage; the max fee must then carry the replacement alone.
    (previous.maxPriorityFeePerGas > 0n || maxFeePerGas > previous.maxFeePerGas);
  if (!enough) return { ok: false, reason: 'ceiling', wanted };
  const capped = maxFeePerGas < wanted.maxFeePerGas || maxPriorityFeePerGas < wanted.maxPriorityFeePerGas;
  return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas }, capped };
}
