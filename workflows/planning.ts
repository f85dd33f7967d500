// Staking-limit arithmetic, pure and deterministic: shared by the workflows, the CLI and tests.
//
// Two rules bound a creation (invariant 6):
//  - the bridge's own check, reproduced exactly (DESIGN.md §4.1), so that a planned deposit never
//    reverts with StakingLimitExceeding;
//  - the staked share of the rollup's ETH after the deposits, (validatorCount + n) × 32 ETH over
//    total = balance + validatorCount × 32 ETH, must not exceed the limit.
// The second is needed because the bridge's check counts the new validators' ETH twice (it is
// still in `balance` and also in `(validatorCount + n) × 32`): one batch of 25 on a 3200-ETH
// bridge at 2000 bps passes it and stakes 25 % of the rollup's ETH, while batches of 4 stop at 20.
// The share rule is path-independent (total does not change through deposits or exits), so the
// number created never depends on batch sizes, and it is the same ratio the exit rule uses, so a
// finished exit never makes creation add a validator back (no oscillation).
//
// Creation beside exits in flight (issue 15): an exit is irrevocable once Nexus is told, and takes
// a day to weeks on mainnet, so creation does not wait for it. Validators exiting count as gone and
// their ETH as not yet back: the share rule runs on the staying validators and the ETH the rollup
// holds now, total = balance + (validatorCount − exiting) × 32 ETH (an exited validator's ETH that
// is already in the bridge is in `balance`, so it counts exactly once). That total is at most the
// exit rule's, so whatever creation allows, the exit rule finds within the limit, and whatever the
// exit rule removes, creation does not add back (both property-tested). When the ETH returns the
// total grows and the monitor plans again. The bridge's own check still counts the exiting
// validators (they leave validatorCount only when accounted) and bounds the creation too.
import type { RollupSnapshot } from '../activities/types';
import type { FailureType } from '../protocol/failure-types';
import { MAX_BASIS_POINTS, type BasisPoints } from '../protocol/identifiers';

export const VALIDATOR_DEPOSIT_WEI = 32n * 10n ** 18n;
export const BASIS_POINTS = BigInt(MAX_BASIS_POINTS);
/** ssv-dkg runs at most 100 validators per ceremony. */
export const MAX_DKG_BATCH = 100;

export interface BridgeState {
  /** The bridge's ETH balance in wei, before any of the planned deposits. */
  bridgeBalanceWei: bigint;
  /** The bridge's validatorCount(). */
  validatorCount: bigint;
  /** The rollup's staking limit (checked 0..10000 where it was read: activities/chain/rollup-reads.ts). */
  stakingLimitBps: BasisPoints;
}

/** What planning reads of a rollup snapshot, as the monitor has it (decimal strings, as they crossed Temporal). */
export type SnapshotBridge = Pick<RollupSnapshot, 'bridgeBalanceWei' | 'validatorCount' | 'stakingLimitBps'>;

/** The snapshot as planning computes with it: its decimal strings as bigints, the limit as it is. */
export function bridgeStateOf(snapshot: SnapshotBridge): BridgeState {
  return {
    bridgeBalanceWei: BigInt(snapshot.bridgeBalanceWei),
    validatorCount: BigInt(snapshot.validatorCount),
    stakingLimitBps: snapshot.stakingLimitBps,
  };
}

export class PlanningInputError extends Error {
  override name: FailureType = 'PlanningInputError';
}

// The limit is BasisPoints, checked once where it was read; the counts come from BigInt, whatever the caller.
function assertState(state: BridgeState): void {
  if (state.bridgeBalanceWei < 0n)
    throw new PlanningInputError(`bridge balance must be ≥ 0, got ${state.bridgeBalanceWei}`);
  if (state.validatorCount < 0n)
    throw new PlanningInputError(`validatorCount must be ≥ 0, got ${state.validatorCount}`);
}

/**
 * The bridge's own test for depositing `n` more validators (NexusBaseBridge.depositValidatorNexus):
 * ((validatorCount + n) × 32 ETH × 10000) / (balance + (validatorCount + n) × 32 ETH) ≤ stakingLimit,
 * integer division, balance taken before the deposits; plus the bridge must hold the 32 ETH each.
 */
export function bridgeAllowsDeposits(state: BridgeState, n: bigint): boolean {
  if (n < 0n) return false;
  if (n * VALIDATOR_DEPOSIT_WEI > state.bridgeBalanceWei) return false;
  const staked = (state.validatorCount + n) * VALIDATOR_DEPOSIT_WEI;
  const denominator = state.bridgeBalanceWei + staked;
  if (denominator === 0n) return true; // nothing at all: 0 validators of 0 ETH is within any limit
  return (staked * BASIS_POINTS) / denominator <= BigInt(state.stakingLimitBps);
}

