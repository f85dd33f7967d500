// Time-skipping workflow tests of exits by Nexus version: v2024-03 cannot exit DKG validators (its
// validatorExit tells SSV nothing), so the monitor refuses to plan them and says so; v2024-06
// exits one key per Nexus call. Activities are the stub chain's (stub-activities.ts).
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DKG_EXIT_BLOCKED_CODE, DKG_EXIT_BLOCKED_REASON } from '../../workflows/exit-choice';
import { monitorWorkflowId } from '../../workflows/ids';
import { rollupMonitorWorkflow, type RollupMonitorInput } from '../../workflows/rollup-monitor';
import { monitorStatus, stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: exits by Nexus version (time-skipping)', function () {
  this.timeout(300_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let chain: StubChain;
  let ADMIN: string;
  let testNumber = 0;

  beforeEach(function () {
    testNumber++;
    taskQueue = `exits-version-${testNumber}-${Date.now()}`;
    ADMIN = `0x${testNumber.toString(16).padStart(4, '0')}${'d'.repeat(36)}`;
    chain = new StubChain();
    chain.now = () => testEnv().currentTimeMs();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 2000,
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

  const startMonitor = (env: TestWorkflowEnvironment, input: Partial<RollupMonitorInput> = {}) =>
    env.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue,
      workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
      args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'dkg', pollInterval: '6 hours', ...input }],
    });
  const status = monitorStatus;

  const waitFor = waitForMonitor;

  const stop = (env: TestWorkflowEnvironment, handle: WorkflowHandle) => stopMonitor(env, handle);

  it('v2024-03: a DKG exit is refused at planning: status exitBlocked with the reason and count, a metric report, no batch, no Nexus call', async () => {
    chain.nexusVersion = 'v2024-03';
    chain.addActiveValidators(ADMIN, 20); // DKG keys: no recorded key index
    chain.rollup(ADMIN).stakingLimitBps = 1500; // 5 exits needed
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitFor(
        env,
        handle,
        (x) => x.exitBlocked !== undefined,
        'the exits to be reported blocked',
        '10 minutes',
        20,
      );
      assert.deepEqual(s.exitBlocked, { reason: DKG_EXIT_BLOCKED_REASON, code: DKG_EXIT_BLOCKED_CODE, count: 5 });
      assert.match(s.lastError ?? '', /5 refused: Nexus v2024-03 cannot exit DKG validators/);
      // Hours later: still nothing started, nothing waits on a batch.
      await env.sleep('13 hours');
      const later = await status(env, handle);
      assert.deepEqual(later.exitsInFlight, []);
      assert.equal(later.phase, 'idle');
      assert.deepEqual(chain.nexusExitCalls, []);
      assert.deepEqual(chain.exitBroadcasts, []);
      assert.deepEqual(chain.exitsBlockedReports[0], { code: DKG_EXIT_BLOCKED_CODE, count: 5 });
      assert.equal(
        chain.exitsBlockedReports.length,
        1,
        'the metric is reported when the count changes, not at every poll',
      );
      // The limit goes back up: the block clears, and the gauge with it.
      chain.rollup(ADMIN).stakingLimitBps = 2000;
      await env.sleep('7 hours');
      assert.equal((await status(env, handle)).exitBlocked, undefined);
      assert.deepEqual(chain.exitsBlockedReports.at(-1), { code: DKG_EXIT_BLOCKED_CODE, count: 0 });
      await stop(env, handle);
    });
  });

  it('v2024-03: mnemonic keys of a DKG rollup exit first (bot-signed), only the shortfall is blocked', async () => {
    chain.nexusVersion = 'v2024-03';
    chain.addActiveValidators(ADMIN, 17, 'dkg');
    const mnemonic = chain.addActiveValidators(ADMIN, 3, 'mn');
    for (const k of mnemonic) chain.keyIndexed.add(k);
    chain.rollup(ADMIN).stakingLimitBps = 1500; // 5 exits needed, 3 possible
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitFor(
        env,
        handle,
        (x) => x.validatorsExited >= 3 && x.exitsInFlight.length === 0,
        'the mnemonic exits to complete',
      );
      assert.deepEqual(
        [...chain.exitBroadcasts].sort(),
        [...mnemonic].sort(),
        'the bot signs exactly the mnemonic keys',
      );
      assert.deepEqual(chain.nexusExitCalls.flat().sort(), [...mnemonic].sort());
      assert.equal(s.exitBlocked?.count, 2);
      await stop(env, handle);
    });
  });

  it('v2024-06: DKG keys exit with one Nexus call per key (SSV operators broadcast), each accounted once', async () => {
    chain.nexusVersion = 'v2024-06';
    const keys = chain.addActiveValidators(ADMIN, 20);
    chain.rollup(ADMIN).stakingLimitBps = 1500;
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitFor(
        env,
        handle,
        (x) => x.validatorsExited >= 5 && x.exitsInFlight.length === 0,
        'the exits to complete',
      );
      assert.equal(s.exitBlocked, undefined);
      assert.equal(chain.exitBroadcasts.length, 0);
      assert.deepEqual(
        chain.nexusExitCalls.map((call) => call.length),
        [1, 1, 1, 1, 1],
        'one validatorExit per key',
      );
      assert.deepEqual(chain.nexusExitCalls.flat().sort(), keys.slice(0, 5).sort());
      assert.deepEqual([...chain.transferredCalls].sort(), keys.slice(0, 5).sort());
      await stop(env, handle);
    });
  });
});
