// NexusBaseBridge: the staking-limit check is exactly
//   ((validatorCount + n) * 32 ether * 10000) / (balance + (validatorCount + n) * 32 ether) > stakingLimit
// (integer division, balance before the deposits), withdrawal credentials must name the bridge, and
// only Nexus may deposit.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { executionWithdrawalCredentials, makeDepositData } from './deposit-data';
import {
  BASIS_POINT,
  ETH,
  VALIDATOR_DEPOSIT,
  expectRevert,
  makeValidators,
  send,
  toNexusValidator,
  useContractFixture,
} from './helpers';
import { maxDepositsAllowed } from '../../workflows/planning';

/** The bridge's rule, with BigInt integer division: may `n` more validators be deposited? */
function allowed(balance: bigint, validatorCount: bigint, n: bigint, limit: bigint): boolean {
  const staked = (validatorCount + n) * VALIDATOR_DEPOSIT;
  return (staked * BASIS_POINT) / (balance + staked) <= limit;
}

/** The largest batch the rule allows (the ratio only grows with n). */
function largestBatch(balance: bigint, validatorCount: bigint, limit: bigint): bigint {
  let n = 0n;
  while (allowed(balance, validatorCount, n + 1n, limit)) n++;
  return n;
}

describe('contracts: NexusBaseBridge', function () {
  const fx = useContractFixture();

  async function setBalance(address: string, wei: bigint): Promise<void> {
    await fx().provider.send('anvil_setBalance', [address, ethers.toQuantity(wei)]);
  }

  async function setLimit(limit: bigint): Promise<void> {
    const nexusAsAdmin = fx().system.contracts.nexus.connect(fx().rollupAdmin) as ethers.Contract;
    await send(nexusAsAdmin, 'changeStakingLimit', limit);
  }

  async function depositBatch(n: number): Promise<void> {
    const validators = await makeValidators(fx().rollup.bridgeAddress, n);
    await send(fx().nexusAsBot, 'depositValidatorRollup', fx().rollupAdmin.address, validators);
  }

  // (bridge balance before the batch, validators already deposited, staking limit in basis points)
  const cases: Array<{ balance: bigint; validatorCount: bigint; limit: bigint; why: string }> = [
    { balance: 100n * ETH, validatorCount: 0n, limit: 5000n, why: 'a fresh bridge' },
    { balance: 1000n * ETH, validatorCount: 3n, limit: 2500n, why: 'validators already staked' },
    { balance: 64n * ETH, validatorCount: 1n, limit: 5000n, why: 'the ratio lands exactly on the limit' },
    { balance: 384n * ETH, validatorCount: 2n, limit: 3333n, why: 'integer division rounds 3333.33 down to the limit' },
    { balance: 200n * ETH, validatorCount: 20n, limit: 8000n, why: 'a high limit with many validators' },
    { balance: 150n * ETH + 1n, validatorCount: 1n, limit: 4000n, why: 'a balance that is not a whole number of ETH' },
  ];

  for (const c of cases) {
    it(`allows the largest batch and rejects one more: ${c.why} (balance ${ethers.formatEther(c.balance)} ETH, ${c.validatorCount} validators, limit ${c.limit})`, async () => {
      const bridge = fx().rollup.bridge;
      // Stake the existing validators first (limit 10000, just enough ETH), then set the case's state.
      if (c.validatorCount > 0n) {
        await setLimit(10_000n);
        await setBalance(fx().rollup.bridgeAddress, c.validatorCount * VALIDATOR_DEPOSIT);
        await depositBatch(Number(c.validatorCount));
      }
      await setBalance(fx().rollup.bridgeAddress, c.balance);
      await setLimit(c.limit);
      assert.equal(await bridge.validatorCount(), c.validatorCount);

      const max = largestBatch(c.balance, c.validatorCount, c.limit);
      assert.ok(max >= 1n, 'each case allows at least one validator');
      assert.ok(c.balance >= max * VALIDATOR_DEPOSIT, 'each case can pay for its largest batch');
      // The bot's planner (workflows/planning.ts) must plan exactly this batch.
      assert.equal(maxDepositsAllowed({ bridgeBalanceWei: c.balance, validatorCount: c.validatorCount, stakingLimitBps: Number(c.limit) }), max);

      // One more than allowed reverts, with the balance still untouched.
      const tooMany = await makeValidators(fx().rollup.bridgeAddress, Number(max + 1n));
      await expectRevert(fx().nexusAsBot.depositValidatorRollup(fx().rollupAdmin.address, tooMany), 'StakingLimitExceeding');
      // The largest allowed batch goes through.
      await send(fx().nexusAsBot, 'depositValidatorRollup', fx().rollupAdmin.address, tooMany.slice(0, Number(max)));
      assert.equal(await bridge.validatorCount(), c.validatorCount + max);
      assert.equal(await fx().provider.getBalance(fx().rollup.bridgeAddress), c.balance - max * VALIDATOR_DEPOSIT);
    });
  }

  it('rejects withdrawal credentials that do not name the bridge with the 0x01 prefix', async () => {
    const other = await makeDepositData({ withdrawalCredentials: executionWithdrawalCredentials(fx().stranger.address) });
    await expectRevert(
      fx().nexusAsBot.depositValidatorRollup(fx().rollupAdmin.address, [toNexusValidator(other)]),
      'IncorrectWithdrawalCredentials',
    );
    // Right address, but 0x00 (BLS) prefix.
    const blsPrefix = executionWithdrawalCredentials(fx().rollup.bridgeAddress);
    blsPrefix[0] = 0;
    const bls = await makeDepositData({ withdrawalCredentials: blsPrefix });
    await expectRevert(
      fx().nexusAsBot.depositValidatorRollup(fx().rollupAdmin.address, [toNexusValidator(bls)]),
      'IncorrectWithdrawalCredentials',
    );
  });

  it('accepts deposits and exit accounting from Nexus only', async () => {
    const bridge = fx().rollup.bridge;
    const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
    await expectRevert(bridge.depositValidatorNexus([v], 10_000), 'NotNexus');
    await expectRevert(bridge.updateExitedValidators(), 'NotNexus');
    assert.equal(await bridge.NEXUS_NETWORK(), fx().system.addresses.nexus);
    assert.equal(await bridge.VALIDATOR_DEPOSIT(), VALIDATOR_DEPOSIT);
    assert.equal(await bridge.BASIS_POINT(), BASIS_POINT);
  });

  it('counts user deposits as principal, and unrecorded ETH as rewards', async () => {
    const bridge = fx().rollup.bridge;
    const address = fx().rollup.bridgeAddress;
    // The fixture funded 100 ETH with a plain transfer: principal, no rewards.
    assert.equal(await bridge.getRewards(), 0n);
    await (await fx().stranger.sendTransaction({ to: address, value: 5n * ETH })).wait();
    assert.equal(await bridge.getRewards(), 0n);
    // A consensus-layer withdrawal credits the balance without running code (anvil_setBalance here).
    await setBalance(address, (await fx().provider.getBalance(address)) + 3n * ETH);
    assert.equal(await bridge.getRewards(), 3n * ETH);
    await send(bridge.connect(fx().stranger) as ethers.Contract, 'receiveWithdrawal', { value: 2n * ETH });
    assert.equal(await bridge.getRewards(), 5n * ETH);
  });
});