/** The largest n the bridge accepts now (the check is monotonic in n, so binary search). */
export function maxDepositsAllowed(state: BridgeState): bigint {
  assertState(state);
  if (!bridgeAllowsDeposits(state, 0n)) return 0n;
  let low = 0n; // allowed
  let high = state.bridgeBalanceWei / VALIDATOR_DEPOSIT_WEI + 1n; // not allowed (exceeds the balance)
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (bridgeAllowsDeposits(state, mid)) low = mid;
    else high = mid;
  }
  return low;
}

export interface CreationPlanInput extends BridgeState {
  /**
   * Validators planned earlier whose deposits are not yet on chain (not in validatorCount, their
   * ETH still in the balance): counted as if deposited, so that nothing is planned twice.
   */
  pendingDeposits: number;
  /** Upper bound of one batch (configuration; at most MAX_DKG_BATCH for a DKG ceremony). */
  maxBatch: number;
  /**
   * Validators whose exit is irrevocable (Nexus told) and that validatorCount still counts (not
   * yet accounted): counted as gone, their ETH as not yet back. Counting fewer than there are is
   * safe (it creates fewer); counting one that validatorCount no longer holds is not. Default 0.
   */
  exiting?: number;
}

export interface CreationPlan {
  /** Validators to create in the next batch. */
  toCreate: number;
  /** All the bridge would accept after the pending deposits (may exceed one batch). */
  allowedTotal: number;
  /** Why, in words, for logs and status. */
  reason: string;
}

export function planCreation(input: CreationPlanInput): CreationPlan {
  assertState(input);
  if (!Number.isInteger(input.pendingDeposits) || input.pendingDeposits < 0) {
    throw new PlanningInputError(`pendingDeposits must be an integer ≥ 0, got ${input.pendingDeposits}`);
  }
  if (!Number.isInteger(input.maxBatch) || input.maxBatch < 1) {
    throw new PlanningInputError(`maxBatch must be an integer ≥ 1, got ${input.maxBatch}`);
  }
  const exitingCount = input.exiting ?? 0;
  if (!Number.isInteger(exitingCount) || exitingCount < 0) {
    throw new PlanningInputError(`exiting must be an integer ≥ 0, got ${input.exiting}`);
  }
  const exiting = BigInt(exitingCount);
  const pending = BigInt(input.pendingDeposits);
  const pendingWei = pending * VALIDATOR_DEPOSIT_WEI;
  if (pendingWei > input.bridgeBalanceWei) {
    return {
      toCreate: 0,
      allowedTotal: 0,
      reason: `the ${pending} pending deposit(s) already need more ETH than the bridge holds`,
    };
  }
  // The state as it will be once the pending deposits land.
  const after: BridgeState = {
    bridgeBalanceWei: input.bridgeBalanceWei - pendingWei,
    validatorCount: input.validatorCount + pending,
    stakingLimitBps: input.stakingLimitBps,
  };
  if (exiting > after.validatorCount) {
    // More exiting than the bridge counts: the records and the chain disagree; create nothing.
    return {
      toCreate: 0,
      allowedTotal: 0,
      reason: `${exiting} validator(s) exiting but the bridge counts ${after.validatorCount}: waiting for the chain to catch up`,
    };
  }
  const allowed = maxDepositsWithinLimit(after, exiting);
  const toCreate = allowed < BigInt(input.maxBatch) ? Number(allowed) : input.maxBatch;
  const staying = after.validatorCount - exiting;
  const besideExits = exiting > 0n ? ` with the ${exiting} exiting counted as gone, their ETH not yet back` : '';
  const reason =
    allowed === 0n
      ? `at or above the staking limit of ${input.stakingLimitBps} bps (ratio ${exiting > 0n ? flooredRatioBps({ ...after, validatorCount: staying }, staying) : stakingRatioBps(after)} bps${besideExits})`
      : `${allowed} more validator(s) fit under ${input.stakingLimitBps} bps${besideExits}; creating ${toCreate} now`;
  return { toCreate, allowedTotal: Number(allowed), reason };
}

/** The rollup's ETH, staked or not: unchanged by deposits and by completed exits. */
export function totalRollupWei(state: BridgeState): bigint {
  return state.bridgeBalanceWei + state.validatorCount * VALIDATOR_DEPOSIT_WEI;
}

/**
 * May the rollup hold `count` validators? Their share of the rollup's ETH must not exceed the
 * limit, compared exactly (no rounding in favour of staking more).
 */
export function shareWithinLimit(state: BridgeState, count: bigint): boolean {
  return count * VALIDATOR_DEPOSIT_WEI * BASIS_POINTS <= BigInt(state.stakingLimitBps) * totalRollupWei(state);
}

/**
 * The largest n that both the bridge accepts and keeps the staked share within the limit, with
 * `exiting` of validatorCount counted as gone and their ETH as not yet back (see the top).
 */
