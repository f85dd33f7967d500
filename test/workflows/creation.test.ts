// Time-skipping workflow tests of validator creation: the rollup monitor, the creation child and
// the SSV registrar on a real worker, with activities replaced by an in-memory chain.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { IndexStateMissingError } from '../../activities/keys/errors';
import { KeyPathAttribute, RollupAdminAttribute } from '../../temporal-config/search-attributes';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  creationStatusQuery,
  monitorStatusQuery,
  pauseSignal,
  resumeSignal,
  setPollIntervalUpdate,
  syncNowUpdate,
  wakeSignal,
  type MonitorStatus,
} from '../../protocol/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow, type RollupMonitorInput } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: validator creation (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let registrarWorkflowId: string;
  let chain: StubChain;
  let ADMIN_A: string;
  let ADMIN_B: string;
  let testNumber = 0;
  const started: string[] = [];

  beforeEach(function () {
    testNumber++;
    taskQueue = `creation-${testNumber}-${Date.now()}`;
    registrarWorkflowId = `${taskQueue}-registrar`;
    // Fresh rollups per test: creation workflow ids are fixed per rollup admin.
    ADMIN_A = `0x${testNumber.toString(16).padStart(4, '0')}${'a'.repeat(36)}`;
    ADMIN_B = `0x${testNumber.toString(16).padStart(4, '0')}${'b'.repeat(36)}`;
    chain = new StubChain();
  });

  // Every workflow a test started is ended, or (with no worker left polling its task queue) it
  // would hold the test server's time skipping for the next tests.
  afterEach(async () => {
    const ids = [
      ...started.splice(0),
      creationWorkflowId(asRollupAdmin(ADMIN_A)),
      creationWorkflowId(asRollupAdmin(ADMIN_B)),
      registrarWorkflowId,
    ];
    await Promise.all(
      ids.map((id) =>
        testEnv()
          .client.workflow.getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
  });

  function withWorker<T>(fn: (env: TestWorkflowEnvironment) => Promise<T>): Promise<T> {
    return withTestWorker(
      testEnv().address,
      {
        taskQueue,
        activities: stubActivities(chain, testEnv().client, taskQueue, registrarWorkflowId),
      },
      () => fn(testEnv()),
    );
  }

  async function startMonitor(
    env: TestWorkflowEnvironment,
    input: RollupMonitorInput,
  ): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
    const workflowId = `${monitorWorkflowId(input.rollupAdmin)}-${taskQueue}`;
    started.push(workflowId);
    return env.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue,
      workflowId,
      args: [{ pollInterval: '1 minute', ...input }],
    });
  }

  const waitForStatus = (
    env: TestWorkflowEnvironment,
    handle: WorkflowHandle,
    done: (s: MonitorStatus) => boolean,
    what: string,
  ) => waitForMonitor(env, handle, done, what, '20 seconds', 60);

  const stop = (handle: WorkflowHandle) => stopMonitor(testEnv(), handle, '20 seconds', 60);

  it('creates exactly the validators the bridge allows and registers them in nonce order (mnemonic)', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(2000),
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    const expected = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 3200n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(2000),
      }),
    );
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic', maxBatch: 4 });
      const status = await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated === expected && s.phase === 'idle',
        `${expected} validators`,
      );
      assert.equal(status.lastPlan?.toCreate, 0);
      assert.ok(
        chain.depositBatches.every((b) => b.length <= 4),
        'a batch exceeded maxBatch',
      );
      // A batch is found by its rollup like the monitor (a child does not inherit search attributes).
      const batch = await env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN_A))).describe();
      assert.equal(batch.typedSearchAttributes.get(RollupAdminAttribute), ADMIN_A.toLowerCase());
      assert.equal(batch.typedSearchAttributes.get(KeyPathAttribute), 'mnemonic');
      await stop(handle);
    });
    assert.equal(chain.rollup(ADMIN_A).validatorCount, BigInt(expected));
    assert.equal(
      maxDepositsWithinLimit({
        bridgeBalanceWei: chain.rollup(ADMIN_A).balanceWei,
        validatorCount: chain.rollup(ADMIN_A).validatorCount,
        stakingLimitBps: asBasisPoints(2000),
      }),
      0n,
    );
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: expected }, (_, i) => i),
    );
    // Key indices 0..n-1, each used once.
    assert.deepEqual(
      [...chain.allocations.values()].flat().sort((a, b) => a - b),
      Array.from({ length: expected }, (_, i) => i),
    );
  });

  it('serialises SSV registrations of a DKG and a mnemonic rollup: owner nonces contiguous, ceremonies on their reserved nonces', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(5000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.addRollup(ADMIN_B, {
      bridge: '0xb2',
      stakingLimitBps: asBasisPoints(5000),
      operatorCluster: 2,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    const each = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 640n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(5000),
      }),
    );
    await withWorker(async (env) => {
      const a = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'dkg', maxBatch: 3 });
      const b = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_B), keyPath: 'mnemonic', maxBatch: 2 });
      await waitForStatus(env, a, (s) => s.validatorsCreated === each, 'rollup A done');
      await waitForStatus(env, b, (s) => s.validatorsCreated === each, 'rollup B done');
      await Promise.all([stop(a), stop(b)]);
    });
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: 2 * each }, (_, i) => i),
    );
    assert.equal(new Set(chain.registrations.map((r) => r.pubkey)).size, 2 * each, 'a key was registered twice');
    assert.ok(
      chain.registrations.some((r) => r.rollupAdmin === ADMIN_A) &&
        chain.registrations.some((r) => r.rollupAdmin === ADMIN_B),
    );
  });

  it('registers deposited mnemonic keys again when their keyshares failed the first time', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 1280n * ETH,
      validatorCount: 0n,
    });
    const expected = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 1280n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(1000),
      }),
    );
    chain.failNextRegistration = true;
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      const status = await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated === expected && s.unregisteredKeys === 0 && s.phase === 'idle',
        'all keys registered',
      );
      assert.equal(status.lastError, undefined);
      await stop(handle);
    });
    assert.equal(chain.registrationFailures, 1);
    assert.equal(new Set(chain.registrations.map((r) => r.pubkey)).size, expected);
    assert.ok([...chain.statuses.values()].every((s) => s === 'SHARE_DEPOSITED'));
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: expected }, (_, i) => i),
    );
  });

  it('retries a failed activity and deposits the batch exactly once', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.failSubmitDeposits = (attempt) => (attempt === 1 ? new Error('RPC node down (simulated)') : undefined);
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      await waitForStatus(env, handle, (s) => s.validatorsCreated > 0, 'a deposit');
      await stop(handle);
    });
    assert.equal(chain.submitAttempts, 2);
    assert.equal(chain.depositBatches.length, 1);
  });

  it('surfaces a non-retryable revert as a failed creation with a readable reason, and deposits nothing', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.failSubmitDeposits = () =>
      ApplicationFailure.nonRetryable('StakingLimitExceeding()', 'Revert:StakingLimitExceeding');
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      const status = await waitForStatus(env, handle, (s) => s.lastError !== undefined, 'the failure');
      assert.match(status.lastError ?? '', /Revert:StakingLimitExceeding: StakingLimitExceeding\(\)/);
      const child = env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN_A)));
      const described = await child.describe();
      assert.equal(described.status.name, 'FAILED');
      await stop(handle);
    });
    assert.equal(chain.submitAttempts, 1, 'a non-retryable failure was retried');
    assert.equal(chain.depositBatches.length, 0);
  });

  it('a lost index state (IndexStateMissingError) fails the creation at allocation, unretried, before any key is made; status names the rebuild', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    // The activity's own error class: Temporal turns its name into the failure type.
    chain.failAllocation = () =>
      new IndexStateMissingError(
        `the key index state of rollup ${ADMIN_A} is missing ... run \`nexus-bot mnemonic rebuild ${ADMIN_A}\``,
      );
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      const status = await waitForStatus(env, handle, (s) => s.lastError !== undefined, 'the failure');
      assert.match(status.lastError ?? '', /IndexStateMissingError: .*nexus-bot mnemonic rebuild/);
      assert.equal(
        (await env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN_A))).describe()).status.name,
        'FAILED',
      );
      await stop(handle);
    });
    assert.equal(chain.allocationAttempts, 1, 'a non-retryable failure was retried');
    assert.equal(chain.preparedBatches, 0, 'key material was made');
    assert.equal(chain.depositBatches.length, 0);
  });

  it('a paused monitor starts nothing, even when woken; resume continues', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    await withWorker(async (env) => {
      const handle = await startMonitor(env, {
        rollupAdmin: asRollupAdmin(ADMIN_A),
        keyPath: 'mnemonic',
        carried: { paused: true, pauseReason: 'maintenance', validatorsCreated: 0, unregistered: [] },
      });
      await handle.signal(wakeSignal, { reason: 'test' });
      await env.sleep('10 minutes');
      const paused = await handle.query(monitorStatusQuery);
      assert.equal(paused.paused, true);
      assert.equal(paused.pauseReason, 'maintenance');
      assert.equal(paused.phase, 'paused');
      assert.equal(chain.depositBatches.length, 0);
      await handle.signal(resumeSignal);
      await waitForStatus(env, handle, (s) => s.validatorsCreated > 0, 'creation after resume');
      await stop(handle);
    });
  });

  it('continues as new with its state kept (paused flag, counters)', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    await withWorker(async (env) => {
      const handle = await startMonitor(env, {
        rollupAdmin: asRollupAdmin(ADMIN_A),
        keyPath: 'mnemonic',
        continueAsNewAfterLoops: 2,
      });
      const first = await handle.describe();
      await waitForStatus(env, handle, (s) => s.validatorsCreated > 0, 'a creation');
      await handle.signal(pauseSignal, { reason: 'kept across runs' });
      await env.sleep('10 minutes');
      const later = await env.client.workflow.getHandle(handle.workflowId).describe();
      assert.notEqual(later.runId, first.runId, 'the monitor did not continue as new');
      const status = await env.client.workflow.getHandle(handle.workflowId).query(monitorStatusQuery);
      assert.equal(status.paused, true);
      assert.equal(status.pauseReason, 'kept across runs');
      assert.equal(status.validatorsCreated, Number(chain.rollup(ADMIN_A).validatorCount));
      await stop(handle);
    });
  });

  /** Polls (real time: no time is skipped) until the monitor's status satisfies `done`. */
  async function untilStatus(
    handle: WorkflowHandle,
    done: (s: MonitorStatus) => boolean,
    what: string,
  ): Promise<MonitorStatus> {
    for (let i = 0; i < 200; i++) {
      const s = await testEnv().client.workflow.getHandle(handle.workflowId).query(monitorStatusQuery);
      if (done(s)) return s;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `timed out waiting for: ${what}; last status ${JSON.stringify(await testEnv().client.workflow.getHandle(handle.workflowId).query(monitorStatusQuery))}`,
    );
  }

  it('pause during a mnemonic creation: the batch runs its key material to the end, holds before the deposit, deposits nothing until resumed', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    const keyMaterial = chain.latch('prepareMnemonicValidators');
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      await keyMaterial.reached;
      await handle.signal(pauseSignal, { reason: 'key ceremony audit' });
      const stopping = await untilStatus(
        handle,
        (s) => s.inFlight?.hold?.state === 'stopping',
        'the batch to say it runs on to a safe point',
      );
      assert.match(stopping.inFlight?.hold?.step ?? '', /key-material/);
      keyMaterial.release();
      const held = await untilStatus(handle, (s) => s.inFlight?.hold?.state === 'held', 'the batch to hold');
      assert.match(held.inFlight?.hold?.step ?? '', /before the deposit/);
      assert.equal(held.paused, true);
      const creation = await env.client.workflow
        .getHandle(creationWorkflowId(asRollupAdmin(ADMIN_A)))
        .query(creationStatusQuery);
      assert.equal(creation.paused, true);
      assert.equal(creation.pauseReason, 'rollup paused: key ceremony audit');
      assert.equal(creation.pubkeys.length, held.inFlight?.count);
      await env.sleep('2 hours');
      assert.equal(chain.depositBatches.length, 0, 'a paused batch deposited');
      await handle.signal(resumeSignal);
      const done = await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated > 0 && s.phase === 'idle',
        'the deposit after resume',
      );
      assert.equal(done.inFlight, undefined);
      assert.equal(chain.depositBatches.length, 1);
      await stop(handle);
    });
  });

  it('pause during a DKG ceremony: the ceremony is deposited and registered (its nonces block every rollup), status says "finishing", no next batch until resumed', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(5000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    const total = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 640n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(5000),
      }),
    );
    const ceremony = chain.latch('runDkgCeremony');
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'dkg', maxBatch: 2 });
      await ceremony.reached;
      await handle.signal(pauseSignal, { reason: 'operator change' });
      const finishing = await untilStatus(
        handle,
        (s) => s.inFlight?.hold?.state === 'finishing',
        'the batch to say it finishes',
      );
      assert.match(finishing.inFlight?.hold?.step ?? '', /nonces/);
      ceremony.release();
      const first = await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated === 2 && s.inFlight === undefined,
        'the begun batch to finish',
      );
      assert.equal(first.paused, true);
      assert.equal(first.phase, 'paused');
      await env.sleep('2 hours');
      assert.equal(chain.depositBatches.length, 1, 'a next batch started while paused');
      assert.deepEqual(
        chain.registrations.map((r) => r.nonce),
        [0, 1],
        'the begun batch was not registered',
      );
      await handle.signal(resumeSignal);
      await waitForStatus(
        env,
        handle,
        (s) => s.validatorsCreated === total && s.phase === 'idle',
        'the rest after resume',
      );
      await stop(handle);
    });
  });

  it('setPollInterval: bad input is refused before any state changes; a good one answers old and new and is in force', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(0),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    await withWorker(async (env) => {
      const handle = await startMonitor(env, {
        rollupAdmin: asRollupAdmin(ADMIN_A),
        keyPath: 'mnemonic',
        pollInterval: '1 hour',
      });
      await waitForStatus(env, handle, (s) => s.phase === 'idle', 'idle');
      for (const [bad, why] of [
        [{ interval: 'soon' }, /interval "soon": not a duration/],
        [{ interval: '10ms' }, /interval "10ms": expected between 1 second and 1 day/],
        [{ interval: '2 days' }, /expected between 1 second and 1 day/],
        [{}, /interval: expected a duration/],
      ] as const) {
        const before = await handle.query(monitorStatusQuery);
        await assert.rejects(
          handle.executeUpdate(setPollIntervalUpdate, { args: [bad as { interval: string }] }),
          (err: Error) => {
            assert.ok(err instanceof WorkflowUpdateFailedError, `${err.name}: ${err.message}`);
            assert.match(String((err.cause as Error)?.message), why);
            return true;
          },
        );
        // Refused by the validator: the interval is unchanged and the monitor was not woken (no new look).
        await env.sleep('5 seconds');
        const after = await handle.query(monitorStatusQuery);
        assert.equal(after.pollInterval, '1 hour');
        assert.equal(after.lastPlan?.at, before.lastPlan?.at, 'a refused update woke the monitor');
      }
      assert.deepEqual(await handle.executeUpdate(setPollIntervalUpdate, { args: [{ interval: '10 minutes' }] }), {
        previous: '1 hour',
        current: '10 minutes',
      });
      assert.equal((await handle.query(monitorStatusQuery)).pollInterval, '10 minutes');
      await stop(handle);
    });
  });

  it('syncNow answers with the plan of a fresh look; refused while paused', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(0),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    await withWorker(async (env) => {
      const handle = await startMonitor(env, {
        rollupAdmin: asRollupAdmin(ADMIN_A),
        keyPath: 'mnemonic',
        pollInterval: '6 hours',
      });
      await waitForStatus(env, handle, (s) => s.phase === 'idle', 'idle');
      const first = await handle.query(monitorStatusQuery);
      chain.rollup(ADMIN_A).stakingLimitBps = 500; // the monitor would only see this in 6 hours
      const synced = await handle.executeUpdate(syncNowUpdate);
      assert.equal(synced.looked, true);
      assert.notEqual(synced.lastPlan?.at, undefined);
      assert.ok(
        (synced.lastPlan?.toCreate ?? 0) > 0,
        `the fresh look did not see the new limit: ${JSON.stringify(synced)} (before: ${JSON.stringify(first.lastPlan)})`,
      );
      await waitForStatus(env, handle, (s) => s.validatorsCreated > 0 && s.phase === 'idle', 'the creation');
      await handle.signal(pauseSignal, { reason: 'maintenance' });
      await waitForStatus(env, handle, (s) => s.phase === 'paused', 'paused');
      await assert.rejects(handle.executeUpdate(syncNowUpdate), (err: Error) => {
        assert.match(String((err.cause as Error)?.message), /the rollup is paused \(maintenance\): resume it first/);
        return true;
      });
      await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
    });
  });

  it('dry run: the monitor plans and shows what it would create, and starts no batch', async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.dryRun = true;
    const expected = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 640n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(1000),
      }),
    );
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'mnemonic' });
      const planned = await waitForStatus(env, handle, (s) => s.lastPlan !== undefined && s.phase === 'idle', 'a plan');
      assert.equal(planned.dryRun, true);
      assert.equal(planned.lastPlan?.toCreate, expected);
      assert.match(planned.lastPlan?.reason ?? '', new RegExp(`^dry run, nothing sent: would create ${expected} `));
      await env.sleep('1 hour');
      assert.equal(chain.depositBatches.length, 0, 'a dry run deposited');
      assert.equal(chain.allocations.size, 0, 'a dry run allocated key indices');
      assert.equal(planned.inFlight, undefined);
      await stop(handle);
    });
  });

  it("a DKG creation terminated while it holds a nonce reservation does not block other rollups' registrations", async () => {
    chain.addRollup(ADMIN_A, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.addRollup(ADMIN_B, {
      bridge: '0xb2',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 2,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    chain.dkgOperatorsDown = true;
    await withWorker(async (env) => {
      await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_A), keyPath: 'dkg' });
      // Wait until A's creation holds the reservation (its ceremony keeps failing), then kill it.
      const creation = env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN_A)));
      for (
        let i = 0;
        i < 60 &&
        !(await creation
          .describe()
          .then((d) => d.status.name === 'RUNNING')
          .catch(() => false));
        i++
      )
        await env.sleep('5 seconds');
      await env.sleep('5 seconds');
      await creation.terminate('operator terminated the ceremony');
      const b = await startMonitor(env, { rollupAdmin: asRollupAdmin(ADMIN_B), keyPath: 'mnemonic' });
      await waitForStatus(
        env,
        b,
        (s) => s.validatorsCreated > 0,
        'rollup B registered after the reservation was given up',
      );
      // B went first, although A's monitor started another creation (and reservation) meanwhile.
      assert.equal(chain.registrations[0]?.rollupAdmin, ADMIN_B);
      // A stays in its (failing) ceremony; afterEach terminates it. Last test of the file: a
      // workflow terminated mid-flight can hold the test server's time skipping afterwards.
      await stop(b);
    });
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      chain.registrations.map((_, i) => i),
    );
  });
});
