// The three bridge kinds (v2024-06 examples; v2024-03 only lacks balance()/recieveExecutionRewards,
// see public-interface.test.ts): getRewards, exit accounting per kind, reward distribution.
import assert from 'node:assert/strict';
import { creditWithdrawal, distributeRewards, BRIDGE_KINDS } from '../../contracts/deploy';
import { ETH, NO_FEES, VALIDATOR_DEPOSIT, expectRevert, makeValidators, send, useContractFixture } from './helpers';

for (const kind of BRIDGE_KINDS) {
  describe(`contracts: bridge ${kind} (v2024-06 example)`, function () {
    this.timeout(60_000);
    const fx = useContractFixture({ ...NO_FEES, bridgeKind: kind });
    const bridge = () => fx().rollup.bridge;

    it('getRewards = balance + 32·validators − (deposited − withdrawn) − slashed; balance() is the principal', async () => {
      assert.equal(await bridge().getRewards(), 0n);
      assert.equal(await bridge().balance(), 100n * ETH);
      await send(
        fx().nexusAsBot,
        'depositValidatorRollup',
        fx().rollupAdmin.address,
        await makeValidators(fx().rollup.bridgeAddress, 1),
      );
      assert.equal(await bridge().getRewards(), 0n);
      await creditWithdrawal(fx().provider, fx().rollup.bridgeAddress, ETH);
      assert.equal(await bridge().getRewards(), ETH);
      await send(fx().nexusAsBot, 'validatorSlashed', fx().rollupAdmin.address, 2n * ETH);
      await expectRevert(bridge().getRewards(), { panic: 0x11n });
    });

    it('recieveExecutionRewards only checks the amount; only Nexus may call the Nexus functions', async () => {
      await expectRevert(bridge().recieveExecutionRewards(ETH, { value: ETH - 1n }), 'IncorrectAmountSent');
      await send(bridge(), 'recieveExecutionRewards', ETH, { value: ETH });
      assert.equal(await bridge().getRewards(), ETH);
      await expectRevert(bridge().updateExitedValidators(), 'NotNexus');
      await expectRevert(bridge().setNexusFee(700), 'NotNexus');
      await expectRevert(bridge().validatorsSlashed(1n), 'NotNexus');
    });

    if (kind !== 'DAO') {
      it('distributed rewards do not count for an exit: getRewards() − amountDistributed must reach 32 ETH', async () => {
        const distributed = await distributeRewards(fx().rollup, { provider: fx().provider, rewardsWei: 10n * ETH });
        assert.equal(distributed, 10n * ETH - (10n * ETH * 700n) / 10_000n);
        assert.equal(await bridge().amountDistributed(), distributed);
        await expectRevert(
          distributeRewards(fx().rollup, { provider: fx().provider, rewardsWei: 40n * ETH }),
          'WaitingForValidatorExits',
        );
      });
    } else {
      it('the DAO redeems rewards with the expected fee', async () => {
        await creditWithdrawal(fx().provider, fx().rollup.bridgeAddress, ETH);
        await expectRevert(bridge().redeemRewards(fx().stranger.address, 600n), 'IncorrectNexusFee');
        await send(bridge(), 'redeemRewards', fx().stranger.address, 700n);
        assert.equal(await bridge().rewardsClaimed(), ETH);
        assert.equal(VALIDATOR_DEPOSIT, 32n * ETH);
      });
    }
  });
}
