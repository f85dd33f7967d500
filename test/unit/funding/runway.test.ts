// A cluster's runway and the top-up that restores it, against ClusterLib.isLiquidatable's rule
// (funding/arithmetic.ts mirrors it; the integration test runway-watcher.test.ts checks the same
// figures on the local SSVNetwork, block by block).
import assert from 'node:assert/strict';
import { isLiquidatable, type ClusterFunds, type FeeParameters } from '../../../activities/funding/arithmetic';
import { blocksToDays, clusterRunway, topUpAmountWei } from '../../../activities/funding/runway';

const FEES: FeeParameters = {
  operatorFeesWei: [382_640n * 10n ** 7n, 382_640n * 10n ** 7n, 382_640n * 10n ** 7n, 382_640n * 10n ** 7n],
  networkFeeWei: 382_640n * 10n ** 7n,
  minimumLiquidationCollateralWei: 10n ** 18n,
  liquidationThresholdBlocks: 100_800n,
};

function* cases(n: number): Generator<{ fees: FeeParameters; funds: ClusterFunds; target: bigint }> {
  let seed = 0x1234567;
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
      funds: { validatorCount: 1 + next(500), balanceWei: BigInt(next(1_000_000)) * 10n ** 14n },
      target: BigInt(next(1_000_000)),
    };
  }
}

describe('cluster runway arithmetic (ClusterLib.isLiquidatable rule)', () => {
  it('runway = blocks of burn above the collateral: one validator, 30 days above 100,800 blocks of its burn (over the 1 SSV minimum)', () => {
    const burn = 5n * 382_640n * 10n ** 7n;
    const r = clusterRunway(FEES, { validatorCount: 1, balanceWei: 100_800n * burn + 216_000n * burn + burn - 1n });
    assert.equal(r.burnPerBlockWei, burn);
    assert.equal(
      r.collateralWei,
      100_800n * burn,
      'the threshold period binds: 100,800 blocks of burn are about 1.93 SSV',
    );
    assert.equal(r.runwayBlocks, 216_000n);
    assert.equal(blocksToDays(216_000n, 12), 30);
  });

  it('the 1 SSV minimum binds for a cheap cluster', () => {
    const cheap: FeeParameters = {
      ...FEES,
      operatorFeesWei: [10n ** 7n, 10n ** 7n, 10n ** 7n, 10n ** 7n],
      networkFeeWei: 10n ** 7n,
    };
    const burn = 5n * 10n ** 7n * 2n;
    const r = clusterRunway(cheap, { validatorCount: 2, balanceWei: 10n ** 18n + 7n * burn });
    assert.equal(r.collateralWei, 10n ** 18n);
    assert.equal(r.runwayBlocks, 7n);
  });

  it('a cluster already liquidatable has runway 0; one without validators has none (nothing burns)', () => {
    assert.equal(clusterRunway(FEES, { validatorCount: 3, balanceWei: 10n ** 18n - 1n }).runwayBlocks, 0n);
    assert.equal(clusterRunway(FEES, { validatorCount: 0, balanceWei: 0n }).runwayBlocks, null);
    assert.equal(
      topUpAmountWei(FEES, { validatorCount: 0, balanceWei: 0n }, 1_000n),
      0n,
      'nothing to top up without validators',
    );
  });

  it('property: after `runway` blocks of burn the cluster is not liquidatable, one block later it is', () => {
    for (const { fees, funds } of cases(500)) {
      const { runwayBlocks, burnPerBlockWei } = clusterRunway(fees, funds);
      if (runwayBlocks === null) continue;
      const after = (n: bigint) => funds.balanceWei - n * burnPerBlockWei;
      if (runwayBlocks > 0n || !isLiquidatable(fees, funds.validatorCount, funds.balanceWei)) {
        assert.equal(
          isLiquidatable(fees, funds.validatorCount, after(runwayBlocks)),
          false,
          `${JSON.stringify(funds, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      }
      assert.equal(isLiquidatable(fees, funds.validatorCount, after(runwayBlocks + 1n)), true);
    }
  });

  it('property: the top-up brings the runway to the target exactly (one wei less falls short), and is 0 above it', () => {
    for (const { fees, funds, target } of cases(500)) {
      const amount = topUpAmountWei(fees, funds, target);
      const before = clusterRunway(fees, funds).runwayBlocks as bigint;
      if (before >= target && !isLiquidatable(fees, funds.validatorCount, funds.balanceWei)) {
        assert.equal(amount, 0n);
        continue;
      }
      const topped = clusterRunway(fees, { ...funds, balanceWei: funds.balanceWei + amount }).runwayBlocks as bigint;
      assert.ok(topped >= target, `runway ${topped} after topping up to ${target}`);
      if (amount > 0n) {
        assert.ok(
          (clusterRunway(fees, { ...funds, balanceWei: funds.balanceWei + amount - 1n }).runwayBlocks as bigint) <
            target || isLiquidatable(fees, funds.validatorCount, funds.balanceWei + amount - 1n),
        );
      }
    }
  });
});
