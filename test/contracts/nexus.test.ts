// Nexus (with NodeOperator, the bridge and SSVNetwork behind it): access control, the validator
// status machine, rollup settings, exit accounting, and the whole life of two validators.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { registerRollup } from '../../contracts/deploy';
import {
  CLUSTER_ID,
  ETH,
  INITIAL_BRIDGE_FUNDING,
  INITIAL_STAKING_LIMIT,
  NEW_CLUSTER,
  VALIDATOR_DEPOSIT,
  clusterOf,
  eventsOf,
  expectRevert,
  makeValidators,
  send,
  useContractFixture,
  wallet,
  type Cluster,
  type NexusValidator,
} from './helpers';

/** Nexus.ValidatorStatus */
const Status = { INACTIVE: 0n, DEPOSITED: 1n, SHARE_DEPOSITED: 2n, VALIDATOR_EXIT_SUBMITTED: 3n, VALIDATOR_EXITED: 4n } as const;
const SHARE_AMOUNT = 10n * ETH;

describe('contracts: Nexus', function () {
  const fx = useContractFixture();

  const admin = () => fx().rollupAdmin.address;
  const nexusAs = (signer: ethers.Signer) => fx().system.contracts.nexus.connect(signer) as ethers.Contract;

  function shareFor(pubKey: string, cluster: Cluster, operatorIds: bigint[] = fx().operatorIds) {
    return { pubKey, operatorIds, sharesEncrypted: ethers.hexlify(randomBytes(1312)), amount: SHARE_AMOUNT, cluster };
  }

  async function deposit(n: number): Promise<NexusValidator[]> {
    const validators = await makeValidators(fx().rollup.bridgeAddress, n);
    await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), validators);
    return validators;
  }

  /** Registers the keyshares of `keys` one at a time; returns the latest cluster snapshot. */
  async function registerShares(keys: string[], cluster: Cluster = NEW_CLUSTER): Promise<Cluster> {
    const ssv = fx().system.contracts.ssvNetwork;
    for (const pk of keys) {
      const receipt = await send(fx().nexusAsBot, 'depositValidatorShares', admin(), shareFor(pk, cluster));
      const [added] = eventsOf(receipt, ssv, 'ValidatorAdded');
      cluster = clusterOf(added.args.cluster);
    }
    return cluster;
  }

  async function returnBalance(wei: bigint): Promise<void> {
    const address = fx().rollup.bridgeAddress;
    const balance = await fx().provider.getBalance(address);
    await fx().provider.send('anvil_setBalance', [address, ethers.toQuantity(balance + wei)]);
  }

  it('reverts NotNexusBot for every bot-only call from another sender', async () => {
    const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
    for (const sender of [fx().stranger, fx().owner, fx().rollupAdmin]) {
      const nexus = nexusAs(sender);
      await expectRevert(nexus.depositValidatorRollup(admin(), [v]), 'NotNexusBot');
      await expectRevert(nexus.depositValidatorShares(admin(), shareFor(v.pubKey, NEW_CLUSTER)), 'NotNexusBot');
      await expectRevert(nexus.validatorExit(admin(), [v.pubKey]), 'NotNexusBot');
      await expectRevert(nexus.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, NEW_CLUSTER), 'NotNexusBot');
      await expectRevert(nexus.validatorSlashed(admin(), ETH), 'NotNexusBot');
      await expectRevert(nexus.rechargeCluster(CLUSTER_ID, ETH, NEW_CLUSTER), 'NotNexusBot');
    }
  });

  it('lets only the owner set the bot, whitelist rollups and manage NodeOperator', async () => {
    const strangerNexus = nexusAs(fx().stranger);
    await expectRevert(strangerNexus.setOffChainBot(fx().stranger.address), 'NotOwner');
    await expectRevert(strangerNexus.whitelistRollup('x', fx().stranger.address), 'NotOwner');
    const strangerNodeOperator = fx().system.contracts.nodeOperator.connect(fx().stranger) as ethers.Contract;
    await expectRevert(strangerNodeOperator.registerSSVOperator(9n, 'k', 'https://127.0.0.1:1', 'n'), 'NotOwner');
    await expectRevert(strangerNodeOperator.addCluster(9n, [1n, 2n, 3n, 4n]), 'NotOwner');
    assert.equal(await fx().system.contracts.nexus.offChainBot(), fx().bot.address);
  });

  it('registers rollups: rollups(admin), whitelist and cluster checks', async () => {
    assert.deepEqual([...(await fx().system.contracts.nexus.rollups(admin()))], [
      fx().rollup.bridgeAddress,
      BigInt(INITIAL_STAKING_LIMIT),
      CLUSTER_ID,
    ]);
    const other = wallet(fx().provider, 4);
    await expectRevert(nexusAs(other).registerRollup(fx().rollup.bridgeAddress, CLUSTER_ID, 0, 100), 'AddressNotWhitelisted');
    await send(fx().system.contracts.nexus, 'whitelistRollup', 'other', other.address);
    await expectRevert(nexusAs(other).registerRollup(fx().rollup.bridgeAddress, 99n, 0, 100), 'ClusterNotPresent');
    await expectRevert(nexusAs(other).registerRollup(fx().rollup.bridgeAddress, CLUSTER_ID, 0, 10_001), 'IncorrectStakingLimit');
    const receipt = await send(nexusAs(other), 'registerRollup', fx().rollup.bridgeAddress, CLUSTER_ID, 50, 100);
    const [event] = eventsOf(receipt, fx().system.contracts.nexus, 'RollupRegistered');
    assert.deepEqual([...event.args], [other.address, fx().rollup.bridgeAddress, 100n, CLUSTER_ID, 50n]);
    await expectRevert(nexusAs(other).registerRollup(fx().rollup.bridgeAddress, CLUSTER_ID, 0, 100), 'RollupAlreadyRegistered');
  });

  it('rejects changeStakingLimit above 10000, accepts 10000, and changes clusters that exist', async () => {
    const nexus = nexusAs(fx().rollupAdmin);
    await expectRevert(nexus.changeStakingLimit(10_001), 'IncorrectStakingLimit');
    const receipt = await send(nexus, 'changeStakingLimit', 10_000);
    const [changed] = eventsOf(receipt, nexus, 'StakingLimitChanged');
    assert.deepEqual([...changed.args], [admin(), 10_000n]);
    assert.equal((await nexus.rollups(admin())).stakingLimit, 10_000n);
    await expectRevert(nexusAs(fx().stranger).changeStakingLimit(100), 'RollupNotRegistered');

    await expectRevert(nexus.changeCluster(99n), 'ClusterNotPresent');
    await send(fx().system.contracts.nodeOperator, 'addCluster', 2n, fx().operatorIds);
    const [clusterChanged] = eventsOf(await send(nexus, 'changeCluster', 2n), nexus, 'RollupOperatorClusterChanged');
    assert.deepEqual([...clusterChanged.args], [admin(), 2n]);
  });

  it('NodeOperator: getCluster of an unknown id reverts ClusterNotPresent; operators and clusters are readable', async () => {
    const nodeOperator = fx().system.contracts.nodeOperator;
    await expectRevert(nodeOperator.getCluster(99n), 'ClusterNotPresent');
    assert.deepEqual([...(await nodeOperator.getCluster(CLUSTER_ID))], fx().operatorIds);
    const op = await nodeOperator.ssvOperators(1n);
    assert.equal(op.ipAddress, 'https://127.0.0.1:3030');
    assert.equal(op.name, 'operator-1');
    assert.deepEqual([...(await nodeOperator.getOperatorIds())], fx().operatorIds);
    await expectRevert(nodeOperator.addCluster(CLUSTER_ID, fx().operatorIds), 'ClusterAlreadyExists');
    await expectRevert(nodeOperator.addCluster(5n, [2n, 1n, 3n, 4n]), 'UnsortedOperatorIds');
    await expectRevert(nodeOperator.addCluster(5n, [1n, 2n, 3n, 9n]), 'OperatorNotRegistered');
    const [updated] = eventsOf(await send(nodeOperator, 'updateSSVOperatorIP', 1n, 'https://127.0.0.1:4000'), nodeOperator, 'SSVOperatorUpdated');
    assert.deepEqual([...updated.args], [1n, 'https://127.0.0.1:4000']);
  });

  it('reverts IncorrectValidatorStatus for shares before the deposit and for a second deposit of the same key', async () => {
    const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
    await expectRevert(fx().nexusAsBot.depositValidatorShares(admin(), shareFor(v.pubKey, NEW_CLUSTER)), 'IncorrectValidatorStatus');
    await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), [v]);
    assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.DEPOSITED);
    await expectRevert(fx().nexusAsBot.depositValidatorRollup(admin(), [v]), 'IncorrectValidatorStatus');
    // The same key twice in one batch, too.
    const [w] = await makeValidators(fx().rollup.bridgeAddress, 1);
    await expectRevert(fx().nexusAsBot.depositValidatorRollup(admin(), [w, w]), 'IncorrectValidatorStatus');
    // Exits need SHARE_DEPOSITED, exit accounting needs VALIDATOR_EXIT_SUBMITTED.
    await expectRevert(fx().nexusAsBot.validatorExit(admin(), [v.pubKey]), 'IncorrectValidatorStatus');
    await expectRevert(
      fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, NEW_CLUSTER),
      'IncorrectValidatorStatus',
    );
  });

  it('rejects a key of another rollup (InvalidKeySupplied)', async () => {
    const otherAdmin = wallet(fx().provider, 4);
    await registerRollup(fx().system, { rollupAdmin: otherAdmin, name: 'other', operatorCluster: CLUSTER_ID, stakingLimit: 5000 });
    const [v] = await deposit(1);
    await expectRevert(
      fx().nexusAsBot.depositValidatorShares(otherAdmin.address, shareFor(v.pubKey, NEW_CLUSTER)),
      'InvalidKeySupplied',
    );
  });

  it('reverts ValidatorNotExited until 32 ETH is back in the bridge, then accounts the exit', async () => {
    const [v] = await deposit(1);
    let cluster = await registerShares([v.pubKey]);
    await send(fx().nexusAsBot, 'validatorExit', admin(), [v.pubKey]);
    const bridge = fx().rollup.bridge;

    await expectRevert(fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, cluster), 'ValidatorNotExited');
    // A user deposit is principal, not a returned validator.
    await (await fx().stranger.sendTransaction({ to: fx().rollup.bridgeAddress, value: 40n * ETH })).wait();
    await expectRevert(fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, cluster), 'ValidatorNotExited');
    await returnBalance(VALIDATOR_DEPOSIT - 1n);
    await expectRevert(fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, cluster), 'ValidatorNotExited');
    await returnBalance(1n);
    // A stale cluster snapshot is still refused by SSV.
    await expectRevert(fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, NEW_CLUSTER), 'IncorrectClusterState');

    const receipt = await send(fx().nexusAsBot, 'validatorExitBalanceTransferred', admin(), v.pubKey, fx().operatorIds, cluster);
    assert.equal(eventsOf(receipt, fx().system.contracts.nexus, 'ValidatorExited').length, 1);
    cluster = clusterOf(eventsOf(receipt, fx().system.contracts.ssvNetwork, 'ValidatorRemoved')[0].args.cluster);
    assert.equal(cluster.validatorCount, 0n);
    assert.equal(await bridge.validatorCount(), 0n);
    assert.equal(await bridge.getRewards(), 0n);
    assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.VALIDATOR_EXITED);
  });

  it('recharges the cluster of a NodeOperator cluster id and records slashing reports', async () => {
    const [v] = await deposit(1);
    const cluster = await registerShares([v.pubKey]);
    const ssv = fx().system.contracts.ssvNetwork;
    const receipt = await send(fx().nexusAsBot, 'rechargeCluster', CLUSTER_ID, 5n * ETH, cluster);
    const [deposited] = eventsOf(receipt, ssv, 'ClusterDeposited');
    assert.equal(deposited.args.owner, fx().system.addresses.nexus);
    assert.deepEqual(clusterOf(deposited.args.cluster), { ...cluster, balance: SHARE_AMOUNT + 5n * ETH });
    const [slashed] = eventsOf(await send(fx().nexusAsBot, 'validatorSlashed', admin(), ETH), fx().system.contracts.nexus, 'ValidatorSlashed');
    assert.deepEqual([...slashed.args], [admin(), ETH]);
  });

  it('happy path: deposit 2 validators, register shares, exit them, return the balance, account the exits', async () => {
    const { nexus, ssvNetwork, depositContract, ssvToken } = fx().system.contracts;
    const bridge = fx().rollup.bridge;
    const nexusAddress = fx().system.addresses.nexus;

    // 1. Deposit: 64 ETH of 100 is within the 50% limit (64*10000/164 = 3902).
    const validators = await makeValidators(fx().rollup.bridgeAddress, 2);
    const keys = validators.map((v) => v.pubKey);
    const depositReceipt = await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), validators);
    assert.deepEqual(eventsOf(depositReceipt, nexus, 'ValidatorSubmitted').map((e) => [...e.args]), keys.map((k) => [k, admin()]));
    assert.deepEqual(eventsOf(depositReceipt, depositContract, 'DepositEvent').map((e) => e.args.pubkey as string), keys);
    assert.equal(await bridge.validatorCount(), 2n);
    assert.equal(await fx().provider.getBalance(fx().rollup.bridgeAddress), INITIAL_BRIDGE_FUNDING - 2n * VALIDATOR_DEPOSIT);
    for (const k of keys) assert.equal(await nexus.validators(k), Status.DEPOSITED);
    for (const k of keys) assert.equal(await nexus.validatorRollup(k), admin());

    // 2. Shares, one at a time: Nexus is the SSV owner and its ValidatorAdded events count the nonce.
    let cluster: Cluster = NEW_CLUSTER;
    for (const [nonce, k] of keys.entries()) {
      const receipt = await send(fx().nexusAsBot, 'depositValidatorShares', admin(), shareFor(k, cluster));
      const [added] = eventsOf(receipt, ssvNetwork, 'ValidatorAdded');
      assert.equal(added.args.owner, nexusAddress);
      assert.equal(added.args.publicKey, k);
      const [submitted] = eventsOf(receipt, nexus, 'ValidatorShareSubmitted');
      assert.deepEqual([...submitted.args], [k, admin(), SHARE_AMOUNT]);
      cluster = clusterOf(added.args.cluster);
      assert.deepEqual(cluster, { ...NEW_CLUSTER, validatorCount: BigInt(nonce + 1), balance: SHARE_AMOUNT * BigInt(nonce + 1) });
      const ownerEvents = await ssvNetwork.queryFilter(ssvNetwork.filters.ValidatorAdded(nexusAddress));
      assert.equal(ownerEvents.length, nonce + 1, 'owner nonce = number of ValidatorAdded events of Nexus');
      assert.equal(await nexus.validators(k), Status.SHARE_DEPOSITED);
    }
    assert.equal(await ssvToken.balanceOf(fx().system.addresses.ssvNetwork), 2n * SHARE_AMOUNT);

    // 3. Exit: Nexus emits ValidatorExitSubmitted and SSV emits ValidatorExited per key.
    const exitReceipt = await send(fx().nexusAsBot, 'validatorExit', admin(), keys);
    assert.deepEqual(eventsOf(exitReceipt, nexus, 'ValidatorExitSubmitted').map((e) => [...e.args]), keys.map((k) => [admin(), k]));
    const ssvExited = eventsOf(exitReceipt, ssvNetwork, 'ValidatorExited');
    assert.deepEqual(ssvExited.map((e) => e.args.publicKey as string), keys);
    for (const e of ssvExited) {
      assert.equal(e.args.owner, nexusAddress);
      assert.deepEqual([...(e.args.operatorIds as bigint[])], fx().operatorIds);
    }
    for (const k of keys) assert.equal(await nexus.validators(k), Status.VALIDATOR_EXIT_SUBMITTED);
    await expectRevert(fx().nexusAsBot.validatorExit(admin(), [keys[0]]), 'IncorrectValidatorStatus');

    // 4. Both balances come back (a consensus-layer withdrawal credits the bridge without a call).
    await returnBalance(2n * VALIDATOR_DEPOSIT);

    // 5. Exit accounting, one key at a time, with the snapshot of the latest SSV event.
    for (const [i, k] of keys.entries()) {
      const receipt = await send(fx().nexusAsBot, 'validatorExitBalanceTransferred', admin(), k, fx().operatorIds, cluster);
      assert.deepEqual(eventsOf(receipt, nexus, 'ValidatorExited').map((e) => [...e.args]), [[admin(), k]]);
      const [removed] = eventsOf(receipt, ssvNetwork, 'ValidatorRemoved');
      cluster = clusterOf(removed.args.cluster);
      assert.equal(cluster.validatorCount, BigInt(keys.length - i - 1));
      assert.equal(await nexus.validators(k), Status.VALIDATOR_EXITED);
      assert.equal(await bridge.validatorCount(), BigInt(keys.length - i - 1));
    }
    // All ETH is principal again; total (balance + validatorCount × 32) did not change through the exits.
    assert.equal(await fx().provider.getBalance(fx().rollup.bridgeAddress), INITIAL_BRIDGE_FUNDING);
    assert.equal(await bridge.lockedBalance(), INITIAL_BRIDGE_FUNDING);
    assert.equal(await bridge.getRewards(), 0n);
    await expectRevert(fx().nexusAsBot.validatorExitBalanceTransferred(admin(), keys[0], fx().operatorIds, cluster), 'IncorrectValidatorStatus');
  });
});
