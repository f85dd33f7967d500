// Gas that the estimate of a deposit cannot see. The deposit contract keeps an incremental Merkle
// tree: a deposit at count n hashes once per trailing one bit of n and writes one branch slot,
// which costs about 20k more when that slot was never written. An estimate made at count n is short
// when other deposits (other rollups', or anyone's on mainnet) land first: the nested call to the
// deposit contract then runs out of gas and the whole deposit reverts without data (EmptyRevert,
// seen under load on the local network). Unused gas is not paid for; the account needs the balance
// for the limit only while the transaction is pending.

/** Per deposit in a batch: a first write of a branch slot (~20k) plus 32 levels of SHA-256, with room. */
export const DEPOSIT_CONTRACT_GAS_ALLOWANCE = 50_000n;

/** The gas added to an estimated depositValidatorRollup of `deposits` validators. */
export function depositGasAllowance(deposits: number): bigint {
  if (!Number.isInteger(deposits) || deposits < 0)
    throw new Error(`depositGasAllowance: deposits must be a whole number ≥ 0, got ${deposits}`);
  return BigInt(deposits) * DEPOSIT_CONTRACT_GAS_ALLOWANCE;
}
