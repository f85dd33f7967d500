// SSVNetwork v1.2.0 fee rules on the local network: fees accrue per block through the operator
// indexes and the network fee index, registration refuses a cluster that would be liquidatable
// (InsufficientBalance), and liquidate / reactivate / deposit / withdraw with the views.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { DEFAULT_OPERATOR_FEE_WEI, DEFAULT_SSV_PARAMETERS } from '../../contracts/deploy';
import {
  ETH,
  NEW_CLUSTER,
  clusterOf,
  eventsOf,
  expectRevert,
  send,
  useContractFixture,
  wallet,
  type Cluster,
} from './helpers';

const COLLATERAL = ETH / 10n;
const PERIOD = 100_800n;
/** Per validator per block: 4 operators plus the network. */
const BURN = 4n * DEFAULT_OPERATOR_FEE_WEI + DEFAULT_SSV_PARAMETERS.networkFeeWei;

describe('contracts: SSVNetwork fees and liquidation (v1.2.0 rules)', function () {
  this.timeout(60_000);
  const fx = useContractFixture({
    ssv: { minimumLiquidationCollateralWei: COLLATERAL, liquidationThresholdPeriodBlocks: PERIOD },
  });
  const views = () => fx().system.contracts.ssvNetworkViews;
  const owner = () => fx().stranger.address;

  async function asOwner(): Promise<ethers.Contract> {
    const { ssvToken } = fx().system.contracts;
    await send(ssvToken, 'mint', owner(), 1000n * ETH);
    await send(
      ssvToken.connect(fx().stranger) as ethers.Contract,
      'approve',
      fx().system.addresses.ssvNetwork,
      ethers.MaxUint256,
    );
    return fx().system.contracts.ssvNetwork.connect(fx().stranger) as ethers.Contract;
  }
  async function register(ssv: ethers.Contract, amount: bigint, cluster: Cluster = NEW_CLUSTER) {
    const receipt = await send(
      ssv,
      'registerValidator',
      ethers.hexlify(randomBytes(48)),
      fx().operatorIds,
      '0x',
      amount,
      cluster,
    );
    return { receipt, cluster: clusterOf(eventsOf(receipt, ssv, 'ValidatorAdded')[0].args.cluster) };
  }
  const mine = (blocks: bigint) => fx().provider.send('anvil_mine', [ethers.toQuantity(blocks)]);

  it('views report the configured parameters and fees', async () => {
    assert.equal(await views().getNetworkFee(), DEFAULT_SSV_PARAMETERS.networkFeeWei);
    assert.equal(await views().getOperatorFee(1n), DEFAULT_OPERATOR_FEE_WEI);
    assert.equal(await views().getMinimumLiquidationCollateral(), COLLATERAL);
    assert.equal(await views().getLiquidationThresholdPeriod(), PERIOD);
    await expectRevert(views().getOperatorFee(99n), 'OperatorDoesNotExist');
  });

  it('registration reverts InsufficientBalance below the collateral or the threshold period of fees', async () => {
    const ssv = await asOwner();
    assert.ok(BURN * PERIOD > COLLATERAL, 'the threshold period is the binding rule here');
    await expectRevert(register(ssv, COLLATERAL - 10n ** 7n), 'InsufficientBalance');
    await expectRevert(register(ssv, BURN * PERIOD - 10n ** 7n), 'InsufficientBalance');
    const { cluster } = await register(ssv, BURN * PERIOD);
    assert.equal(cluster.balance, BURN * PERIOD);
    // A second validator doubles the threshold: the same cluster needs more.
    await expectRevert(register(ssv, 0n, cluster), 'InsufficientBalance');
  });

  it('fees accrue per block: getBalance and getBurnRate, then liquidate by anyone, reactivate, deposit, withdraw', async () => {
    const ssv = await asOwner();
    const amount = BURN * PERIOD + 1000n * BURN;
    let { receipt, cluster } = await register(ssv, amount);
    assert.equal(await views().getBurnRate(owner(), fx().operatorIds, cluster), BURN);
    await mine(10n);
    const elapsed = BigInt(await fx().provider.getBlockNumber()) - BigInt(receipt.blockNumber);
    assert.equal(await views().getBalance(owner(), fx().operatorIds, cluster), amount - elapsed * BURN);
    assert.equal(await views().isLiquidatable(owner(), fx().operatorIds, cluster), false);
    const liquidator = fx().system.contracts.ssvNetwork.connect(wallet(fx().provider, 5)) as ethers.Contract;
    await expectRevert(liquidator.liquidate(owner(), fx().operatorIds, cluster), 'ClusterNotLiquidatable');

    await mine(1000n);
    assert.equal(await views().isLiquidatable(owner(), fx().operatorIds, cluster), true);
    const before = await fx().system.contracts.ssvToken.balanceOf(wallet(fx().provider, 5).address);
    receipt = await send(liquidator, 'liquidate', owner(), fx().operatorIds, cluster);
    cluster = clusterOf(eventsOf(receipt, liquidator, 'ClusterLiquidated')[0].args.cluster);
    assert.equal(cluster.active, false);
    assert.equal(cluster.balance, 0n);
    assert.ok(
      (await fx().system.contracts.ssvToken.balanceOf(wallet(fx().provider, 5).address)) > before,
      'the liquidator gets the balance',
    );
    assert.equal(await views().isLiquidated(owner(), fx().operatorIds, cluster), true);
    await expectRevert(views().getBalance(owner(), fx().operatorIds, cluster), 'ClusterIsLiquidated');
    await expectRevert(register(ssv, amount, cluster), 'ClusterIsLiquidated');

    await expectRevert(ssv.reactivate(fx().operatorIds, 0n, cluster), 'InsufficientBalance');
    receipt = await send(ssv, 'reactivate', fx().operatorIds, amount, cluster);
    cluster = clusterOf(eventsOf(receipt, ssv, 'ClusterReactivated')[0].args.cluster);
    assert.equal(cluster.active, true);

    // Anyone may deposit into any cluster (the bot tops up Nexus' clusters this way).
    const { ssvToken } = fx().system.contracts;
    await send(ssvToken, 'approve', fx().system.addresses.ssvNetwork, ETH);
    await send(ssvToken, 'mint', fx().owner.address, ETH);
    receipt = await send(fx().system.contracts.ssvNetwork, 'deposit', owner(), fx().operatorIds, ETH, cluster);
    cluster = clusterOf(eventsOf(receipt, ssv, 'ClusterDeposited')[0].args.cluster);
    assert.equal(cluster.balance, amount + ETH);

    await expectRevert(ssv.withdraw(fx().operatorIds, amount + ETH, cluster), 'InsufficientBalance');
    receipt = await send(ssv, 'withdraw', fx().operatorIds, ETH / 2n, cluster);
    cluster = clusterOf(eventsOf(receipt, ssv, 'ClusterWithdrawn')[0].args.cluster);
    assert.ok(cluster.balance < amount + ETH / 2n);
  });

  it('operator earnings grow with its validators', async () => {
    const ssv = await asOwner();
    await register(ssv, 2n * ETH);
    await mine(100n);
    assert.ok((await views().getOperatorEarnings(1n)) >= 100n * DEFAULT_OPERATOR_FEE_WEI);
  });
});
