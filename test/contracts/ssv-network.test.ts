// The local SSVNetwork keeps the v1.x registration checks and the cluster snapshot rule: a call must
// pass the exact snapshot of the latest event for (owner, operatorIds), or it reverts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import {
  ETH,
  NEW_CLUSTER,
  clusterOf,
  eventsOf,
  expectRevert,
  fakeOperatorKey,
  send,
  useContractFixture,
  type Cluster,
} from './helpers';

const pubkey = () => ethers.hexlify(randomBytes(48));
/** sharesData is not checked on-chain; any bytes do (a 4-operator payload is 1312 bytes). */
const shares = () => ethers.hexlify(randomBytes(1312));

describe('contracts: SSVNetwork', function () {
  // No fees and no minimum collateral: these tests are about the registration checks and snapshots
  // (ssv-fees.test.ts covers fees and liquidation).
  const fx = useContractFixture({ ssv: { networkFeeWei: 0n, minimumLiquidationCollateralWei: 0n }, operatorFee: 0n });

  /** SSVNetwork connected to a plain account (the cluster owner in these tests), with SSV to spend. */
  async function asOwner(): Promise<ethers.Contract> {
    const { ssvToken, ssvNetwork } = fx().system.contracts;
    await send(ssvToken, 'mint', fx().stranger.address, 1000n * ETH);
    await send(
      ssvToken.connect(fx().stranger) as ethers.Contract,
      'approve',
      fx().system.addresses.ssvNetwork,
      ethers.MaxUint256,
    );
    return ssvNetwork.connect(fx().stranger) as ethers.Contract;
  }

  async function register(
    ssv: ethers.Contract,
    pk: string,
    ids: bigint[],
    amount: bigint,
    cluster: Cluster,
  ): Promise<Cluster> {
    const receipt = await send(ssv, 'registerValidator', pk, ids, shares(), amount, cluster);
    const [added] = eventsOf(receipt, ssv, 'ValidatorAdded');
    assert.equal(added.args.owner, fx().stranger.address);
    assert.equal(added.args.publicKey, pk);
    return clusterOf(added.args.cluster);
  }

  it('assigns operator ids from 1 and emits OperatorAdded', async () => {
    const ssv = fx().system.contracts.ssvNetwork;
    assert.deepEqual(fx().operatorIds, [1n, 2n, 3n, 4n]);
    const receipt = await send(ssv, 'registerOperator', ethers.toUtf8Bytes(fakeOperatorKey(9)), 70_000_000n);
    // Fees are stored shrunk (wei / 1e7): others revert MaxPrecisionExceeded, as v1.2.0.
    await expectRevert(ssv.registerOperator(ethers.toUtf8Bytes(fakeOperatorKey(8)), 7n), 'MaxPrecisionExceeded');
    const [added] = eventsOf(receipt, ssv, 'OperatorAdded');
    assert.equal(added.args.operatorId, 5n);
    assert.equal(added.args.owner, fx().owner.address);
    assert.equal(added.args.fee, 70_000_000n);
  });

  it('rejects unsorted, duplicate, wrongly sized or unknown operator ids and bad pubkeys with the v1.x errors', async () => {
    const ssv = await asOwner();
    // Operators 5..7 exist too, so that a 5-operator list fails on its size only.
    for (let i = 0; i < 3; i++)
      await send(fx().system.contracts.ssvNetwork, 'registerOperator', ethers.toUtf8Bytes(fakeOperatorKey(10 + i)), 0n);
    const call = (ids: bigint[], pk = pubkey()) => ssv.registerValidator(pk, ids, shares(), 0n, NEW_CLUSTER);
    await expectRevert(call([2n, 1n, 3n, 4n]), 'UnsortedOperatorsList');
    await expectRevert(call([1n, 1n, 2n, 3n]), 'OperatorsListNotUnique');
    await expectRevert(call([1n, 2n, 3n, 4n, 5n]), 'InvalidOperatorIdsLength');
    await expectRevert(call([1n, 2n, 3n]), 'InvalidOperatorIdsLength');
    await expectRevert(call([1n, 2n, 3n, 99n]), 'OperatorDoesNotExist');
    await expectRevert(call([1n, 2n, 3n, 4n], ethers.hexlify(randomBytes(47))), 'InvalidPublicKeyLength');
    // 7 operators is a valid committee.
    await register(ssv, pubkey(), [1n, 2n, 3n, 4n, 5n, 6n, 7n], 0n, NEW_CLUSTER);
  });

  it('requires {0,0,0,true,0} first and then the exact snapshot of the latest ValidatorAdded event', async () => {
    const ssv = await asOwner();
    const ids = [1n, 2n, 3n, 4n];
    await expectRevert(
      ssv.registerValidator(pubkey(), ids, shares(), 0n, { ...NEW_CLUSTER, validatorCount: 1n }),
      'IncorrectClusterState',
    );
    await expectRevert(
      ssv.registerValidator(pubkey(), ids, shares(), 0n, { ...NEW_CLUSTER, active: false }),
      'IncorrectClusterState',
    );

    const first = await register(ssv, pubkey(), ids, 10n * ETH, NEW_CLUSTER);
    assert.deepEqual(first, { validatorCount: 1n, networkFeeIndex: 0n, index: 0n, active: true, balance: 10n * ETH });
    // A stale snapshot (the new-cluster one) is rejected; the event's snapshot works.
    await expectRevert(ssv.registerValidator(pubkey(), ids, shares(), 0n, NEW_CLUSTER), 'IncorrectClusterState');
    await expectRevert(
      ssv.registerValidator(pubkey(), ids, shares(), 0n, { ...first, balance: 0n }),
      'IncorrectClusterState',
    );
    const second = await register(ssv, pubkey(), ids, 0n, first);
    assert.deepEqual(second, { ...first, validatorCount: 2n });
    // The token balance moved with the amount.
    assert.equal(await fx().system.contracts.ssvToken.balanceOf(fx().system.addresses.ssvNetwork), 10n * ETH);
    await expectRevert(ssv.registerValidator(pubkey(), ids, shares(), 0n, first), 'IncorrectClusterState');
  });

  it('keeps validators unique per (pubkey, owner)', async () => {
    const ssv = await asOwner();
    const ids = [1n, 2n, 3n, 4n];
    const pk = pubkey();
    const cluster = await register(ssv, pk, ids, 0n, NEW_CLUSTER);
    const [data] = await expectRevert(
      ssv.registerValidator(pk, ids, shares(), 0n, cluster),
      'ValidatorAlreadyExistsWithData',
    );
    assert.equal(data, pk);
    // Another owner may register the same key (its own cluster).
    await send(fx().system.contracts.ssvNetwork, 'registerValidator', pk, ids, shares(), 0n, NEW_CLUSTER);
  });

  it('emits one ValidatorAdded per key of a bulk registration, each with the final snapshot', async () => {
    const ssv = await asOwner();
    const keys = [pubkey(), pubkey(), pubkey()];
    const receipt = await send(
      ssv,
      'bulkRegisterValidator',
      keys,
      [1n, 2n, 3n, 4n],
      keys.map(() => shares()),
      3n * ETH,
      NEW_CLUSTER,
    );
    const added = eventsOf(receipt, ssv, 'ValidatorAdded');
    assert.deepEqual(
      added.map((e) => e.args.publicKey as string),
      keys,
    );
    for (const e of added)
      assert.deepEqual(clusterOf(e.args.cluster), { ...NEW_CLUSTER, validatorCount: 3n, balance: 3n * ETH });
  });

  it('exits and removes only registered (pubkey, owner, operatorIds), with a current snapshot for removal', async () => {
    const ssv = await asOwner();
    const ids = [1n, 2n, 3n, 4n];
    const pk = pubkey();
    let cluster = await register(ssv, pk, ids, 0n, NEW_CLUSTER);
    cluster = await register(ssv, pubkey(), ids, 0n, cluster);

    await expectRevert(ssv.exitValidator(pubkey(), ids), 'IncorrectValidatorStateWithData');
    await expectRevert(ssv.exitValidator(pk, [1n, 2n, 3n, 5n]), 'IncorrectValidatorStateWithData');
    await expectRevert(fx().system.contracts.ssvNetwork.exitValidator(pk, ids), 'IncorrectValidatorStateWithData'); // other owner
    await expectRevert(ssv.bulkExitValidator([], ids), 'ValidatorDoesNotExist');
    const exited = eventsOf(await send(ssv, 'bulkExitValidator', [pk], ids), ssv, 'ValidatorExited');
    assert.equal(exited.length, 1);
    assert.equal(exited[0].args.owner, fx().stranger.address);
    assert.deepEqual([...(exited[0].args.operatorIds as bigint[])], ids);

    await expectRevert(ssv.removeValidator(pubkey(), ids, cluster), 'ValidatorDoesNotExist');
    await expectRevert(ssv.removeValidator(pk, ids, NEW_CLUSTER), 'IncorrectClusterState');
    const [removed] = eventsOf(await send(ssv, 'removeValidator', pk, ids, cluster), ssv, 'ValidatorRemoved');
    assert.deepEqual(clusterOf(removed.args.cluster), { ...cluster, validatorCount: 1n });
    await expectRevert(ssv.exitValidator(pk, ids), 'IncorrectValidatorStateWithData');
  });

  it('tops up an existing cluster with deposit and emits ClusterDeposited with the new snapshot', async () => {
    const ssv = await asOwner();
    const ids = [1n, 2n, 3n, 4n];
    const cluster = await register(ssv, pubkey(), ids, 1n * ETH, NEW_CLUSTER);
    await expectRevert(ssv.deposit(fx().owner.address, ids, ETH, NEW_CLUSTER), 'ClusterDoesNotExists');
    await expectRevert(ssv.deposit(fx().stranger.address, ids, ETH, NEW_CLUSTER), 'IncorrectClusterState');
    const [deposited] = eventsOf(
      await send(ssv, 'deposit', fx().stranger.address, ids, 2n * ETH, cluster),
      ssv,
      'ClusterDeposited',
    );
    assert.equal(deposited.args.value, 2n * ETH);
    assert.deepEqual(clusterOf(deposited.args.cluster), { ...cluster, balance: 3n * ETH });
  });
});
