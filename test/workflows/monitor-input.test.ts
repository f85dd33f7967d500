// The monitor's input is an edge (time-skipping, activities replaced by the in-memory chain): a
// monitor started by hand (`temporal workflow start`) rather than by `nexus-bot start` may name its
// rollup admin in mixed case, or not as an address at all. The first works in the one lower-case
// form (its reads find the rollup, its batches get the lower-case ids); the second fails the run
// at once with an InvalidInput error that names the field and the bad value.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';
import { monitorStatusQuery } from '../../protocol/messages';
import { creationWorkflowId } from '../../workflows/ids';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';

const ETH = 10n ** 18n;
const MIXED = `0xAbC1${'dE'.repeat(18)}`;
const ADMIN = asRollupAdmin(MIXED);

describe("workflows: the monitor's input is checked and normalised once (time-skipping)", function () {
  this.timeout(120_000);
  const testEnv = useTimeSkippingEnv();

  it('a mixed-case admin: the monitor reads, creates and names its batches in lower case', async () => {
    const taskQueue = `monitor-input-${Date.now()}`;
    const chain = new StubChain();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(1000),
      operatorCluster: 1,
      balanceWei: 320n * ETH,
      validatorCount: 0n,
    });
    const activities = stubActivities(chain, testEnv().client, taskQueue, `${taskQueue}-registrar`);
    await withTestWorker(testEnv().address, { taskQueue, activities }, async () => {
      const handle = await testEnv().client.workflow.start(rollupMonitorWorkflow, {
        taskQueue,
        workflowId: `monitor-input-mixed-${taskQueue}`,
        // As `temporal workflow start --input` would send it: no brand, the case as typed.
        args: [{ rollupAdmin: MIXED as never, keyPath: 'mnemonic', pollInterval: '1 minute' }],
      });
      const status = await waitForMonitor(
        testEnv(),
        handle,
        (s) => s.validatorsCreated > 0,
        'a validator',
        '20 seconds',
        30,
      );
      assert.equal(status.rollupAdmin, MIXED.toLowerCase());
      assert.equal(status.lastError, undefined);
      const batch = await testEnv().client.workflow.getHandle(creationWorkflowId(ADMIN)).describe();
      assert.equal(batch.workflowId, `create-validators/${MIXED.toLowerCase()}`);
      assert.equal((await handle.query(monitorStatusQuery)).rollupAdmin, ADMIN);
      await stopMonitor(testEnv(), handle, '20 seconds', 60);
    });
  });

  it('an admin that is not an address: the run fails at once with InvalidInput naming it', async () => {
    const taskQueue = `monitor-input-bad-${Date.now()}`;
    const activities = stubActivities(new StubChain(), testEnv().client, taskQueue, `${taskQueue}-registrar`);
    await withTestWorker(testEnv().address, { taskQueue, activities }, async () => {
      const handle = await testEnv().client.workflow.start(rollupMonitorWorkflow, {
        taskQueue,
        workflowId: `monitor-input-bad-${taskQueue}`,
        args: [{ rollupAdmin: 'rollup-one' as never, keyPath: 'mnemonic' }],
      });
      const err = await handle.result().then(
        () => assert.fail('the monitor ran with a bad admin'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError, `expected a failed run, got ${String(err)}`);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'InvalidInput');
      assert.equal(err.cause.message, 'rollupAdmin must be an address (0x and 40 hex digits), got "rollup-one"');
    });
  });
});
