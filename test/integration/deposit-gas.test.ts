// A deposit estimated before other deposits land (other rollups', concurrent batches): on the real
// deposit contract (anvil, our Nexus system) the estimate plus the usual margin runs the nested
// deposit out of gas and the whole depositValidatorRollup reverts without data, the EmptyRevert
// seen under load. The allowance of deposit-gas.ts covers it.
import assert from 'node:assert/strict';
import type { ethers } from 'ethers';
import { depositGasAllowance } from '../../activities/chain/deposit-gas';
import { raiseByPercent } from '../../activities/chain/fees';
import { registerRollup } from '../../contracts/deploy';
import { CLUSTER_ID, ETH, makeValidators, send, useContractFixture, type NexusValidator } from '../contracts/helpers';

/** The bot's TransactionManager margin (tx-manager-base.ts default). */
const MARGIN_PERCENT = 20;

describe('deposit gas: an estimate made before other deposits land (anvil, our contracts)', function () {
  this.timeout(120_000);
  const fixture = useContractFixture();

  /**
   * A second rollup that deposits `prime` validators (the deposit contract's count), then the
   * first rollup's deposit estimated, then one more deposit of the second rollup landing first.
   * Sends the first rollup's deposit with `gasLimit(estimate)` and returns its receipt status.
   */
  async function depositAfterAnother(
    prime: number,
    gasLimit: (estimate: bigint) => bigint,
  ): Promise<{ status: number; estimate: bigint; gasUsed: bigint }> {
    const fx = fixture();
    const other = await registerRollup(fx.system, {
      rollupAdmin: fx.stranger,
      name: 'other-rollup',
      operatorCluster: Number(CLUSTER_ID),
      stakingLimit: 10_000,
      funding: 32n * ETH * BigInt(prime + 1),
    });
    await send(
      fx.nexusAsBot,
      'depositValidatorRollup',
      fx.stranger.address,
      await makeValidators(other.bridgeAddress, prime),
    );
    const ours: NexusValidator[] = await makeValidators(fx.rollup.bridgeAddress, 1);
    const data = fx.nexusAsBot.interface.encodeFunctionData('depositValidatorRollup', [fx.rollupAdmin.address, ours]);
    const to = fx.system.addresses.nexus;
    const estimate = await fx.provider.estimateGas({ from: fx.bot.address, to, data });
    await send(
      fx.nexusAsBot,
      'depositValidatorRollup',
      fx.stranger.address,
      await makeValidators(other.bridgeAddress, 1),
    );
    const tx = await fx.bot.sendTransaction({ to, data, gasLimit: gasLimit(estimate) });
    const receipt = (await fx.provider.waitForTransaction(tx.hash)) as ethers.TransactionReceipt;
    return { status: receipt.status ?? -1, estimate, gasUsed: receipt.gasUsed };
  }

  it('the estimate plus the 20 % margin is short once another deposit lands first (count 30 → 31: a new branch slot, five hashes)', async () => {
    const { status, estimate, gasUsed } = await depositAfterAnother(30, (e) => raiseByPercent(e, MARGIN_PERCENT));
    console.log(`      estimate ${estimate}, limit ${raiseByPercent(estimate, MARGIN_PERCENT)}, used ${gasUsed}`);
    assert.equal(status, 0, 'the deposit did not revert: the premise of the allowance is gone');
  });

  for (const prime of [14, 30]) {
    it(`with the allowance the deposit is mined (count ${prime} → ${prime + 1})`, async () => {
      const { status, estimate, gasUsed } = await depositAfterAnother(
        prime,
        (e) => raiseByPercent(e, MARGIN_PERCENT) + depositGasAllowance(1),
      );
      console.log(`      estimate ${estimate}, used ${gasUsed}`);
      assert.equal(status, 1, 'the deposit reverted with the allowance');
    });
  }

  it('refuses a count that is not a whole number ≥ 0', () => {
    assert.throws(() => depositGasAllowance(-1), /deposits must be a whole number ≥ 0, got -1/);
    assert.equal(depositGasAllowance(3), 150_000n);
  });
});
