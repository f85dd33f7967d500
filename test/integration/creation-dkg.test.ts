// Validator creation on the DKG key path, end to end on the real parts: Temporal dev server, anvil
// with our contracts, moto, the worker as its own process, and the cluster's four ssv-dkg
// operators (the real binary when the tool cache has it, else the stand-in: README "ssv-dkg").
// Three DKG rollups with different (balance, limit) pairs and a mnemonic rollup create at the same
// time, with the worker started locked (no salt, as systemd starts it): the DKG rollups are created
// while the mnemonic one waits for the salt, which `nexus-bot unlock` then hands over. Each gets
// exactly the validators its limit allows; every deposit is accepted by the
// deposit contract; every registered keyshares payload is decrypted with the operators' keys,
// recombined, signature-checked for its nonce and accepted by ssv-keys; owner nonces are
// contiguous, and no registration lands between a ceremony's reserved nonces.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { KeySharesItem } from 'ssv-keys';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { contractAt } from '../../contracts/artifacts';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { checkIndependently, recoverDkgSecret, ssvKeysItemJson } from '../fixtures/keyshares/checks';
import { archiveDirOf, archivedCeremonies } from '../harness/ceremony-archive';
import { loadOperatorShares } from '../harness/threshold-signing';
import { ETH, startCreationNetwork, type CreationNetwork, type RollupSpec } from '../harness/creation-network';
import { runNexusBot } from '../harness/cli';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const TASK_QUEUE = 'nexus-bot-creation-dkg';
const ROLLUPS: (RollupSpec & { keyPath: 'dkg' | 'mnemonic' })[] = [
  { account: 2, name: 'dkg-a', funding: 320n * ETH, limit: 2000, keyPath: 'dkg', createMnemonic: false },
  { account: 3, name: 'dkg-b', funding: 640n * ETH, limit: 5000, keyPath: 'dkg', createMnemonic: false },
  { account: 4, name: 'dkg-c', funding: 100n * ETH, limit: 10000, keyPath: 'dkg', createMnemonic: false },
  { account: 5, name: 'mnemonic-d', funding: 400n * ETH, limit: 4000, keyPath: 'mnemonic' },
];

