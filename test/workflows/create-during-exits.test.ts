// Creation beside exits in flight (issue 15), time-skipping: the rollup monitor and its batches on a
// real worker, activities replaced by the in-memory chain and a beacon chain with mainnet timing
// (an exit takes about 38 hours, skipped). A rollup whose exit batch is in flight raises its limit,
// then receives ETH: each time the monitor creates at once, with the exiting validators counted as
// gone and their ETH not yet back, exits nothing it created, and plans again when the ETH is back.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { monitorWorkflowId } from '../../workflows/ids';
import { exitStatusQuery, wakeSignal, type MonitorStatus } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { monitorStatus, stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { workflowBundle } from '../harness/workflow-bundle';
import { StubChain, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: creation beside exits in flight (time-skipping)', function () {
  this.timeout(300_000);
  const testEnv = useTimeSkippingEnv();
  const taskQueue = `beside-exits-${Date.now()}`;
  const ADMIN = `0x0015${'e'.repeat(36)}`;

  it('a limit raised, then ETH received, during an exit: creation starts without waiting for the exit, exits nothing it created, and adds the rest once the ETH is back', async () => {
    const env = testEnv();
    const chain = new StubChain();
    chain.now = () => env.currentTimeMs();
    // 20 validators of 3200 ETH (20 %), limit 10 %: 10 must exit. Created keys become active on
    // the beacon chain at once, so they are exit candidates like any other.
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 1000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.activateRegistered = true;
    await withTestWorker(
      env.address,
      { taskQueue, activities: stubActivities(chain, env.client, taskQueue, `${taskQueue}-registrar`) },
      async () => {
        const handle = await env.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue,
          workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
          args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', pollInterval: '6 hours' }],
        });
        const waitFor = (done: (s: MonitorStatus) => boolean, what: string, step = '10 minutes', steps = 30) =>
          waitForMonitor(env, handle, done, what, step, steps);
        const exiting = await waitFor(
          (s) => s.exitsInFlight.length === 1 && chain.nexusExitCalls.flat().length === 10,
          'Nexus told of the exit batch',
        );
        const exitBatch = exiting.exitsInFlight[0].workflowId;
        const exitStarted = await env.currentTimeMs();

        // The limit is raised to 30 %. Counted as gone with their ETH not back, the 10 exiting leave 10
        // staying of 2880 ETH; the bridge, which still counts them, allows 14 more (34 in all).
        // Counted as staying, only 10 would fit.
        chain.rollup(ADMIN).stakingLimitBps = 3000;
        await handle.signal(wakeSignal, { reason: 'StakingLimitChanged' });
        const first = await waitFor((s) => s.validatorsCreated > 0 && s.phase === 'idle', 'a creation beside the exit');
        assert.deepEqual(
          chain.depositBatches.map((b) => b.length),
          [14],
          'not 14 created with the exiting counted as gone',
        );
        await assertExitStillRunning(env, exitBatch, chain.transferredCalls, 'the limit raise');
        assert.match(
          first.lastPlan?.reason ?? '',
          /within the staking limit of 3000 bps/,
          'the look after the creation plans no exit',
        );
        assert.equal(first.lastPlan?.toExit, 0);

        // 1600 ETH arrive (4480 ETH seen: 24 staying, 15 more fit under the bridge's check).
        chain.rollup(ADMIN).balanceWei += 1600n * ETH;
        await handle.signal(wakeSignal, { reason: 'balance changed' });
        const second = await waitFor(
          (s) => s.validatorsCreated > 14 && s.phase === 'idle',
          'a creation for the ETH received',
        );
        assert.deepEqual(
          chain.depositBatches.map((b) => b.length),
          [14, 15],
        );
        await assertExitStillRunning(env, exitBatch, chain.transferredCalls, 'the ETH received');
        assert.equal(second.lastPlan?.toExit, 0);
        assert.deepEqual(
          second.exitsInFlight.map((e) => e.workflowId),
          [exitBatch],
          'an exit batch started beside the creations',
        );
        // Both creations came within minutes of the exit's start, not after its ~38 hours.
        assert.ok((await env.currentTimeMs()) - exitStarted < 6 * 3600_000, 'the creations waited for the exit');

        // The exit completes, its ETH back and accounted: the monitor plans again, 6 more (45 of 4800 ETH = 30 %).
        const done = await waitFor(
          (s) => s.exitsInFlight.length === 0 && s.validatorsCreated === 35 && s.phase === 'idle',
          'the exit done and the rest created',
          '3 hours',
          40,
        );
        assert.equal(done.validatorsExited, 10);
        assert.deepEqual(
          chain.depositBatches.map((b) => b.length),
          [14, 15, 6],
        );
        assert.equal(chain.rollup(ADMIN).validatorCount, 45n);
        assert.equal(chain.rollup(ADMIN).balanceWei, (4800n - 45n * 32n) * ETH);

        // Only the 10 chosen at the start ever exited; nothing created was exited, then or later.
        await handle.signal(wakeSignal, { reason: 'test' });
        await env.sleep('1 day');
        const created = new Set(chain.depositBatches.flat());
        assert.deepEqual([...chain.exitBroadcasts].sort(), keys.slice(0, 10).sort());
        assert.deepEqual(chain.nexusExitCalls.flat().sort(), keys.slice(0, 10).sort());
        assert.ok(
          ![...chain.exitBroadcasts, ...chain.nexusExitCalls.flat()].some((k) => created.has(k)),
          'a validator it created was exited',
        );
        const last = await monitorStatus(env, handle);
        assert.deepEqual(last.exitsInFlight, []);
        assert.equal(last.lastPlan?.toExit, 0);
        assert.equal(chain.depositBatches.length, 3);
        // The new path is recorded behind its patch marker and replays on the same code.
        const history = await handle.fetchHistory();
        assert.ok(
          (history.events ?? []).some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch'),
          'no patch marker in the history',
        );
        await Worker.runReplayHistory(
          { workflowBundle: await workflowBundle(), replayName: 'create-during-exits' },
          history,
        );
        await stopMonitor(env, handle);
      },
    );
  });

  it('a limit raised while the exit is still being broadcast (Nexus not told): those validators count as staying, the creation is the smaller one, and the rest comes once the ETH is back', async () => {
    const env = testEnv();
    const chain = new StubChain();
    chain.now = () => env.currentTimeMs();
    const admin = `0x0016${'e'.repeat(36)}`;
    chain.addRollup(admin, {
      bridge: '0xb1',
      stakingLimitBps: 1000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    const keys = chain.addActiveValidators(admin, 20);
    chain.activateRegistered = true;
    const broadcast = chain.latch('broadcastMnemonicExits');
    const queue = `${taskQueue}-broadcasting`;
    await withTestWorker(
      env.address,
      { taskQueue: queue, activities: stubActivities(chain, env.client, queue, `${queue}-registrar`) },
      async () => {
        const handle = await env.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue: queue,
          workflowId: `${monitorWorkflowId(asRollupAdmin(admin))}-${queue}`,
          args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '6 hours' }],
        });
        await broadcast.reached;
        // The batch holds in its broadcast (real time passes, none skipped: its activity does not heartbeat).
        chain.rollup(admin).stakingLimitBps = 3000;
        await handle.signal(wakeSignal, { reason: 'StakingLimitChanged' });
        // Counting the 10 as gone would allow 14; not yet irrevocable, they stay: 10 of 3200 ETH.
        try {
          const first = await inRealTime(
            env,
            handle,
            (s) => s.validatorsCreated > 0 && s.phase === 'idle',
            'a creation beside the broadcasting exit',
          );
          assert.deepEqual(
            chain.depositBatches.map((b) => b.length),
            [10],
            'validators not yet submitted to Nexus were counted as gone',
          );
          assert.deepEqual(chain.nexusExitCalls, [], 'Nexus was told before the creation');
          assert.equal(first.exitsInFlight.length, 1);
        } finally {
          broadcast.release(); // else a failed assertion leaves the worker unable to shut down
        }
        // Told, the 10 count as gone; the bridge (30 counted) allows no more until they are accounted.
        const done = await waitForMonitor(
          env,
          handle,
          (s) => s.exitsInFlight.length === 0 && s.validatorsCreated === 20 && s.phase === 'idle',
          'the exit done and the rest created',
          '3 hours',
          40,
        );
        assert.equal(done.validatorsExited, 10);
        assert.deepEqual(
          chain.depositBatches.map((b) => b.length),
          [10, 10],
        );
        assert.equal(chain.rollup(admin).validatorCount, 30n);
        assert.deepEqual(chain.nexusExitCalls.flat().sort(), keys.slice(0, 10).sort());
        const created = new Set(chain.depositBatches.flat());
        assert.ok(!chain.nexusExitCalls.flat().some((k) => created.has(k)), 'a validator it created was exited');
        await stopMonitor(env, handle);
      },
    );
  });

  /** Polls in real time (no time skipped) until the monitor's status satisfies `done`. */
  async function inRealTime(
    env: TestWorkflowEnvironment,
    handle: WorkflowHandle,
    done: (s: MonitorStatus) => boolean,
    what: string,
  ): Promise<MonitorStatus> {
    for (let i = 0; i < 600; i++) {
      const s = await monitorStatus(env, handle);
      if (done(s)) return s;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for: ${what}; last status ${JSON.stringify(await monitorStatus(env, handle))}`);
  }

  /** The exit batch is still running and following its validators: nothing of it accounted yet. */
  async function assertExitStillRunning(
    env: TestWorkflowEnvironment,
    exitBatch: string,
    accounted: string[],
    after: string,
  ): Promise<void> {
    const batch = env.client.workflow.getHandle(exitBatch);
    assert.equal(
      (await batch.describe()).status.name,
      'RUNNING',
      `the exit batch ended before the creation for ${after}`,
    );
    assert.equal((await batch.query(exitStatusQuery)).phase, 'following');
    assert.deepEqual(accounted, [], `an exit was accounted before the creation for ${after}`);
  }
});
