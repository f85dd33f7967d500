// Time-skipping workflow tests of the checks before a creation batch deposits (invariant 9): a
// batch whose SSV registrations would not go through holds before its deposit, says why, deposits
// nothing, and goes on once funded; a deposit for the wrong network is refused for good.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { creationStatusQuery, pauseSignal, resumeSignal, type MonitorStatus } from '../../protocol/messages';
import { rollupMonitorWorkflow, type RollupMonitorInput } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: creation held before the deposit until fundable (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let registrarWorkflowId: string;
  let chain: StubChain;
  let ADMIN: string;
  let testNumber = 0;
  const started: string[] = [];

  beforeEach(function () {
    testNumber++;
    taskQueue = `funding-${testNumber}-${Date.now()}`;
    registrarWorkflowId = `${taskQueue}-registrar`;
    ADMIN = `0x${(0xf000 + testNumber).toString(16)}${'c'.repeat(36)}`;
    chain = new StubChain();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 1000,
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
  });

  afterEach(async () => {
    const ids = [...started.splice(0), creationWorkflowId(asRollupAdmin(ADMIN)), registrarWorkflowId];
    await Promise.all(
      ids.map((id) =>
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

  async function startMonitor(
    env: TestWorkflowEnvironment,
    input: Partial<RollupMonitorInput> = {},
  ): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
    const workflowId = `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`;
    started.push(workflowId);
    return env.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue,
      workflowId,
      args: [{ pollInterval: '1 minute', rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', ...input }],
    });
  }

  const waitForStatus = (
    env: TestWorkflowEnvironment,
    handle: WorkflowHandle,
    done: (s: MonitorStatus) => boolean,
    what: string,
  ) => waitForMonitor(env, handle, done, what, '20 seconds', 60);

  const stop = (handle: WorkflowHandle) => stopMonitor(testEnv(), handle, '20 seconds', 60);

  it('Nexus short of SSV tokens: the batch holds before the deposit (status, monitor), deposits nothing, and goes on once funded', async () => {
    chain.nexusSsvWei = chain.ssvPerRegistrationWei - 1n;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const held = await waitForStatus(
        env,
        handle,
        (s) => s.inFlight?.phase === 'awaiting-funding',
        'the batch to hold',
      );
      assert.equal(held.inFlight?.funding?.reason, 'nexus-ssv-short');
      assert.match(
        held.inFlight?.funding?.message ?? '',
        /Nexus holds 9999999999999999999 wei SSV tokens, the \d+ registrations of this batch need/,
      );
      const batch = await env.client.workflow
        .getHandle(creationWorkflowId(asRollupAdmin(ADMIN)))
        .query(creationStatusQuery);
      assert.equal(batch.phase, 'awaiting-funding');
      assert.equal(batch.funding?.reason, 'nexus-ssv-short');
      assert.equal(batch.pubkeys.length > 0, true, 'keys are made, only the deposit waits');
      // Rechecked on its durable timer, still nothing deposited.
      await env.sleep('25 minutes');
      assert.equal(chain.submitAttempts, 0);
      assert.ok(chain.fundingChecks.filter((c) => !c.ok).length >= 3, `rechecks: ${chain.fundingChecks.length}`);
      chain.nexusSsvWei = 10n ** 24n;
      const done = await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated > 0 && s.phase === 'idle',
        'the batch to go on once funded',
      );
      assert.equal(done.inFlight, undefined);
      await stop(handle);
    });
    assert.equal(chain.depositBatches.length, 1);
    assert.equal(chain.registrations.length, chain.depositBatches[0].length);
  });

  it('a cluster that would be liquidatable holds the batch; a resume signal to the batch checks again at once', async () => {
    chain.clusterLiquidatable = true;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const held = await waitForStatus(
        env,
        handle,
        (s) => s.inFlight?.phase === 'awaiting-funding',
        'the batch to hold',
      );
      assert.equal(held.inFlight?.funding?.reason, 'cluster-liquidatable');
      assert.match(
        held.inFlight?.funding?.message ?? '',
        /SSV cluster of owner 0xNexus with operators \[11,12,13,14\] is liquidatable now/,
      );
      assert.equal(chain.submitAttempts, 0);
      chain.clusterLiquidatable = false;
      const checks = chain.fundingChecks.length;
      await env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN))).signal(resumeSignal);
      await waitForStatus(env, handle, (s) => s.validatorsCreated > 0, 'the batch to go on after the resume');
      assert.equal(chain.fundingChecks.length, checks + 1, 'one more check, straight after the resume');
      await stop(handle);
    });
    assert.equal(chain.depositBatches.length, 1);
  });

  it('a liquidated cluster is reported as such, naming the cluster; nothing deposited', async () => {
    chain.clusterLiquidated = true;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const held = await waitForStatus(env, handle, (s) => s.inFlight?.funding !== undefined, 'the batch to hold');
      assert.equal(held.inFlight?.funding?.reason, 'cluster-liquidated');
      assert.match(held.inFlight?.funding?.message ?? '', /operators \[11,12,13,14\] is liquidated/);
      // A pause while it waits holds it at the same safe point (the monitor cannot go idle with a batch in flight).
      await env.client.workflow.getHandle(handle.workflowId).signal(pauseSignal, { reason: 'test over' });
      const paused = await waitForStatus(
        env,
        handle,
        (s) => s.inFlight?.hold?.state === 'held',
        'the batch to hold for the pause',
      );
      assert.equal(paused.inFlight?.hold?.step, 'before the deposit (keys made, nothing on chain)');
      await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
    });
    assert.equal(chain.submitAttempts, 0);
  });

  it('a deposit for the wrong network is refused for good: the batch fails with the message naming both values, nothing deposited', async () => {
    chain.signingNetworkMismatch =
      'refusing to sign deposits: keys.depositNetwork holesky signs deposits with fork version 0x01017000, but chain id 1 (mainnet) uses 0x00000000';
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const status = await waitForStatus(env, handle, (s) => s.lastError !== undefined, 'the failure');
      assert.match(
        status.lastError ?? '',
        /SigningNetworkMismatchError: refusing to sign deposits: .*0x01017000, but chain id 1 \(mainnet\) uses 0x00000000/,
      );
      assert.equal(
        (await env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN))).describe()).status.name,
        'FAILED',
      );
      await stop(handle);
    });
    assert.equal(chain.submitAttempts, 0);
    assert.equal(chain.fundingChecks.length, 0, 'the network is checked first');
  });
});