export function maxDepositsWithinLimit(state: BridgeState, exiting = 0n): bigint {
  if (exiting < 0n || exiting > state.validatorCount)
    throw new PlanningInputError(`exiting must be 0..validatorCount (${state.validatorCount}), got ${exiting}`);
  // The rollup as the share rule sees it: the staying validators and the ETH it holds now.
  const staying: BridgeState = { ...state, validatorCount: state.validatorCount - exiting };
  if (!shareWithinLimit(staying, staying.validatorCount)) return 0n;
  // Both rules are monotonic in n: binary search below the bridge's own bound (which counts the
  // exiting validators, as the contract does until they are accounted).
  let low = 0n; // allowed
  let high = maxDepositsAllowed(state) + 1n; // not allowed
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (shareWithinLimit(staying, staying.validatorCount + mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** The staked share of the rollup's ETH as the bridge computes it for n = 0, in basis points. */
export function stakingRatioBps(state: BridgeState): bigint {
  const staked = state.validatorCount * VALIDATOR_DEPOSIT_WEI;
  const denominator = state.bridgeBalanceWei + staked;
  return denominator === 0n ? 0n : (staked * BASIS_POINTS) / denominator;
}

// ------------------------------------------------------------------------------------- exits
//
// The exit rule (DESIGN.md §4.1): an exited validator's 32 ETH comes back to the bridge, so
// total = balance + validatorCount × 32 ETH does not change through an exit, and the rollup must
// exit the smallest e with ((validatorCount − exiting − e) × 32 ETH × 10000) / total ≤ limit
// (integer division, as the bridge computes its ratio). Validators already exiting (still counted
// in validatorCount until validatorExitBalanceTransferred) count as gone, so a second look during
// an exit never exits them twice (invariant 6).
//
// No oscillation with the creation rule: creation keeps count × 32 × 10000 ≤ limit × total exactly,
// which implies the floored ratio is ≤ limit, so a completed creation never triggers an exit; and
// the e chosen here is the smallest, so count − e + 1 fails the floored test, hence also the exact
// one, and creation never adds back a validator that an exit just removed (property-tested).
//
// Between an exited validator's ETH arriving in the bridge and Nexus accounting for it, `balance`
// holds that 32 ETH while validatorCount still counts the validator: total reads 32 ETH too high,
// which can only make this rule exit fewer (never more); the next look after the accounting
// corrects it.

export interface ExitPlanInput extends BridgeState {
  /** Validators of the rollup already exiting (in flight here, or exiting on chain or on the beacon chain). */
  exiting: number;
  /** Upper bound of one exit batch (configuration). */
  maxBatch: number;
}

export interface ExitPlan {
  /** Validators to exit in the next batch. */
  toExit: number;
  /** All the exits the limit requires now, beyond those already exiting (may exceed one batch). */
  requiredTotal: number;
  reason: string;
}

/** The floored ratio the bridge reports for `count` validators of the rollup's total ETH. */
export function flooredRatioBps(state: BridgeState, count: bigint): bigint {
  const total = totalRollupWei(state);
  return total === 0n ? 0n : (count * VALIDATOR_DEPOSIT_WEI * BASIS_POINTS) / total;
}

export function planExits(input: ExitPlanInput): ExitPlan {
  assertState(input);
  if (!Number.isInteger(input.exiting) || input.exiting < 0) {
    throw new PlanningInputError(`exiting must be an integer ≥ 0, got ${input.exiting}`);
  }
  if (!Number.isInteger(input.maxBatch) || input.maxBatch < 1) {
    throw new PlanningInputError(`maxBatch must be an integer ≥ 1, got ${input.maxBatch}`);
  }
  const exiting = BigInt(input.exiting);
  if (exiting > input.validatorCount) {
    // More exiting than the bridge counts: the chain and our records disagree; exit nothing more.
    return {
      toExit: 0,
      requiredTotal: 0,
      reason: `${exiting} validator(s) exiting but the bridge counts ${input.validatorCount}: waiting for the chain to catch up`,
    };
  }
  const remaining = input.validatorCount - exiting;
  const limit = BigInt(input.stakingLimitBps);
  // The ratio falls as validators exit: binary search for the smallest e that is within the limit.
  if (flooredRatioBps(input, remaining) <= limit) {
    return {
      toExit: 0,
      requiredTotal: 0,
      reason: `within the staking limit of ${input.stakingLimitBps} bps once the ${exiting} exiting are gone (ratio ${flooredRatioBps(input, remaining)} bps)`,
    };
  }
  let low = 0n; // above the limit
  let high = remaining; // 0 validators left: ratio 0, within any limit
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (flooredRatioBps(input, remaining - mid) <= limit) high = mid;
    else low = mid;
  }
  const required = high;
  const toExit = required < BigInt(input.maxBatch) ? Number(required) : input.maxBatch;
  return {
    toExit,
    requiredTotal: Number(required),
    reason: `ratio ${flooredRatioBps(input, remaining)} bps is above the limit of ${input.stakingLimitBps} bps: ${required} exit(s) needed beyond the ${exiting} exiting; exiting ${toExit} now`,
  };
}