describe('creation end to end, DKG keys (Temporal + anvil + moto + worker process + ssv-dkg operators)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let rollups: (CreationNetwork['rollups'][number] & { expected: number; keyPath: 'dkg' | 'mnemonic' })[];
  let configFile: string;
  const archiveDir = () => archiveDirOf(net);

  before(async () => {
    net = await startCreationNetwork({ rollups: ROLLUPS, taskQueue: TASK_QUEUE, dkg: {} });
    console.log(`      ssv-dkg: ${net.dkgOperators?.binary.reason}`);
    rollups = net.rollups.map((r, i) => ({
      ...r,
      keyPath: ROLLUPS[i].keyPath,
      expected: Number(
        maxDepositsWithinLimit({
          bridgeBalanceWei: r.funding,
          validatorCount: 0n,
          stakingLimitBps: asBasisPoints(r.limit),
        }),
      ),
    }));
    // Locked: nothing on standard input; the salt comes later over the unlock socket.
    const config = {
      keys: { ...(net.workerConfig.keys as object), saltFromStdin: false },
      unlock: { socketPath: join(net.dir, 'run', 'unlock.sock') },
    };
    configFile = net.writeWorkerConfig(config);
    await net.startWorker({ salt: null, config });
  });

  after(async () => {
    await net?.stop();
  });

  it('creates exactly the validators each limit allows, on both key paths at once (the mnemonic one after the unlock), and then idles', async () => {
    const handles = await Promise.all(
      rollups.map((r) =>
        net.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue: TASK_QUEUE,
          workflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
          args: [{ rollupAdmin: asRollupAdmin(r.admin), keyPath: r.keyPath, pollInterval: '2 seconds', maxBatch: 3 }],
        }),
      ),
    );
    const deadline = Date.now() + 420_000;
    const waitForCreation = async (i: number) => {
      const handle = handles[i];
      for (;;) {
        const status = await handle.query(monitorStatusQuery);
        if (status.validatorsCreated === rollups[i].expected && status.phase === 'idle') break;
        if (Date.now() > deadline)
          assert.fail(
            `rollup ${rollups[i].admin}: ${JSON.stringify(status)}\n${readFileSync(net.workerLog, 'utf8').slice(-4000)}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    // Locked: every DKG rollup is created, the mnemonic one has created nothing.
    for (const [i, r] of rollups.entries()) if (r.keyPath === 'dkg') await waitForCreation(i);
    const mnemonicIndex = rollups.findIndex((r) => r.keyPath === 'mnemonic');
    assert.equal(
      (await handles[mnemonicIndex].query(monitorStatusQuery)).validatorsCreated,
      0,
      'a mnemonic validator was created while the worker was locked',
    );
    assert.match(readFileSync(net.workerLog, 'utf8'), /locked: waiting for the salt/);
    const saltFile = join(net.dir, 'salt');
    writeFileSync(saltFile, `${net.salt}\n`, { mode: 0o600 });
    // The monitors here are started without search attributes: the unlock names the rollup to check against.
    const unlocked = await runNexusBot([
      'unlock',
      '--salt-file',
      saltFile,
      '--rollup',
      rollups[mnemonicIndex].admin,
      '--config',
      configFile,
    ]);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    await waitForCreation(mnemonicIndex);
    for (const r of rollups) {
      const bridge = await contractAt('NexusBaseBridge', r.bridge, net.provider);
      const count = (await bridge.getFunction('validatorCount')()) as bigint;
      assert.equal(count, BigInt(r.expected), r.admin);
      const balance = await net.provider.getBalance(r.bridge);
      assert.equal(
        maxDepositsWithinLimit({
          bridgeBalanceWei: balance,
          validatorCount: count,
          stakingLimitBps: asBasisPoints(r.limit),
        }),
        0n,
        'the limit allows more',
      );
    }
  });

  it('every deposit was accepted by the deposit contract, and every key is SHARE_DEPOSITED in Nexus', async () => {
    const total = rollups.reduce((n, r) => n + r.expected, 0);
    const deposit = await contractAt('DepositContract', net.system.addresses.depositContract, net.provider);
    const events = await deposit.queryFilter(deposit.filters.DepositEvent(), 0);
    assert.equal(events.length, total);
    for (const e of events) {
      const pubkey = (e as ethers.EventLog).args[0] as string;
      assert.equal(
        await net.system.contracts.nexus.getFunction('validators')(pubkey),
        2n,
        `${pubkey} is not SHARE_DEPOSITED`,
      );
    }
  });

  it("every DKG keyshares payload decrypts with the operators' keys, recombines to its validator, is signed for its nonce and accepted by ssv-keys", async () => {
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    const added = (await ssv.queryFilter(
      ssv.filters.ValidatorAdded(net.system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    assert.equal(
      added.length,
      rollups.reduce((n, r) => n + r.expected, 0),
    );
    const dkgPubkeys = new Set(
      archivedCeremonies(archiveDir()).flatMap((c) => c.manifest.pubkeys.map((p) => p.toLowerCase())),
    );
    assert.equal(
      dkgPubkeys.size,
      rollups.filter((r) => r.keyPath === 'dkg').reduce((n, r) => n + r.expected, 0),
    );
    let checked = 0;
    for (const [nonce, event] of added.entries()) {
      const [, operatorIds, publicKey, shares] = event.args as unknown as [string, bigint[], string, string];
      if (!dkgPubkeys.has(publicKey.toLowerCase())) continue;
      const payload = { publicKey, operatorIds: operatorIds.map(Number), sharesData: shares };
      const sk = recoverDkgSecret(payload, net.operators);
      await checkIndependently(payload, sk, net.operators, net.system.addresses.nexus, nonce, 'ssv-dkg');
      const item = await KeySharesItem.fromJson(
        ssvKeysItemJson(payload, net.operators, net.system.addresses.nexus, nonce),
      );
      assert.equal(item.error, undefined, String(item.error));
      checked++;
    }
    assert.equal(checked, dkgPubkeys.size);
  });

  it("each ceremony's reserved nonces hold exactly its keys, in order, and its archive says deposited", async () => {
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    const added = (await ssv.queryFilter(
      ssv.filters.ValidatorAdded(net.system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    const byNonce = added.map((e) => (e.args[2] as string).toLowerCase());
    const ceremonies = archivedCeremonies(archiveDir());
    assert.ok(ceremonies.length >= 2, `${ceremonies.length} ceremonies`);
    for (const { dir, manifest } of ceremonies) {
      assert.equal(manifest.state, 'deposited', dir);
      assert.deepEqual(
        byNonce.slice(manifest.firstNonce, manifest.firstNonce + manifest.count),
        manifest.pubkeys.map((p) => p.toLowerCase()),
        `nonces ${manifest.firstNonce}..${manifest.firstNonce + manifest.count - 1} (${dir})`,
      );
    }
  });

  it('the operators keep shares of every DKG validator, and any three of them make its key (the whole key is kept nowhere)', () => {
    const shares = loadOperatorShares(net.dkgOperators?.outputDirs ?? []);
    for (const { manifest } of archivedCeremonies(archiveDir())) {
      for (const pubkey of manifest.pubkeys)
        assert.equal(shares.get(pubkey.toLowerCase())?.length, 4, `shares of ${pubkey}`);
    }
  });
});
