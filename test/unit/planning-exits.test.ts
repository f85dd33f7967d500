// Exit planning (DESIGN.md §4.1): the smallest number of exits that brings the bridge's floored
// ratio within the limit, counting validators already exiting, and no oscillation with creation.
import assert from 'node:assert/strict';
import { maxDepositsWithinLimit, planExits, PlanningInputError, type BridgeState } from '../../workflows/planning';
import { asBasisPoints } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

/** The ratio as the contracts compute it, written out independently of planning.ts. */
function ratio(balance: bigint, countInBridge: bigint, remaining: bigint): bigint {
  const total = balance + countInBridge * 32n * ETH;
  return total === 0n ? 0n : (remaining * 32n * ETH * 10_000n) / total;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('planning: exits', () => {
  it('matches worked examples', () => {
    // 4 validators of 640 ETH total (512 ETH in the bridge): 20 %. Limit lowered to 10 %: 2 of 640 is 10 %.
    const state: BridgeState = {
      bridgeBalanceWei: 512n * ETH,
      validatorCount: 4n,
      stakingLimitBps: asBasisPoints(1000),
    };
    assert.equal(planExits({ ...state, exiting: 0, maxBatch: 100 }).toExit, 2);
    // One already exiting: one more.
    assert.equal(planExits({ ...state, exiting: 1, maxBatch: 100 }).toExit, 1);
    // Both exiting: nothing more, whatever happens next (a second look, a restart).
    assert.equal(planExits({ ...state, exiting: 2, maxBatch: 100 }).toExit, 0);
    // Limit 0: everyone goes.
    assert.equal(planExits({ ...state, stakingLimitBps: asBasisPoints(0), exiting: 0, maxBatch: 100 }).toExit, 4);
    // At the limit: nothing.
    assert.equal(planExits({ ...state, stakingLimitBps: asBasisPoints(2000), exiting: 0, maxBatch: 100 }).toExit, 0);
    // The floored ratio decides: 3 of 640 ETH is 1500 bps exactly; 1499 needs one more exit.
    assert.equal(planExits({ ...state, stakingLimitBps: asBasisPoints(1500), exiting: 0, maxBatch: 100 }).toExit, 1);
    assert.equal(planExits({ ...state, stakingLimitBps: asBasisPoints(1499), exiting: 0, maxBatch: 100 }).toExit, 2);
  });

  it('caps a batch but reports the total required', () => {
    const plan = planExits({
      bridgeBalanceWei: 0n,
      validatorCount: 30n,
      stakingLimitBps: asBasisPoints(0),
      exiting: 0,
      maxBatch: 8,
    });
    assert.equal(plan.toExit, 8);
    assert.equal(plan.requiredTotal, 30);
    assert.match(plan.reason, /30 exit\(s\) needed/);
  });

  it('plans nothing more when records say more are exiting than the bridge counts', () => {
    const plan = planExits({
      bridgeBalanceWei: 0n,
      validatorCount: 2n,
      stakingLimitBps: asBasisPoints(0),
      exiting: 3,
      maxBatch: 8,
    });
    assert.equal(plan.toExit, 0);
    assert.match(plan.reason, /waiting for the chain/);
  });

  it('exits the smallest number that suffices (2000 random states)', () => {
    const random = rng(7);
    for (let i = 0; i < 2000; i++) {
      const count = BigInt(Math.floor(random() * 300));
      const exiting = Math.floor(random() * Number(count + 1n) * random());
      const balance = BigInt(Math.floor(random() * 8000)) * ETH + BigInt(Math.floor(random() * 1e12));
      const limit = Math.floor(random() * 10_001);
      const plan = planExits({
        bridgeBalanceWei: balance,
        validatorCount: count,
        stakingLimitBps: asBasisPoints(limit),
        exiting,
        maxBatch: 1_000_000,
      });
      const remaining = count - BigInt(exiting);
      const after = remaining - BigInt(plan.toExit);
      assert.ok(after >= 0n, 'never more exits than remaining validators');
      assert.ok(ratio(balance, count, after) <= BigInt(limit), `still above the limit after ${plan.toExit} exits`);
      if (plan.toExit > 0)
        assert.ok(ratio(balance, count, after + 1n) > BigInt(limit), `${plan.toExit} exits are one too many`);
    }
  });

  it('never oscillates: after the exits complete, creation adds nothing back; after a creation, nothing exits (2000 random states)', () => {
    const random = rng(99);
    for (let i = 0; i < 2000; i++) {
      const count = BigInt(Math.floor(random() * 300));
      const balance = BigInt(Math.floor(random() * 8000)) * ETH + BigInt(Math.floor(random() * 1e12));
      const limit = Math.floor(random() * 10_001);
      const state: BridgeState = {
        bridgeBalanceWei: balance,
        validatorCount: count,
        stakingLimitBps: asBasisPoints(limit),
      };
      const { toExit } = planExits({ ...state, exiting: 0, maxBatch: 1_000_000 });
      // Exits complete: validatorCount falls by e, the bridge gets 32 ETH back per exit.
      const e = BigInt(toExit);
      const afterExits: BridgeState = {
        bridgeBalanceWei: balance + e * 32n * ETH,
        validatorCount: count - e,
        stakingLimitBps: asBasisPoints(limit),
      };
      if (toExit > 0)
        assert.equal(
          maxDepositsWithinLimit(afterExits),
          0n,
          `creation would add back after ${toExit} exits (${balance}/${count}/${limit})`,
        );
      // And a creation to the limit never triggers an exit.
      const n = maxDepositsWithinLimit(afterExits);
      const afterCreation: BridgeState = {
        bridgeBalanceWei: afterExits.bridgeBalanceWei - n * 32n * ETH,
        validatorCount: afterExits.validatorCount + n,
        stakingLimitBps: asBasisPoints(limit),
      };
      assert.equal(
        planExits({ ...afterCreation, exiting: 0, maxBatch: 1_000_000 }).toExit,
        0,
        `exit after creating ${n} (${balance}/${count}/${limit})`,
      );
    }
  });

  it('rejects bad input with the field named', () => {
    const state: BridgeState = { bridgeBalanceWei: 0n, validatorCount: 1n, stakingLimitBps: asBasisPoints(0) };
    assert.throws(
      () => planExits({ ...state, exiting: -1, maxBatch: 1 }),
      (e: Error) => e instanceof PlanningInputError && /exiting/.test(e.message),
    );
    assert.throws(
      () => planExits({ ...state, exiting: 0, maxBatch: 0 }),
      (e: Error) => e instanceof PlanningInputError && /maxBatch/.test(e.message),
    );
    // The limit is BasisPoints, checked once where it is read (test/unit/identifiers.test.ts).
  });
});
