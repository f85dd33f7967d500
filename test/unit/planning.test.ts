// Creation planning against the bridge's exact integer check (DESIGN.md §4.1), including
// property tests over random states: the plan is always accepted, and one more never is.
import assert from 'node:assert/strict';
import {
  BASIS_POINTS,
  bridgeStateOf,
  maxDepositsAllowed,
  maxDepositsWithinLimit,
  planCreation,
  VALIDATOR_DEPOSIT_WEI,
  type BridgeState,
} from '../../workflows/planning';
import { asBasisPoints } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

/** The contract's formula, written out independently of planning.ts. */
function contractCheck(balance: bigint, count: bigint, n: bigint, limit: bigint): boolean {
  const staked = (count + n) * 32n * ETH;
  return (staked * 10_000n) / (balance + staked) <= limit && n * 32n * ETH <= balance;
}

/** A small deterministic generator (tests must be repeatable). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('planning: creation', () => {
  it('matches worked examples', () => {
    // 320 ETH, no validators, 20 %: n·32·10000/(320+32n) ≤ 2000 ⇔ n ≤ 2.5
    assert.equal(
      maxDepositsAllowed({ bridgeBalanceWei: 320n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(2000) }),
      2n,
    );
    // limit 0: nothing; limit 10000: as many as the balance pays for
    assert.equal(
      maxDepositsAllowed({ bridgeBalanceWei: 320n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(0) }),
      0n,
    );
    assert.equal(
      maxDepositsAllowed({ bridgeBalanceWei: 320n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(10_000) }),
      10n,
    );
    // under 32 ETH: none, whatever the limit
    assert.equal(
      maxDepositsAllowed({ bridgeBalanceWei: 31n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(10_000) }),
      0n,
    );
    // empty bridge
    assert.equal(
      maxDepositsAllowed({ bridgeBalanceWei: 0n, validatorCount: 0n, stakingLimitBps: asBasisPoints(5000) }),
      0n,
    );
  });

  it('plans the largest batch the bridge accepts, and one more is rejected (2000 random states)', () => {
    const random = rng(42);
    for (let i = 0; i < 2000; i++) {
      const balance = BigInt(Math.floor(random() * 5000)) * ETH + BigInt(Math.floor(random() * 1e9));
      const count = BigInt(Math.floor(random() * 200));
      const limit = Math.floor(random() * 10_001);
      const state: BridgeState = {
        bridgeBalanceWei: balance,
        validatorCount: count,
        stakingLimitBps: asBasisPoints(limit),
      };
      const n = maxDepositsAllowed(state);
      if (n > 0n)
        assert.ok(contractCheck(balance, count, n, BigInt(limit)), `n=${n} rejected for ${balance}/${count}/${limit}`);
      assert.ok(
        !contractCheck(balance, count, n + 1n, BigInt(limit)),
        `n+1=${n + 1n} accepted for ${balance}/${count}/${limit}`,
      );
    }
  });

  it('never stakes a larger share than the limit, although the bridge would accept more in one batch', () => {
    const state = { bridgeBalanceWei: 3200n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(2000) };
    // The bridge counts the new validators' ETH twice: one batch of 25 passes its check ...
    assert.equal(maxDepositsAllowed(state), 25n);
    // ... but 25 × 32 = 800 of 3200 ETH is 25 %: the plan stops at 20 % of the rollup's ETH.
    assert.equal(maxDepositsWithinLimit(state), 20n);
    assert.equal(planCreation({ ...state, pendingDeposits: 0, maxBatch: 100 }).toCreate, 20);
  });

  it('plans within both rules, one more breaks one of them, and batch sizes never change the total (2000 random states)', () => {
    const random = rng(7);
    for (let i = 0; i < 2000; i++) {
      const state: BridgeState = {
        bridgeBalanceWei: BigInt(Math.floor(random() * 5000)) * ETH + BigInt(Math.floor(random() * 1e9)),
        validatorCount: BigInt(Math.floor(random() * 50)),
        stakingLimitBps: asBasisPoints(Math.floor(random()) * 10_001),
      };
      const total = state.bridgeBalanceWei + state.validatorCount * 32n * ETH;
      const share = (count: bigint) => count * 32n * ETH * 10_000n <= BigInt(state.stakingLimitBps) * total;
      const n = maxDepositsWithinLimit(state);
      if (n > 0n) {
        assert.ok(contractCheck(state.bridgeBalanceWei, state.validatorCount, n, BigInt(state.stakingLimitBps)));
        assert.ok(share(state.validatorCount + n));
      }
      const next = n + 1n;
      assert.ok(
        !contractCheck(state.bridgeBalanceWei, state.validatorCount, next, BigInt(state.stakingLimitBps)) ||
          !share(state.validatorCount + next),
      );
      // Creating in random batches, deposit by deposit, ends at the same count.
      let current = { ...state };
      let created = 0n;
      for (let step = 0; step < 1000; step++) {
        const plan = planCreation({ ...current, pendingDeposits: 0, maxBatch: 1 + Math.floor(random() * 5) });
        if (plan.toCreate === 0) break;
        const k = BigInt(plan.toCreate);
        assert.ok(
          contractCheck(current.bridgeBalanceWei, current.validatorCount, k, BigInt(current.stakingLimitBps)),
          'a planned batch would revert',
        );
        current = {
          ...current,
          bridgeBalanceWei: current.bridgeBalanceWei - k * 32n * ETH,
          validatorCount: current.validatorCount + k,
        };
        created += k;
      }
      assert.equal(created, n, `batches created ${created}, one plan says ${n}`);
    }
  });

  it('caps a batch and counts pending deposits as done', () => {
    const state = { bridgeBalanceWei: 3200n * ETH, validatorCount: 0n, stakingLimitBps: asBasisPoints(5000) };
    const all = Number(maxDepositsWithinLimit(state));
    assert.equal(planCreation({ ...state, pendingDeposits: 0, maxBatch: 5 }).toCreate, 5);
    assert.equal(planCreation({ ...state, pendingDeposits: 0, maxBatch: 1000 }).toCreate, all);
    // After planning `all` (not yet deposited), nothing more fits.
    assert.equal(planCreation({ ...state, pendingDeposits: all, maxBatch: 1000 }).toCreate, 0);
    // Planning in two steps never exceeds planning in one.
    const first = planCreation({ ...state, pendingDeposits: 0, maxBatch: 7 }).toCreate;
    const second = planCreation({ ...state, pendingDeposits: first, maxBatch: 1000 }).toCreate;
    assert.ok(first + second <= all);
    assert.ok(contractCheck(state.bridgeBalanceWei - BigInt(first) * 32n * ETH, BigInt(first), BigInt(second), 5000n));
  });

  it('plans nothing when pending deposits already need more than the balance', () => {
    const plan = planCreation({
      bridgeBalanceWei: 64n * ETH,
      validatorCount: 0n,
      stakingLimitBps: asBasisPoints(10_000),
      pendingDeposits: 3,
      maxBatch: 10,
    });
    assert.equal(plan.toCreate, 0);
    assert.match(plan.reason, /pending deposit/);
  });

  it('rejects bad input with the field named', () => {
    const base = {
      bridgeBalanceWei: 0n,
      validatorCount: 0n,
      stakingLimitBps: asBasisPoints(0),
      pendingDeposits: 0,
      maxBatch: 1,
    };
    // The limit is BasisPoints, checked once where it is read (test/unit/identifiers.test.ts).
    assert.throws(() => planCreation({ ...base, maxBatch: 0 }), /maxBatch/);
    assert.throws(() => planCreation({ ...base, pendingDeposits: -1 }), /pendingDeposits/);
    assert.throws(() => planCreation({ ...base, bridgeBalanceWei: -1n }), /bridge balance/);
  });

  it('takes a rollup snapshot as it crossed Temporal (decimal strings) and keeps its limit', () => {
    const state = bridgeStateOf({
      bridgeBalanceWei: (3200n * ETH).toString(),
      validatorCount: '7',
      stakingLimitBps: asBasisPoints(2000),
    });
    assert.deepEqual(state, { bridgeBalanceWei: 3200n * ETH, validatorCount: 7n, stakingLimitBps: 2000 });
    assert.throws(() => bridgeStateOf({ ...state, bridgeBalanceWei: '1.5', validatorCount: '0' }), SyntaxError);
  });

  it('uses the contract constants', () => {
    assert.equal(VALIDATOR_DEPOSIT_WEI, 32n * ETH);
    assert.equal(BASIS_POINTS, 10_000n);
  });
});
