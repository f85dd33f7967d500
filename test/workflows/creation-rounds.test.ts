// Time-skipping workflow tests of a mnemonic creation in rounds (workflows/creation/rounds.ts): a
// plan larger than one batch runs as one child, one deposit of at most maxBatch per round, the
// plan made again before each later round; whatever ends the run early (a lowered limit, a pause,
// a failed round), the keys it deposited are registered, and the monitor creates the rest later.
// The monitor, its creation and the real registrar run on a real worker; the activities are the
// in-memory chain's (stub-activities.ts).
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { createValidatorsWorkflow, type CreateValidatorsResult } from '../../workflows/create-validators';
import { creationStatusQuery, pauseSignal, resumeSignal } from '../../protocol/messages';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, pubkeyFor, stubActivities } from './stub-activities';

const ETH = 10n ** 18n;
const VALIDATORS = 100;
const BATCH = 20;

describe('workflows: a creation in rounds (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let registrarWorkflowId: string;
  let chain: StubChain;
  let admin: string;
  let testNumber = 0;

  beforeEach(() => {
    testNumber++;
    taskQueue = `rounds-${testNumber}-${Date.now()}`;
    registrarWorkflowId = `${taskQueue}-registrar`;
    admin = `0x${(0xa100 + testNumber).toString(16)}${'e'.repeat(36)}`;
    chain = new StubChain();
    // Exactly VALIDATORS fit under 5000 bps.
    chain.addRollup(admin, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(5000),
      operatorCluster: 1,
      balanceWei: BigInt(VALIDATORS) * 64n * ETH,
      validatorCount: 0n,
    });
  });

  afterEach(async () => {
    await Promise.all(
      [creationWorkflowId(asRollupAdmin(admin)), registrarWorkflowId].map((id) =>
        testEnv()
          .client.workflow.getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
  });

  /** The workflow id of this test's monitor (known before it starts: a deposit hook can signal it). */
  const monitorId = () => `${monitorWorkflowId(asRollupAdmin(admin))}-${taskQueue}`;

  /** Runs `fn` beside a worker and a monitor of the rollup (maxBatch BATCH); stops the monitor after. */
  async function withMonitor(fn: (env: TestWorkflowEnvironment, monitor: WorkflowHandle) => Promise<void>) {
    const env = testEnv();
    await withTestWorker(
      env.address,
      { taskQueue, activities: stubActivities(chain, env.client, taskQueue, registrarWorkflowId) },
      async () => {
        const monitor = await env.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue,
          workflowId: monitorId(),
          args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '1 hour', maxBatch: BATCH }],
        });
        try {
          await fn(env, monitor);
        } finally {
          await stopMonitor(env, monitor);
        }
      },
    );
  }

  /** The results of the monitor's creations, in the order it started them. */
  async function creationResults(env: TestWorkflowEnvironment, monitor: WorkflowHandle) {
    const history = await env.client.workflow.getHandle(monitor.workflowId).fetchHistory();
    const results: CreateValidatorsResult[] = [];
    for (const event of history.events ?? []) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId)
        results.push(await env.client.workflow.getHandle(child.workflowId, child.runId).result());
    }
    return results;
  }

  /** Waits until the monitor created all VALIDATORS and is idle; the results of its creations. */
  async function allCreated(env: TestWorkflowEnvironment, monitor: WorkflowHandle) {
    const done = (s: { validatorsCreated: number; phase: string }) =>
      s.validatorsCreated === VALIDATORS && s.phase === 'idle';
    await waitForMonitor(env, monitor, done, `${VALIDATORS} created`);
    return creationResults(env, monitor);
  }

  const registeredInOrder = (count: number) =>
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: count }, (_, i) => i),
      `${count} keys registered once each, in owner-nonce order`,
    );

  it('creates a plan of 100 in one child, one deposit of at most maxBatch per round', async () => {
    await withMonitor(async (env, monitor) => {
      const results = await allCreated(env, monitor);
      assert.equal(results.length, 1, 'one creation');
      assert.equal(results[0].deposited.length, VALIDATORS);
      assert.equal(results[0].registered.length, VALIDATORS);
      assert.equal(results[0].stoppedEarly, undefined);
      assert.deepEqual(
        chain.depositBatches.map((d) => d.length),
        [BATCH, BATCH, BATCH, BATCH, BATCH],
      );
      const status = await env.client.workflow
        .getHandle(creationWorkflowId(asRollupAdmin(admin)))
        .query(creationStatusQuery);
      assert.deepEqual(status.rounds, { done: 5, deposited: VALIDATORS, size: BATCH });
      registeredInOrder(VALIDATORS);
    });
  });

  it('stops before the next round when the limit drops, and registers what it deposited', async () => {
    // During the first deposit the limit drops to 1000 bps: the 20 being deposited are all it allows.
    chain.beforeDeposit = async (attempt) => {
      if (attempt === 1) chain.rollup(admin).stakingLimitBps = asBasisPoints(1000);
    };
    await withMonitor(async (env, monitor) => {
      await waitForMonitor(env, monitor, (s) => s.validatorsCreated === BATCH && s.phase === 'idle', '20 created');
      const results = await creationResults(env, monitor);
      assert.equal(results.length, 1);
      assert.deepEqual([results[0].deposited.length, results[0].registered.length], [BATCH, BATCH]);
      assert.match(results[0].stoppedEarly ?? '', /^before round 2: at or above the staking limit of 1000 bps/);
      assert.deepEqual(
        chain.depositBatches.map((d) => d.length),
        [BATCH],
        'no deposit after the limit dropped',
      );
      registeredInOrder(BATCH);
    });
  });

  it('ends the run at a pause between rounds, registers its deposits, and the rest follows the resume', async () => {
    chain.beforeDeposit = async (attempt) => {
      if (attempt !== 1) return;
      // The pause reaches the creation (through its monitor) while its first round deposits.
      const env = testEnv();
      await env.client.workflow.getHandle(monitorId()).signal(pauseSignal, { reason: 'operator check' });
      const creation = env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admin)));
      for (let i = 0; i < 100 && !(await creation.query(creationStatusQuery)).paused; i++)
        await new Promise((r) => setTimeout(r, 50));
    };
    await withMonitor(async (env, monitor) => {
      const paused = await waitForMonitor(
        env,
        monitor,
        (s) => s.phase === 'paused' && s.validatorsCreated === BATCH,
        'the run ended at the pause',
      );
      assert.equal(paused.validatorsCreated, BATCH);
      assert.deepEqual(
        chain.depositBatches.map((d) => d.length),
        [BATCH],
        'no round after the pause',
      );
      registeredInOrder(BATCH);
      await env.client.workflow.getHandle(monitor.workflowId).signal(resumeSignal);
      const results = await allCreated(env, monitor);
      assert.equal(results.length, 2);
      assert.match(results[0].stoppedEarly ?? '', /^paused after round 1 \(rollup paused: operator check\)/);
      assert.equal(results[1].deposited.length, VALIDATORS - BATCH);
      registeredInOrder(VALIDATORS);
    });
  });

  it('ends the run at a failed round, registers the earlier rounds, and the monitor creates the rest', async () => {
    chain.failSubmitDeposits = (attempt) =>
      attempt === 2 ? ApplicationFailure.nonRetryable('the node refused it', 'Revert:Injected') : undefined;
    await withMonitor(async (env, monitor) => {
      const results = await allCreated(env, monitor);
      assert.equal(results.length, 2);
      assert.deepEqual([results[0].deposited.length, results[0].registered.length], [BATCH, BATCH]);
      assert.match(results[0].stoppedEarly ?? '', /^round 2 failed: .*the node refused it/);
      assert.equal(results[1].deposited.length, VALIDATORS - BATCH);
      registeredInOrder(VALIDATORS);
    });
  });

  it('ends the run after a round whose keys the pre-deposit guard held; the monitor creates the rest later', async () => {
    const held = pubkeyFor(`${admin}:m3`); // the fourth key of the first round
    chain.guardHolds = (pubkey) => (pubkey === held ? 'deposit-contract' : undefined);
    await withMonitor(async (env, monitor) => {
      const results = await allCreated(env, monitor);
      assert.equal(results.length, 2);
      assert.deepEqual([results[0].deposited.length, results[0].registered.length], [BATCH - 1, BATCH - 1]);
      assert.deepEqual(
        results[0].held?.map((h) => h.pubkey),
        [held],
      );
      assert.equal(results[0].stoppedEarly, 'the pre-deposit guard held 1 key(s) in round 1');
      assert.ok(!chain.depositBatches.flat().includes(held), 'nothing of the held key deposited');
      assert.equal(chain.depositBatches[0].length, BATCH - 1);
      registeredInOrder(VALIDATORS);
    });
  });

  it('refuses rounds on a DKG creation (InvalidInput)', async () => {
    const env = testEnv();
    await withTestWorker(
      env.address,
      { taskQueue, activities: stubActivities(chain, env.client, taskQueue, registrarWorkflowId) },
      async () => {
        const run = env.client.workflow.execute(createValidatorsWorkflow, {
          taskQueue,
          workflowId: creationWorkflowId(asRollupAdmin(admin)),
          args: [
            {
              rollupAdmin: admin,
              bridge: '0xb1',
              operatorCluster: 1,
              keyPath: 'dkg',
              count: 40,
              fewerEvents: true,
              rounds: { size: BATCH, validatorCountAtPlan: '0' },
            },
          ],
        });
        await assert.rejects(run, (err: unknown) => {
          assert.ok(err instanceof WorkflowFailedError);
          assert.match(String(err.cause?.message), /rounds need keyPath mnemonic and fewerEvents/);
          return true;
        });
      },
    );
  });
});
