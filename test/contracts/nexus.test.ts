// Nexus of both public versions, on the local system: access control, the validator status
// machine, rollup registration, the bridge calls, and each version's validatorExit. Fees are off
// (NO_FEES) so cluster snapshots are exact.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { creditWithdrawal, deployBridge, NEXUS_VERSIONS, type NexusVersion } from '../../contracts/deploy';
import {
  CLUSTER_ID,
  EMPTY_REVERT,
  ETH,
  INITIAL_BRIDGE_FUNDING,
  INITIAL_STAKING_LIMIT,
  NEW_CLUSTER,
  NO_FEES,
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

/** Nexus.ValidatorStatus, in the public enum order. */
const Status = {
  INACTIVE: 0n,
  DEPOSITED: 1n,
  SHARE_DEPOSITED: 2n,
  VALIDATOR_EXIT_SUBMITTED: 3n,
  VALIDATOR_EXITED: 4n,
} as const;
const SHARE_AMOUNT = 10n * ETH;

for (const version of NEXUS_VERSIONS) {
  describe(`contracts: Nexus ${version}`, function () {
    this.timeout(60_000);
    const fx = useContractFixture({ ...NO_FEES, nexusVersion: version });
    const admin = () => fx().rollupAdmin.address;
    const nexusAs = (signer: ethers.Signer) => fx().system.contracts.nexus.connect(signer) as ethers.Contract;
    const share = (pubKey: string, cluster: Cluster, amount = SHARE_AMOUNT) => ({
      pubKey,
      operatorIds: fx().operatorIds,
      sharesEncrypted: ethers.hexlify(randomBytes(1312)),
      amount,
      cluster,
    });

    async function deposit(n: number): Promise<NexusValidator[]> {
      const validators = await makeValidators(fx().rollup.bridgeAddress, n);
      await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), validators);
      return validators;
    }
    async function registerShares(keys: string[], cluster: Cluster = NEW_CLUSTER): Promise<Cluster> {
      for (const pk of keys) {
        const receipt = await send(fx().nexusAsBot, 'depositValidatorShares', admin(), share(pk, cluster));
        cluster = clusterOf(eventsOf(receipt, fx().system.contracts.ssvNetwork, 'ValidatorAdded')[0].args.cluster);
      }
      return cluster;
    }
    /** Submits the exit the way this version can. */
    async function exit(key: string): Promise<ethers.TransactionReceipt> {
      return version === 'v2024-03'
        ? send(fx().nexusAsBot, 'validatorExit(address,bytes[])', admin(), [key])
        : send(fx().nexusAsBot, 'validatorExit(address,bytes,uint64[])', admin(), key, fx().operatorIds);
    }

    it('is a proxy owned by the deployer; initialize() runs once; NodeOperator is set', async () => {
      const { nexus, nodeOperator } = fx().system.contracts;
      assert.equal(await nexus.getOwner(), fx().owner.address);
      assert.equal(await nexus.proxiableUUID(), ethers.id('PROXIABLE'));
      await expectRevert(nexus.initialize(), 'ContractAlreadyInitialized');
      await expectRevert(nodeOperator.initialize(), 'ContractAlreadyInitialized');
      assert.equal(await nexus.NodeOperatorContract(), fx().system.addresses.nodeOperator);
      assert.equal(await nexus.offChainBot(), fx().bot.address);
      await expectRevert(nexusAs(fx().stranger).updateProxy(fx().stranger.address), 'NotOwner');
      await expectRevert(nexus.updateProxy(ethers.ZeroAddress), 'IncorrectAddress');
      if (version === 'v2024-06') {
        assert.equal(await nexus.SSV_NETWORK(), fx().system.addresses.ssvNetwork);
        assert.equal(await nexus.SSV_TOKEN(), fx().system.addresses.ssvToken);
      } else {
        assert.equal(nexus.interface.getFunction('SSV_NETWORK'), null);
      }
    });

    it('reverts NotNexusBot / NotOwner for calls from others', async () => {
      const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
      const stranger = nexusAs(fx().stranger);
      await expectRevert(stranger.depositValidatorRollup(admin(), [v]), 'NotNexusBot');
      await expectRevert(stranger.depositValidatorShares(admin(), share(v.pubKey, NEW_CLUSTER)), 'NotNexusBot');
      await expectRevert(stranger.validatorSlashed(admin(), ETH), 'NotNexusBot');
      await expectRevert(stranger.rechargeCluster(CLUSTER_ID, ETH, NEW_CLUSTER), 'NotNexusBot');
      await expectRevert(stranger.setOffChainBot(fx().stranger.address), 'NotOwner');
      await expectRevert(stranger.whitelistRollup('x', fx().stranger.address), 'NotOwner');
    });

    it('registerRollup: whitelist, NEXUS_NETWORK, staking limit, nexus fee 625 < fee <= 1000, cluster; uint256 fee in the event', async () => {
      const other = wallet(fx().provider, 4);
      const bridge = await deployBridge(fx().system, other, 'DAO');
      const bridgeAddress = await bridge.getAddress();
      const as = nexusAs(other);
      await expectRevert(as.registerRollup(bridgeAddress, CLUSTER_ID, 700, 100), 'AddressNotWhitelisted');
      await send(fx().system.contracts.nexus, 'whitelistRollup', 'other', other.address);
      assert.equal(await fx().system.contracts.nexus.isRollupWhitelisted(other.address), true);
      // A bridge whose NEXUS_NETWORK is another address.
      const foreign = await deployBridge(
        { ...fx().system, addresses: { ...fx().system.addresses, nexus: other.address } },
        other,
        'DAO',
      );
      await expectRevert(as.registerRollup(await foreign.getAddress(), CLUSTER_ID, 700, 100), 'NexusAddressNotFound');
      await expectRevert(as.registerRollup(bridgeAddress, CLUSTER_ID, 700, 10_001), 'IncorrectStakingLimit');
      for (const fee of [0, 625, 1001])
        await expectRevert(as.registerRollup(bridgeAddress, CLUSTER_ID, fee, 100), 'IncorrectNexusFee');
      await expectRevert(as.registerRollup(bridgeAddress, 99n, 700, 100), 'ClusterNotPresent');
      const receipt = await send(as, 'registerRollup', bridgeAddress, CLUSTER_ID, 1000, 100);
      const [event] = eventsOf(receipt, fx().system.contracts.nexus, 'RollupRegistered');
      assert.deepEqual([...event.args], [other.address, bridgeAddress, 100n, CLUSTER_ID, 1000n]);
      assert.equal(await bridge.NexusFeePercentage(), 1000n);
      await expectRevert(as.registerRollup(bridgeAddress, CLUSTER_ID, 700, 100), 'RollupAlreadyRegistered');
      assert.deepEqual(
        [...(await fx().system.contracts.nexus.rollups(other.address))],
        [bridgeAddress, 100n, CLUSTER_ID],
      );
    });

    it('changeStakingLimit / changeCluster / changeNexusFee for whitelisted admins', async () => {
      const nexus = nexusAs(fx().rollupAdmin);
      await expectRevert(nexus.changeStakingLimit(10_001), 'IncorrectStakingLimit');
      const [changed] = eventsOf(await send(nexus, 'changeStakingLimit', 10_000), nexus, 'StakingLimitChanged');
      assert.deepEqual([...changed.args], [admin(), 10_000n]);
      await expectRevert(nexusAs(fx().stranger).changeStakingLimit(100), 'AddressNotWhitelisted');
      await expectRevert(nexus.changeCluster(99n), 'ClusterNotPresent');
      await send(fx().system.contracts.nodeOperator, 'addCluster', fx().operatorIds, 2n);
      const [cc] = eventsOf(await send(nexus, 'changeCluster', 2n), nexus, 'RollupOperatorClusterChanged');
      assert.deepEqual([...cc.args], [admin(), 2n]);
      await expectRevert(nexus.changeNexusFee(2000), 'IncorrectNexusFee');
      await send(nexus, 'changeNexusFee', 800);
      assert.equal(await fx().rollup.bridge.NexusFeePercentage(), 800n);
    });

    it('depositValidatorRollup for an unknown admin calls address(0): empty revert data', async () => {
      const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
      await expectRevert(fx().nexusAsBot.depositValidatorRollup(fx().stranger.address, [v]), EMPTY_REVERT);
    });

    it('statuses follow the public enum; wrong status reverts IncorrectValidatorStatus', async () => {
      const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
      assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.INACTIVE);
      await expectRevert(
        fx().nexusAsBot.depositValidatorShares(admin(), share(v.pubKey, NEW_CLUSTER)),
        'IncorrectValidatorStatus',
      );
      await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), [v]);
      assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.DEPOSITED);
      await expectRevert(fx().nexusAsBot.depositValidatorRollup(admin(), [v]), 'IncorrectValidatorStatus');
      await expectRevert(exit(v.pubKey), 'IncorrectValidatorStatus');
      await expectRevert(
        fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, NEW_CLUSTER),
        'IncorrectValidatorStatus',
      );
    });

    it('depositValidatorShares: Nexus is the SSV owner; amount 0 on a new cluster is InsufficientBalance', async () => {
      const [v] = await deposit(1);
      await expectRevert(
        fx().nexusAsBot.depositValidatorShares(admin(), share(v.pubKey, NEW_CLUSTER, 0n)),
        'InsufficientBalance',
      );
      const receipt = await send(fx().nexusAsBot, 'depositValidatorShares', admin(), share(v.pubKey, NEW_CLUSTER));
      const [added] = eventsOf(receipt, fx().system.contracts.ssvNetwork, 'ValidatorAdded');
      assert.equal(added.args.owner, fx().system.addresses.nexus);
      assert.deepEqual(clusterOf(added.args.cluster), { ...NEW_CLUSTER, validatorCount: 1n, balance: SHARE_AMOUNT });
      const [submitted] = eventsOf(receipt, fx().system.contracts.nexus, 'ValidatorShareSubmitted');
      assert.deepEqual([...submitted.args], [v.pubKey, admin(), SHARE_AMOUNT]);
      assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.SHARE_DEPOSITED);
    });

    it(`validatorExit (${version === 'v2024-03' ? 'status only, no event, SSV not told' : 'one key, SSV exitValidator, ValidatorExitSubmitted'})`, async () => {
      const [v] = await deposit(1);
      await registerShares([v.pubKey]);
      const receipt = await exit(v.pubKey);
      assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.VALIDATOR_EXIT_SUBMITTED);
      const nexusEvents = eventsOf(receipt, fx().system.contracts.nexus, 'ValidatorExitSubmitted');
      const ssvExits = eventsOf(receipt, fx().system.contracts.ssvNetwork, 'ValidatorExited');
      if (version === 'v2024-03') {
        assert.equal(receipt.logs.length, 0);
      } else {
        assert.deepEqual([...nexusEvents[0].args], [admin(), v.pubKey]);
        assert.equal(ssvExits[0].args.owner, fx().system.addresses.nexus);
        assert.deepEqual([...ssvExits[0].args.operatorIds], fx().operatorIds);
      }
      await expectRevert(exit(v.pubKey), 'IncorrectValidatorStatus');
    });

    it('validatorExitBalanceTransferred: ValidatorNotExited until getRewards() >= 32 ETH; depositFunds is principal', async () => {
      const [v] = await deposit(1);
      let cluster = await registerShares([v.pubKey]);
      await exit(v.pubKey);
      const call = (c: Cluster) =>
        fx().nexusAsBot.validatorExitBalanceTransferred(admin(), v.pubKey, fx().operatorIds, c);
      await expectRevert(call(cluster), 'ValidatorNotExited');
      await send(fx().rollup.bridge, 'depositFunds', { value: 40n * ETH });
      await expectRevert(call(cluster), 'ValidatorNotExited');
      await creditWithdrawal(fx().provider, fx().rollup.bridgeAddress, VALIDATOR_DEPOSIT - 1n);
      await expectRevert(call(cluster), 'ValidatorNotExited');
      await creditWithdrawal(fx().provider, fx().rollup.bridgeAddress, 1n);
      await expectRevert(call(NEW_CLUSTER), 'IncorrectClusterState');
      const receipt = await send(
        fx().nexusAsBot,
        'validatorExitBalanceTransferred',
        admin(),
        v.pubKey,
        fx().operatorIds,
        cluster,
      );
      assert.deepEqual(
        [...eventsOf(receipt, fx().system.contracts.nexus, 'ValidatorExited')[0].args],
        [admin(), v.pubKey],
      );
      cluster = clusterOf(eventsOf(receipt, fx().system.contracts.ssvNetwork, 'ValidatorRemoved')[0].args.cluster);
      assert.equal(cluster.validatorCount, 0n);
      assert.equal(await fx().rollup.bridge.validatorCount(), 0n);
      assert.equal(await fx().system.contracts.nexus.validators(v.pubKey), Status.VALIDATOR_EXITED);
    });

    it('a plain transfer to the bridge counts as rewards and lets an exit be accounted early (as public)', async () => {
      const [v] = await deposit(1);
      const cluster = await registerShares([v.pubKey]);
      await exit(v.pubKey);
      await (await fx().stranger.sendTransaction({ to: fx().rollup.bridgeAddress, value: VALIDATOR_DEPOSIT })).wait();
      await send(fx().nexusAsBot, 'validatorExitBalanceTransferred', admin(), v.pubKey, fx().operatorIds, cluster);
    });

    it('rechargeCluster does not approve, so it fails; validatorSlashed sets slashedAmount', async () => {
      const [v] = await deposit(1);
      const cluster = await registerShares([v.pubKey]);
      await expectRevert(fx().nexusAsBot.rechargeCluster(CLUSTER_ID, 5n * ETH, cluster), 'InsufficientAllowance');
      await send(fx().nexusAsBot, 'validatorSlashed', admin(), 2n * ETH);
      await send(fx().nexusAsBot, 'validatorSlashed', admin(), ETH);
      assert.equal(await fx().rollup.bridge.slashedAmount(), ETH);
    });

    it('deposits follow the staking limit on the balance before deposits', async () => {
      // 100 ETH funded, limit 50 %: 2 validators give 64*10000/164 = 3902; 4 give 128*10000/228 = 5614 > 5000.
      await expectRevert(
        fx().nexusAsBot.depositValidatorRollup(admin(), await makeValidators(fx().rollup.bridgeAddress, 4)),
        'StakingLimitExceeding',
      );
      await deposit(2);
      assert.equal(await fx().rollup.bridge.validatorCount(), 2n);
      assert.equal(
        await fx().provider.getBalance(fx().rollup.bridgeAddress),
        INITIAL_BRIDGE_FUNDING - 2n * VALIDATOR_DEPOSIT,
      );
      assert.equal(INITIAL_STAKING_LIMIT, 5000);
    });
  });
}

export type { NexusVersion };
