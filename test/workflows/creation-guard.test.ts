// Time-skipping workflow tests of what a key the pre-deposit guard holds does to its batch (issue
// 13 item 8): a mnemonic batch leaves it out and deposits and registers the others; a DKG batch,
// whose keyshares are signed for consecutive owner nonces, deposits nothing and gives its nonces
// back, so that the next ceremony signs for the same nonces. The creation workflow runs on a real
// worker with the real registrar; activities are the in-memory chain's (stub-activities.ts).
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { createValidatorsWorkflow } from '../../workflows/create-validators';
import { creationStatusQuery } from '../../protocol/messages';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, pubkeyFor, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: keys held by the pre-deposit guard (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let registrarWorkflowId: string;
  let chain: StubChain;
  let ADMIN: string;
  let testNumber = 0;

  beforeEach(() => {
    testNumber++;
    taskQueue = `guard-${testNumber}-${Date.now()}`;
    registrarWorkflowId = `${taskQueue}-registrar`;
    ADMIN = `0x${(0xe000 + testNumber).toString(16)}${'d'.repeat(36)}`;
    chain = new StubChain();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 5000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
  });

  afterEach(async () => {
    await Promise.all(
      [creationWorkflowId(asRollupAdmin(ADMIN)), registrarWorkflowId].map((id) =>
        testEnv()
          .client.workflow.getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
  });

  const withWorker = <T>(fn: (env: TestWorkflowEnvironment) => Promise<T>) =>
    withTestWorker(
      testEnv().address,
      { taskQueue, activities: stubActivities(chain, testEnv().client, taskQueue, registrarWorkflowId) },
      () => fn(testEnv()),
    );

  const startBatch = (env: TestWorkflowEnvironment, keyPath: 'mnemonic' | 'dkg', count: number, runTag = '') =>
    env.client.workflow.start(createValidatorsWorkflow, {
      taskQueue,
      workflowId: `${creationWorkflowId(asRollupAdmin(ADMIN))}${runTag}`,
      args: [{ rollupAdmin: ADMIN, bridge: '0xb1', operatorCluster: 1, keyPath, count }],
    });

  it('mnemonic: the held key is left out (nothing of it deposited or registered); the others are deposited and registered; status and result name the key and the check', async () => {
    const held = pubkeyFor(`${ADMIN}:m1`);
    chain.guardHolds = (pubkey) => (pubkey === held ? 'deposit-contract' : undefined);
    await withWorker(async (env) => {
      const handle = await startBatch(env, 'mnemonic', 3);
      const result = await handle.result();
      const kept = [pubkeyFor(`${ADMIN}:m0`), pubkeyFor(`${ADMIN}:m2`)];
      assert.deepEqual(result.deposited, kept);
      assert.deepEqual(result.registered, kept);
      assert.deepEqual(result.unregistered, []);
      assert.deepEqual(
        result.held?.map((h) => [h.pubkey, h.failures.map((f) => f.check)]),
        [[held, ['deposit-contract']]],
      );
      const status = await handle.query(creationStatusQuery);
      assert.deepEqual(
        status.guard?.held.map((h) => h.pubkey),
        [held],
      );
      assert.match(status.guard?.held[0].failures[0].reason ?? '', /stub: fails deposit-contract/);
    });
    assert.equal(chain.guardCalls.length, 1, 'one guard check, just before the deposit');
    assert.deepEqual(chain.depositBatches, [[pubkeyFor(`${ADMIN}:m0`), pubkeyFor(`${ADMIN}:m2`)]]);
    assert.ok(!chain.registrations.some((r) => r.pubkey === held), 'the held key was registered');
  });

  it('the monitor shows a held key in its status after the batch (guardHeld names the key and the check, kept past later batches)', async () => {
    const held = pubkeyFor(`${ADMIN}:m1`);
    chain.guardHolds = (pubkey) => (pubkey === held ? 'ssv-network' : undefined);
    chain.rollup(ADMIN).balanceWei = 96n * ETH; // at 50 %: three validators now, none after
    chain.rollup(ADMIN).stakingLimitBps = 10000;
    await withWorker(async (env) => {
      const monitor = await env.client.workflow.start(rollupMonitorWorkflow, {
        taskQueue,
        workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
        args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', pollInterval: '6 hours', maxBatch: 3 }],
      });
      const s = await waitForMonitor(
        env,
        monitor,
        (st) => st.validatorsCreated === 3 && st.phase === 'idle',
        'the rollup at its limit',
        '10 seconds',
      );
      assert.equal(s.guardHeld?.count, 1);
      assert.match(s.guardHeld?.last ?? '', new RegExp(`^${held}: \\[ssv-network\\]`));
      await stopMonitor(env, monitor);
    });
  });

  it('mnemonic: every key held: nothing deposited, nothing registered, the batch ends with them held', async () => {
    chain.guardHolds = () => 'beacon';
    await withWorker(async (env) => {
      const result = await (await startBatch(env, 'mnemonic', 2)).result();
      assert.deepEqual(result.deposited, []);
      assert.equal(result.held?.length, 2);
    });
    assert.equal(chain.submitAttempts, 0);
    assert.equal(chain.registrations.length, 0);
  });

  it('DKG: one held key holds the whole ceremony: nothing deposited, the batch fails naming the key and check, its nonces are given back (the next ceremony signs for them)', async () => {
    const held = pubkeyFor(`${ADMIN}:d1`);
    chain.guardHolds = (pubkey) => (pubkey === held ? 'ssv-network' : undefined);
    await withWorker(async (env) => {
      const handle = await startBatch(env, 'dkg', 3);
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError, `expected a failed batch, got ${String(err)}`);
      const cause = err.cause as Error & { type?: string };
      assert.equal(cause.type, 'DepositGuardHeld');
      assert.match(
        cause.message,
        new RegExp(
          `pre-deposit guard held 1 of 3 key\\(s\\) of this DKG ceremony; nothing deposited, its SSV nonces given back: ${held}: \\[ssv-network\\]`,
        ),
      );
      assert.equal(chain.submitAttempts, 0, 'a deposit was attempted');

      // The nonce range was given back: the next ceremony starts at nonce 0 again and registers.
      chain.guardHolds = undefined;
      const next = await (await startBatch(env, 'dkg', 2, '-next')).result();
      assert.equal(next.registered.length, 2);
    });
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      [0, 1],
    );
    assert.equal(chain.depositBatches.length, 1);
    await testEnv()
      .client.workflow.getHandle(`${creationWorkflowId(asRollupAdmin(ADMIN))}-next`)
      .terminate('test over')
      .catch(() => undefined);
  });
});
