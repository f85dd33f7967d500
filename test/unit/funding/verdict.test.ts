// The pre-deposit funding verdict: which problem holds a batch, and the message naming the cluster.
import assert from 'node:assert/strict';
import type { FeeParameters } from '../../../activities/funding/arithmetic';
import type { ClusterFundingState } from '../../../activities/funding/reads';
import { fundingVerdict } from '../../../activities/funding/verdict';

const NEXUS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const FEES: FeeParameters = {
  operatorFeesWei: [10n ** 10n, 10n ** 10n, 10n ** 10n, 10n ** 10n],
  networkFeeWei: 10n ** 10n,
  minimumLiquidationCollateralWei: 10n ** 18n,
  liquidationThresholdBlocks: 100_800n,
};
const POLICY = { runwayBlocks: 216_000n, safetyMarginBlocks: 300n };

function state(
  over: Partial<ClusterFundingState> & { balanceWei?: bigint; validatorCount?: number; active?: boolean },
): ClusterFundingState {
  const validatorCount = over.validatorCount ?? 0;
  return {
    operatorIds: [1, 2, 3, 4],
    snapshot: {
      owner: NEXUS,
      operatorIds: [1, 2, 3, 4],
      blockNumber: 9,
      source: null,
      cluster: { validatorCount, networkFeeIndex: '0', index: '0', active: over.active ?? true, balance: '0' },
    },
    fees: FEES,
    funds: { validatorCount, balanceWei: over.balanceWei ?? 0n },
    liquidated: over.active === false,
    liquidatable: over.liquidatable ?? false,
    nexusTokensWei: over.nexusTokensWei ?? 10n ** 24n,
    blockNumber: 9,
  };
}

describe('funding verdict before a deposit', () => {
  it('fundable: the amounts of each registration and their total', () => {
    const v = fundingVerdict(state({}), POLICY, 3);
    assert.equal(v.ok, true);
    assert.equal(v.reason, undefined);
    assert.equal(v.amountsWei.length, 3);
    assert.equal(v.totalWei, v.amountsWei.reduce((s, a) => s + BigInt(a), 0n).toString());
    // The 1-SSV minimum collateral beats 30 days of this cheap burn; the margin comes on top.
    assert.equal(v.amountsWei[0], (10n ** 18n + 300n * 5n * 10n ** 10n).toString());
  });

  it('Nexus short of SSV tokens: names what it holds, what the batch needs and the cluster', () => {
    const need = fundingVerdict(state({}), POLICY, 2).totalWei;
    const v = fundingVerdict(state({ nexusTokensWei: BigInt(need) - 1n }), POLICY, 2);
    assert.equal(v.ok, false);
    assert.equal(v.reason, 'nexus-ssv-short');
    assert.match(
      v.message ?? '',
      new RegExp(
        `Nexus holds ${BigInt(need) - 1n} wei SSV tokens, the 2 registrations of this batch need ${need} wei \\(short by 1 wei\\)`,
      ),
    );
    assert.match(v.message ?? '', /owner 0x5FbDB2315678afecb367f032d93F642f64180aa3 with operators \[1,2,3,4\]/);
    assert.equal(fundingVerdict(state({ nexusTokensWei: BigInt(need) }), POLICY, 2).ok, true);
  });

  it('a liquidated cluster is reported as such, naming it, whatever Nexus holds', () => {
    const v = fundingVerdict(state({ active: false, validatorCount: 3 }), POLICY, 1);
    assert.equal(v.reason, 'cluster-liquidated');
    assert.match(v.message ?? '', /SSV cluster of owner 0x5FbDB\w+ with operators \[1,2,3,4\] is liquidated/);
  });

  it('a cluster liquidatable now holds the batch (SSVNetworkViews says so, or its balance is below the collateral)', () => {
    assert.equal(
      fundingVerdict(state({ liquidatable: true, validatorCount: 2, balanceWei: 10n ** 18n }), POLICY, 1).reason,
      'cluster-liquidatable',
    );
    const v = fundingVerdict(state({ validatorCount: 2, balanceWei: 10n ** 18n - 1n }), POLICY, 1);
    assert.equal(v.reason, 'cluster-liquidatable');
    assert.match(v.message ?? '', /is liquidatable now \(balance 999999999999999999 wei for 2 validators\)/);
  });
});
