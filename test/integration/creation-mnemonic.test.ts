// Validator creation on the mnemonic key path, end to end on the real parts: Temporal dev server,
// anvil with our contracts, moto holding each rollup's encrypted mnemonic, and the worker as its
// own process (its salt on standard input). Two rollups with different balances and limits get
// exactly the validators the limits allow; every deposit is accepted by the deposit contract;
// every keyshares payload on chain is checked independently and by ssv-keys; owner nonces are
// contiguous across rollups; no secret appears in any workflow history or in the worker's log.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { ethers } from 'ethers';
import { KeySharesItem } from 'ssv-keys';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { contractAt } from '../../contracts/artifacts';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { checkIndependently, ssvKeysItemJson } from '../fixtures/keyshares/checks';
import { workflowBundle } from '../harness/workflow-bundle';
import { exportDecoded, findSecrets } from '../harness/secret-scan';
import { ETH, startCreationNetwork, type CreationNetwork, type RollupSpec } from '../harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const TASK_QUEUE = 'nexus-bot-creation-it';
const ROLLUPS: RollupSpec[] = [
  { account: 2, name: 'rollup-a', funding: 320n * ETH, limit: 2000 },
  { account: 3, name: 'rollup-b', funding: 1000n * ETH, limit: 5000 },
];

describe('creation end to end, mnemonic keys (Temporal + anvil + moto + worker process)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let rollups: (CreationNetwork['rollups'][number] & { expected: number })[];

  before(async () => {
    net = await startCreationNetwork({ rollups: ROLLUPS, taskQueue: TASK_QUEUE });
    rollups = net.rollups.map((r) => ({
      ...r,
      expected: Number(
        maxDepositsWithinLimit({
          bridgeBalanceWei: r.funding,
          validatorCount: 0n,
          stakingLimitBps: asBasisPoints(r.limit),
        }),
      ),
    }));
    await net.startWorker();
  });

  after(async () => {
    await net?.stop();
  });

  it('creates exactly the validators each limit allows, registers them, and then idles', async () => {
    const handles = await Promise.all(
      rollups.map((r) =>
        net.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue: TASK_QUEUE,
          workflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
          args: [{ rollupAdmin: asRollupAdmin(r.admin), keyPath: 'mnemonic', pollInterval: '2 seconds', maxBatch: 4 }],
        }),
      ),
    );
    const deadline = Date.now() + 240_000;
    for (const [i, handle] of handles.entries()) {
      for (;;) {
        const status = await handle.query(monitorStatusQuery);
        if (status.validatorsCreated === rollups[i].expected && status.phase === 'idle') break;
        if (Date.now() > deadline)
          assert.fail(
            `rollup ${rollups[i].admin}: ${JSON.stringify(status)}\n${readFileSync(net.workerLog, 'utf8').slice(-3000)}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    for (const r of rollups) {
      const bridge = await contractAt('NexusBaseBridge', r.bridge, net.provider);
      const count = (await bridge.getFunction('validatorCount')()) as bigint;
      assert.equal(count, BigInt(r.expected));
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

  it('registered keyshares are valid (decrypted, recombined, signed for their nonce), ssv-keys accepts them, and owner nonces are contiguous across rollups', async () => {
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    const added = (await ssv.queryFilter(
      ssv.filters.ValidatorAdded(net.system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    const total = rollups.reduce((n, r) => n + r.expected, 0);
    assert.equal(added.length, total);
    // The secret keys, re-derived from each rollup's mnemonic (what an exit will need too).
    const secrets = new Map<string, Uint8Array>();
    for (const r of rollups) {
      const keys = await deriveSigningKeys(
        await net.vault.readMnemonic(r.admin),
        Array.from({ length: r.expected }, (_, i) => i),
      );
      for (const k of keys) secrets.set(k.pubkeyHex.toLowerCase(), Uint8Array.from(k.secretKey));
      wipeKeys(keys);
    }
    for (const [nonce, event] of added.entries()) {
      const [, operatorIds, publicKey, shares] = event.args as unknown as [string, bigint[], string, string];
      const sk = secrets.get(publicKey.toLowerCase());
      assert.ok(sk, `ValidatorAdded ${nonce} is not a key of the rollups' mnemonics`);
      const payload = { publicKey, operatorIds: operatorIds.map(Number), sharesData: shares };
      await checkIndependently(payload, sk, net.operators, net.system.addresses.nexus, nonce);
      const item = await KeySharesItem.fromJson(
        ssvKeysItemJson(payload, net.operators, net.system.addresses.nexus, nonce),
      );
      assert.equal(item.error, undefined, String(item.error));
    }
  });

  it('every recorded history (monitors, creations, registrar) replays on the current workflow code', async () => {
    const histories = [];
    for await (const execution of net.client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}"` })) {
      histories.push({
        workflowId: execution.workflowId,
        history: await net.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory(),
      });
    }
    const types = new Set<string>();
    for (const { workflowId, history } of histories) {
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      if (started) types.add(started);
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), replayName: workflowId },
        history,
        workflowId,
      ).catch((err: Error) => assert.fail(`${workflowId} (${started}) does not replay: ${err.message}`));
    }
    assert.deepEqual([...types].sort(), ['createValidatorsWorkflow', 'rollupMonitorWorkflow', 'ssvRegistrarWorkflow']);
  });

  it('no workflow history and no line of the worker log holds the mnemonics, the salt or a private key', async () => {
    const forbidden: string[] = [net.salt, net.botKey.slice(2)];
    for (const r of rollups) {
      const mnemonic = await net.vault.readMnemonic(r.admin);
      // The whole mnemonic, and any two consecutive words of it (a partial leak). Single words are
      // not checked: BIP-39 words such as "because" or "before" occur in ordinary log text.
      const words = mnemonic.split(' ');
      forbidden.push(mnemonic, ...words.slice(1).map((w, i) => `${words[i]} ${w}`));
      const keys = await deriveSigningKeys(
        mnemonic,
        Array.from({ length: r.expected }, (_, i) => i),
      );
      forbidden.push(...keys.map((k) => Buffer.from(k.secretKey).toString('hex')));
      wipeKeys(keys);
    }
    // Every payload decoded, every memo and search attribute read (test/harness/secret-scan.ts).
    const scanned = await exportDecoded(net.client, `TaskQueue = "${TASK_QUEUE}"`);
    assert.ok(scanned.length >= 3, `expected the monitors, creations and registrar, got ${scanned.length} histories`);
    assert.deepEqual(
      findSecrets(
        scanned,
        forbidden.map((value, i) => ({ label: `secret #${i}`, value })),
      ),
      [],
      'a workflow history, memo or search attribute holds a secret',
    );
    const log = readFileSync(net.workerLog, 'utf8');
    for (const secret of forbidden) assert.ok(!log.includes(secret), 'the worker log holds a secret');
  });
});
