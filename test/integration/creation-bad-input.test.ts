// Bad input on the creation path, on the real parts: a wrong salt, a rollup without a mnemonic
// secret, and a cluster with a malformed operator key each stop the creation with a clear,
// non-retried failure, before anything is deposited; the same rollup then works once fixed.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { contractAt } from '../../contracts/artifacts';
import { addCluster, registerOperator } from '../../contracts/deploy';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { generateOperators } from '../fixtures/keyshares/material';
import { asRollupAdmin } from '../../protocol/identifiers';

describe('creation: bad input (real parts)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let good: string;
  let noSecret: string;
  let badKey: string;

  before(async () => {
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-bad-input',
      rollups: [
        { account: 2, name: 'good', funding: 320n * ETH, limit: 2000 },
        { account: 3, name: 'no-secret', funding: 320n * ETH, limit: 2000, createMnemonic: false },
        { account: 4, name: 'bad-operator-key', funding: 320n * ETH, limit: 2000, operatorCluster: 2 },
      ],
      // Cluster 2: operators 5-8, the first with a key that is base64 of no PEM at all.
      prepareChain: async (system) => {
        const keys = generateOperators([6, 7, 8]).map((o) => o.publicKeyBase64);
        for (const [i, publicKey] of [Buffer.from('not an RSA key').toString('base64'), ...keys].entries()) {
          await registerOperator(system, { publicKey, dkgPort: 4000 + i, name: `cluster2-op-${5 + i}` });
        }
        await addCluster(system, 2, [5, 6, 7, 8]);
      },
    });
    [good, noSecret, badKey] = net.rollups.map((r) => r.admin);
  });

  after(async () => {
    await net?.stop();
  });

  const startMonitor = (admin: string) =>
    net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '2 seconds' }],
    });

  async function waitForError(handle: WorkflowHandle, pattern: RegExp): Promise<MonitorStatus> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await handle.query(monitorStatusQuery);
      if (status.lastError && pattern.test(status.lastError)) return status;
      if (Date.now() > deadline) assert.fail(`no error matching ${pattern}: ${JSON.stringify(status)}`);
      await sleep(300);
    }
  }

  async function validatorCount(admin: string): Promise<bigint> {
    const bridge = net.rollups.find((r) => r.admin === admin)?.bridge;
    return (await (
      await contractAt('NexusBaseBridge', bridge as string, net.provider)
    ).getFunction('validatorCount')()) as bigint;
  }

  /** The creation child ran its key-material activity once: a non-retryable failure is not retried. */
  async function keyMaterialAttempts(admin: string): Promise<number> {
    const history = await net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admin))).fetchHistory();
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    return Math.max(...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
  }

  it('a wrong salt: WrongSaltError, not retried, no key derived, nothing deposited', async () => {
    const worker = await net.startWorker({ salt: 'not-the-salt' });
    const handle = await startMonitor(good);
    const status = await waitForError(handle, /WrongSaltError/);
    assert.match(status.lastError ?? '', /salt/i);
    assert.ok(!(status.lastError ?? '').includes('not-the-salt'), 'the failure shows the salt');
    assert.equal(await keyMaterialAttempts(good), 1);
    assert.equal(await validatorCount(good), 0n);
    await worker.stop();
  });

  it('with the right salt, the same rollup gets its validators', async () => {
    await net.startWorker();
    const handle = net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(good)));
    await handle.signal('wake', { reason: 'test' });
    const deadline = Date.now() + 90_000;
    while ((await validatorCount(good)) !== 2n) {
      if (Date.now() > deadline) assert.fail(JSON.stringify(await handle.query(monitorStatusQuery)));
      await sleep(300);
    }
  });

  it('a rollup without a mnemonic secret: MnemonicSecretMissingError, nothing deposited', async () => {
    const handle = await startMonitor(noSecret);
    const status = await waitForError(handle, /MnemonicSecretMissingError/);
    assert.match(status.lastError ?? '', new RegExp(noSecret.toLowerCase()));
    assert.equal(await validatorCount(noSecret), 0n);
  });

  it('a malformed operator key in the cluster: a clear error naming the operator, before any deposit', async () => {
    const handle = await startMonitor(badKey);
    const status = await waitForError(handle, /InvalidOperatorDataError|MalformedOperatorKeyError/);
    assert.match(status.lastError ?? '', /operator 5/);
    assert.equal(await validatorCount(badKey), 0n);
  });
});
