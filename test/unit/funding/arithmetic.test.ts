// The SSV amount each registration sends (SSVNetwork v1.2.0 rules, facts/ssv-and-dkg.md §1.6).
import assert from 'node:assert/strict';
import {
  batchAmountsWei,
  burnPerValidatorWei,
  isLiquidatable,
  neededBalanceWei,
  registrationAmountWei,
  runwayBlocksFor,
  type FeeParameters,
  type FundingPolicy,
} from '../../../activities/funding/arithmetic';

const GWEI = 10n ** 9n;
// Mainnet-like: four operators at ~1 SSV/year each, network fee, 100,800-block threshold, 1 SSV collateral.
const FEES: FeeParameters = {
  operatorFeesWei: [382_640n * 10n ** 7n, 382_640n * 10n ** 7n, 382_640n * 10n ** 7n, 382_640n * 10n ** 7n],
  networkFeeWei: 3_550_929_823n,
  minimumLiquidationCollateralWei: 10n ** 18n,
  liquidationThresholdBlocks: 100_800n,
};
const POLICY: FundingPolicy = { runwayBlocks: runwayBlocksFor(30, 12), safetyMarginBlocks: 300n };

/** A small deterministic generator (property-style tests without a dependency). */
function* cases(
  n: number,
): Generator<{ fees: FeeParameters; policy: FundingPolicy; validators: number; balance: bigint }> {
  let seed = 0x2545f491;
  const next = (mod: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % mod;
  };
  for (let i = 0; i < n; i++) {
    const size = [4, 7, 10, 13][next(4)];
    yield {
      fees: {
        operatorFeesWei: Array.from({ length: size }, () => BigInt(next(1_000_000)) * 10n ** 7n),
        networkFeeWei: BigInt(next(1_000_000)) * 10n ** 7n,
        minimumLiquidationCollateralWei: BigInt(next(10)) * 10n ** 17n,
        liquidationThresholdBlocks: BigInt(100_800 + next(200_000)),
      },
      policy: { runwayBlocks: BigInt(next(400_000)), safetyMarginBlocks: BigInt(next(1_000)) },
      validators: next(500),
      balance: BigInt(next(1_000_000)) * 10n ** 13n,
    };
  }
}

describe('funding arithmetic: the SSV amount of a registration', () => {
  it('burn per validator is the operator fees plus the network fee', () => {
    assert.equal(burnPerValidatorWei(FEES), 4n * 3_826_400_000_000n + 3_550_929_823n);
  });

  it('a never-used cluster (balance 0) gets 30 days of burn plus the margin, above the collateral', () => {
    const burn = burnPerValidatorWei(FEES);
    assert.equal(POLICY.runwayBlocks, 216_000n);
    const amount = registrationAmountWei(FEES, POLICY, { validatorCount: 0, balanceWei: 0n });
    assert.equal(amount, (216_000n + 300n) * burn);
    assert.ok(amount > 0n);
  });

  it('the minimum collateral wins for a cheap cluster, the threshold period when it is the larger', () => {
    const cheap: FeeParameters = { ...FEES, operatorFeesWei: [GWEI, GWEI, GWEI, GWEI], networkFeeWei: 0n };
    const noRunway: FundingPolicy = { runwayBlocks: 0n, safetyMarginBlocks: 0n };
    assert.equal(neededBalanceWei(cheap, noRunway, 1), 10n ** 18n);
    const dear: FeeParameters = { ...FEES, minimumLiquidationCollateralWei: 1n };
    assert.equal(neededBalanceWei(dear, noRunway, 3), 100_800n * burnPerValidatorWei(dear) * 3n);
  });

  it('a cluster funded well enough gets 0, never a negative amount', () => {
    assert.equal(registrationAmountWei(FEES, POLICY, { validatorCount: 2, balanceWei: 10n ** 24n }), 0n);
  });

  it('counts the validators after the registration (v + 1)', () => {
    const one = registrationAmountWei(FEES, POLICY, { validatorCount: 0, balanceWei: 0n });
    const onTop = registrationAmountWei(FEES, POLICY, { validatorCount: 1, balanceWei: one });
    assert.equal(one + onTop, neededBalanceWei(FEES, POLICY, 2));
  });

  it("property: after the registration the cluster is not liquidatable, even after the margin's blocks of burn", () => {
    for (const c of cases(500)) {
      const amount = registrationAmountWei(c.fees, c.policy, { validatorCount: c.validators, balanceWei: c.balance });
      assert.ok(amount >= 0n);
      const after = c.balance + amount;
      const burned = c.policy.safetyMarginBlocks * burnPerValidatorWei(c.fees) * BigInt(c.validators + 1);
      assert.ok(
        !isLiquidatable(c.fees, c.validators + 1, after - burned),
        JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
      assert.ok(after >= c.policy.runwayBlocks * burnPerValidatorWei(c.fees) * BigInt(c.validators + 1));
      // Minimal: one wei less would leave less than needed (unless nothing was needed).
      if (amount > 0n) assert.equal(after, neededBalanceWei(c.fees, c.policy, c.validators + 1));
    }
  });

  it("property: a batch's amounts are the registrations one after the other, and their sum funds the whole batch", () => {
    for (const c of cases(200)) {
      const count = 1 + (c.validators % 5);
      const amounts = batchAmountsWei(c.fees, c.policy, { validatorCount: c.validators, balanceWei: c.balance }, count);
      assert.equal(amounts.length, count);
      let balance = c.balance;
      for (let i = 0; i < count; i++) {
        assert.equal(
          amounts[i],
          registrationAmountWei(c.fees, c.policy, { validatorCount: c.validators + i, balanceWei: balance }),
        );
        balance += amounts[i];
      }
      assert.ok(balance >= neededBalanceWei(c.fees, c.policy, c.validators + count));
    }
  });

  it('isLiquidatable matches ClusterLib: never without validators, else below either bound', () => {
    assert.equal(isLiquidatable(FEES, 0, 0n), false);
    assert.equal(isLiquidatable(FEES, 1, 10n ** 18n - 1n), true);
    const threshold = 100_800n * burnPerValidatorWei(FEES) * 5n;
    assert.equal(isLiquidatable(FEES, 5, threshold - 1n), true);
    assert.equal(isLiquidatable(FEES, 5, threshold), false);
  });

  it('runway days become blocks at the configured block time, rounded up', () => {
    assert.equal(runwayBlocksFor(30, 12), 216_000n);
    assert.equal(runwayBlocksFor(1, 7), 12_343n);
    assert.equal(runwayBlocksFor(0.5, 2), 21_600n);
  });
});
