// Time-skipping workflow tests of validator exits: the rollup monitor and its exit batches on a real
// worker, with activities replaced by an in-memory chain and a beacon chain on the test server's
// clock with mainnet timing (exit after ~5 epochs, withdrawable 256 epochs later, swept 100 epochs
// after that): about 38 hours per exit, skipped.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { monitorWorkflowId } from '../../workflows/ids';
import { exitStatusQuery, pauseSignal, resumeSignal, wakeSignal, type MonitorStatus } from '../../protocol/messages';
import { planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow, type RollupMonitorInput } from '../../workflows/rollup-monitor';
import { monitorStatus, stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: validator exits (time-skipping)', function () {
  this.timeout(300_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let chain: StubChain;
  let ADMIN: string;
  let testNumber = 0;

  beforeEach(function () {
    testNumber++;
    taskQueue = `exits-${testNumber}-${Date.now()}`;
    ADMIN = `0x${testNumber.toString(16).padStart(4, '0')}${'e'.repeat(36)}`;
    chain = new StubChain();
    chain.now = () => testEnv().currentTimeMs();
    // 3200 ETH in all, 20 validators staked: 20 % of the rollup's ETH.
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(2000),
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
  });

  function withWorker<T>(fn: (env: TestWorkflowEnvironment) => Promise<T>): Promise<T> {
    return withTestWorker(
      testEnv().address,
      {
        taskQueue,
        activities: stubActivities(chain, testEnv().client, taskQueue, `${taskQueue}-registrar`),
      },
      () => fn(testEnv()),
    );
  }

  async function startMonitor(
    env: TestWorkflowEnvironment,
    input: Partial<RollupMonitorInput> = {},
  ): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
    return env.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue,
      workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
      args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', pollInterval: '6 hours', ...input }],
    });
  }

  const status = monitorStatus;

  const waitFor = waitForMonitor;

  const stop = (env: TestWorkflowEnvironment, handle: WorkflowHandle) => stopMonitor(env, handle);

  const allDone = (n: number) => (s: MonitorStatus) => s.validatorsExited >= n && s.exitsInFlight.length === 0;

  it('lowering the limit exits exactly the validators the arithmetic requires, lowest index first, each broadcast, submitted and accounted once', async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1000;
    const expected = planExits({
      bridgeBalanceWei: 2560n * ETH,
      validatorCount: 20n,
      stakingLimitBps: asBasisPoints(1000),
      exiting: 0,
      maxBatch: 1000,
    }).toExit;
    assert.equal(expected, 10);
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const done = await waitFor(env, handle, allDone(expected), 'the exits to complete');
      assert.equal(done.validatorsExited, expected);
      assert.deepEqual(
        [...chain.exitBroadcasts].sort(),
        keys.slice(0, expected).sort(),
        'not the lowest-index validators, or not each once',
      );
      assert.deepEqual(
        chain.nexusExitCalls.flat().sort(),
        keys.slice(0, expected).sort(),
        'Nexus.validatorExit not once per validator',
      );
      assert.deepEqual(
        [...chain.transferredCalls].sort(),
        keys.slice(0, expected).sort(),
        'validatorExitBalanceTransferred not once per validator',
      );
      assert.equal(chain.rollup(ADMIN).validatorCount, 10n);
      // Durable timers sized to the exit and withdrawable epochs, not polling: ~38 h of waiting in few looks.
      assert.ok(chain.progressReads.length <= 30, `${chain.progressReads.length} beacon reads for one exit batch`);
      // No oscillation: nothing is created back, nothing more exits.
      await handle.signal(wakeSignal, { reason: 'test' });
      await env.sleep('3 hours');
      assert.equal(chain.depositBatches.length, 0, 'creation added validators back after the exits');
      assert.equal(chain.exitBroadcasts.length, expected);
      await stop(env, handle);
    });
  });

  it('pause during an exit: the begun broadcast is finished and Nexus told ("finishing"), then the batch holds; nothing is accounted until resumed', async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1000;
    const broadcast = chain.latch('broadcastMnemonicExits');
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      await broadcast.reached;
      await handle.signal(pauseSignal, { reason: 'incident review' });
      const finishing = await untilStatus(
        env,
        handle,
        (s) => s.exitsInFlight[0]?.hold?.state === 'finishing',
        'the batch to say it finishes',
      );
      assert.match(finishing.exitsInFlight[0]?.hold?.step ?? '', /cannot be taken back/);
      broadcast.release();
      const held = await untilStatus(
        env,
        handle,
        (s) => s.exitsInFlight[0]?.hold?.state === 'held',
        'the batch to hold',
      );
      assert.match(held.exitsInFlight[0]?.hold?.step ?? '', /before following/);
      assert.equal(chain.exitBroadcasts.length, 10);
      assert.deepEqual(
        chain.nexusExitCalls.flat().sort(),
        keys.slice(0, 10).sort(),
        'Nexus was not told of the broadcast exits',
      );
      const batch = await env.client.workflow.getHandle(held.exitsInFlight[0].workflowId).query(exitStatusQuery);
      assert.equal(batch.paused, true);
      assert.equal(batch.hold?.state, 'held');
      // Days pass: the validators exit and their ETH comes back, but a paused batch accounts nothing.
      await env.sleep('3 days');
      assert.deepEqual(chain.transferredCalls, []);
      assert.equal((await status(env, handle)).phase, 'paused');
      await handle.signal(resumeSignal);
      const done = await waitFor(env, handle, allDone(10), 'the exits to complete after resume');
      assert.equal(done.validatorsExited, 10);
      assert.deepEqual([...chain.transferredCalls].sort(), keys.slice(0, 10).sort());
      assert.equal(chain.exitBroadcasts.length, 10, 'a broadcast was repeated');
      await stop(env, handle);
    });
  });

  /** Polls in real time (no time skipped) until the monitor's status satisfies `done`. */
  async function untilStatus(
    env: TestWorkflowEnvironment,
    handle: WorkflowHandle,
    done: (s: MonitorStatus) => boolean,
    what: string,
  ): Promise<MonitorStatus> {
    for (let i = 0; i < 200; i++) {
      const s = await status(env, handle);
      if (done(s)) return s;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for: ${what}; last status ${JSON.stringify(await status(env, handle))}`);
  }

  it('dry run: the monitor shows the exits it would start and starts none', async () => {
    chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1000;
    chain.dryRun = true;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const planned = await waitFor(
        env,
        handle,
        (s) => s.lastPlan?.toExit !== undefined && s.lastPlan.toExit > 0,
        'an exit plan',
        '1 minute',
        10,
      );
      assert.match(planned.lastPlan?.reason ?? '', /^dry run, nothing sent: would exit 10 /);
      await env.sleep('1 day');
      assert.deepEqual(chain.exitBroadcasts, []);
      assert.deepEqual(chain.nexusExitCalls, []);
      assert.deepEqual((await status(env, handle)).exitsInFlight, []);
      await stop(env, handle);
    });
  });

  it('never over-exits: a validator already exiting on the beacon chain counts (and is adopted), a second limit change exits no more', async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    await chain.exitOutsideTheBot(keys[0]);
    chain.rollup(ADMIN).stakingLimitBps = 1000; // 10 must go: 1 is going already
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      await waitFor(env, handle, (s) => s.exitsInFlight.length > 0, 'an exit batch', '1 minute', 60);
      // A second change during the exit (needs 8 gone: fewer than in flight), and a restart-like wake.
      chain.rollup(ADMIN).stakingLimitBps = 1200;
      await handle.signal(wakeSignal, { reason: 'StakingLimitChanged' });
      await env.sleep('2 hours');
      chain.rollup(ADMIN).stakingLimitBps = 1000;
      await handle.signal(wakeSignal, { reason: 'StakingLimitChanged' });
      await waitFor(env, handle, allDone(10), 'the exits to complete');
      assert.equal(chain.exitBroadcasts.length, 9, 'the bot broadcast more than the 9 missing exits');
      assert.ok(!chain.exitBroadcasts.includes(keys[0]), 'the validator exiting already was broadcast again');
      assert.deepEqual(chain.exitBroadcasts.sort(), keys.slice(1, 10).sort());
      // The outside exit was adopted: Nexus knows it and accounted it once its ETH was back.
      assert.ok(chain.nexusExitCalls.flat().includes(keys[0]));
      assert.equal(chain.transferredCalls.length, 10);
      assert.equal(new Set(chain.transferredCalls).size, 10);
      await stop(env, handle);
    });
  });

  // Creation while exits are in flight (a limit raised, ETH received during an exit) is tested in
  // test/workflows/create-during-exits.test.ts.

  it('a beacon node down for hours delays the exits and loses nothing', async () => {
    chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1500; // 5 must go
    chain.beaconDown = true;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      await env.sleep('3 hours');
      assert.ok(chain.beaconDownCalls > 0, 'the beacon node was not tried');
      assert.equal(chain.exitBroadcasts.length, 0);
      chain.beaconDown = false;
      await waitFor(env, handle, (s) => s.exitsInFlight.length > 0, 'an exit batch once the node is back');
      // Down again while the batch follows its validators.
      chain.beaconDown = true;
      await env.sleep('12 hours');
      chain.beaconDown = false;
      await waitFor(env, handle, allDone(5), 'the exits to complete');
      assert.equal(chain.exitBroadcasts.length, 5);
      assert.equal(chain.transferredCalls.length, 5);
      await stop(env, handle);
    });
  });

  it('DKG keys: the exit goes through Nexus (SSV operators broadcast), the bot broadcasts nothing itself', async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1500;
    await withWorker(async (env) => {
      const handle = await startMonitor(env, { keyPath: 'dkg' });
      await waitFor(env, handle, allDone(5), 'the exits to complete');
      assert.equal(chain.exitBroadcasts.length, 0);
      assert.deepEqual(chain.nexusExitCalls.flat().sort(), keys.slice(0, 5).sort());
      assert.deepEqual([...chain.transferredCalls].sort(), keys.slice(0, 5).sort());
      await stop(env, handle);
    });
  });
  // The monitor continuing as new while a batch is in flight is tested on the dev server
  // (test/integration/exits-mnemonic.test.ts): the Java test server leaks its time-skipping lock
  // when a child outlives its parent's run.

  it('an exit batch terminated by an operator mid-way: the monitor follows its validators with a new batch, no broadcast or Nexus call repeated, each accounted once', async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1000;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const inFlight = await waitFor(
        env,
        handle,
        (s) => s.exitsInFlight.length === 1 && chain.nexusExitCalls.length > 0,
        'Nexus told of the first batch',
        '10 minutes',
        30,
      );
      const first = inFlight.exitsInFlight[0].workflowId;
      await env.sleep('2 hours'); // the batch sleeps on its timer
      await env.client.workflow.getHandle(first).terminate('operator: terminated by mistake');
      await handle.signal(wakeSignal, { reason: 'test' });
      const done = await waitFor(env, handle, allDone(10), 'the exits to complete through a new batch');
      assert.equal(done.validatorsExited, 10);
      assert.equal(chain.exitBroadcasts.length, 10, 'a broadcast was repeated');
      assert.deepEqual(
        chain.nexusExitCalls.flat().sort(),
        keys.slice(0, 10).sort(),
        'Nexus.validatorExit repeated or missing',
      );
      assert.deepEqual([...chain.transferredCalls].sort(), keys.slice(0, 10).sort(), 'not accounted exactly once each');
      assert.equal(chain.rollup(ADMIN).validatorCount, 10n);
      await stop(env, handle);
    });
  });

  // Last in the file: its exit batches fail (every exit rejected) while the monitor retries, which
  // at times leaves the Java test server's time-skipping lock held for the tests that follow.
  it("a rejected exit: that validator is not submitted to Nexus, the monitor shows the node's message, nothing else is exited instead", async () => {
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1800; // 2 must go
    chain.rejectExitsOf.add(keys[0]);
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitFor(
        env,
        handle,
        (st) => st.validatorsExited >= 1 && /rejected/.test(st.lastError ?? ''),
        'one exit done and the rejection shown',
      );
      assert.match(s.lastError ?? '', /VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE/);
      assert.ok(!chain.nexusExitCalls.flat().includes(keys[0]), 'Nexus was told about a rejected exit');
      assert.ok(!chain.transferredCalls.includes(keys[0]));
      await env.sleep('6 hours');
      // The monitor tries the rejected validator again (it is still the first candidate), never another one.
      assert.deepEqual([...new Set(chain.exitBroadcasts)], [keys[1]]);
      await stop(env, handle);
    });
  });
});
