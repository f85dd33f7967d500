// The cluster runway watcher's alerts (time-skipping, its two activities replaced by scripted
// readings): one ERROR line when a cluster enters an alert state, none while it stays there, the
// same again a day later, and a state per cause (below the alert runway with top-ups off, a
// liquidated cluster, a bot account short of SSV tokens). The top-up itself is tested on the real
// chain (test/integration/cluster-runway.test.ts).
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import type {
  ClusterRunwayReading,
  ClusterRunwayReadings,
  ClusterTopUpResult,
  RunwayPolicy,
} from '../../activities/funding/runway-types';
import { clusterRunwayWorkflow } from '../../workflows/cluster-runway';
import { runwayStatusQuery } from '../../workflows/runway-messages';
import { logListeners, type LoggedLine } from '../harness/quiet-runtime';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';

const POLICY: RunwayPolicy = {
  topUpBelowBlocks: '2000',
  topUpToBlocks: '4500',
  alertBelowBlocks: '700',
  budgetWei: '0',
  budgetPeriodMs: 30 * 86_400_000,
  blockTimeSeconds: 864,
};

function cluster(name: string, runwayBlocks: number, extra: Partial<ClusterRunwayReading> = {}): ClusterRunwayReading {
  return {
    cluster: name,
    operatorIds: name.split(',').map(Number),
    validatorCount: 1,
    balanceWei: '1',
    burnPerBlockWei: '1',
    runwayBlocks: String(runwayBlocks),
    runwayDays: runwayBlocks / 100,
    liquidated: false,
    topUpWei: runwayBlocks < 2000 ? String(10n ** 17n) : '0',
    ...extra,
  };
}

describe('workflows: cluster runway alerts (time-skipping)', function () {
  this.timeout(120_000);
  const testEnv = useTimeSkippingEnv();

  it('one ERROR per cluster entering an alert state, repeated daily, per cause; none while it stays or after it clears', async () => {
    const env = testEnv();
    let reading: { policy: RunwayPolicy; clusters: ClusterRunwayReading[] } = {
      policy: POLICY,
      clusters: [cluster('1,2,3,4', 500), cluster('5,6,7,8', 0, { liquidated: true, runwayDays: 0 })],
    };
    const topUps: string[] = [];
    const activities = {
      async readClusterRunways(): Promise<ClusterRunwayReadings> {
        return {
          ...reading,
          knownClusters: reading.clusters.map((c) => c.cluster),
          nextFromBlock: 1,
          botTokensWei: '0',
          blockNumber: 1,
        };
      },
      async topUpCluster(input: { requestId: string }): Promise<ClusterTopUpResult> {
        topUps.push(input.requestId);
        return {
          outcome: 'bot-ssv-short',
          amountWei: '0',
          message: 'the bot account holds 0 SSV, topping up needs 0.1 SSV: nothing sent',
        };
      },
    };
    const alerts: LoggedLine[] = [];
    const listener = (line: LoggedLine) => {
      if (line.level === 'ERROR' && line.message.startsWith('cluster runway alert')) alerts.push(line);
    };
    logListeners.add(listener);
    const taskQueue = `runway-alerts-${Date.now()}`;
    try {
      await withTestWorker(env.address, { taskQueue, activities }, async () => {
        const handle = await env.client.workflow.start(clusterRunwayWorkflow, {
          taskQueue,
          workflowId: taskQueue,
          args: [{ pollInterval: '6 hours', continueAsNewAfterPolls: 2 }],
        });
        const states = async () =>
          Object.fromEntries((await handle.query(runwayStatusQuery)).clusters.map((c) => [c.cluster, c.state]));
        const poll = async () => {
          await env.sleep('6 hours');
        };
        await env.sleep('1 minute');
        assert.deepEqual(await states(), { '1,2,3,4': 'below-alert', '5,6,7,8': 'liquidated' });
        assert.equal(alerts.length, 2, JSON.stringify(alerts.map((a) => a.message)));
        assert.match(
          alerts[0].message,
          /cluster \[1,2,3,4\] has 5\.00 days \(500 blocks\) of runway, below the alert runway \(700 blocks\); top-ups are off/,
        );
        assert.match(alerts[1].message, /cluster \[5,6,7,8\] is liquidated/);

        for (let i = 0; i < 3; i++) await poll(); // 18 h, through continue-as-new: no repeat
        assert.equal(alerts.length, 2, 'an unchanged alert was repeated within a day');
        await poll(); // 24 h: once more each
        assert.equal(alerts.length, 4, JSON.stringify(alerts.map((a) => a.message)));

        // A budget now, but the bot holds no SSV: a new state, a new alert (the liquidated one stays quiet).
        reading = { ...reading, policy: { ...POLICY, budgetWei: String(10n ** 18n) } };
        await poll();
        assert.deepEqual(await states(), { '1,2,3,4': 'bot-ssv-short', '5,6,7,8': 'liquidated' });
        assert.equal(alerts.length, 5);
        assert.match(alerts[4].message, /the bot account holds 0 SSV/);
        assert.ok(topUps.length >= 1, 'no top-up was tried with a budget');

        // Topped up by hand: it clears, no alert.
        reading = { ...reading, clusters: [cluster('1,2,3,4', 5000), reading.clusters[1]] };
        await poll();
        assert.equal((await states())['1,2,3,4'], 'ok');
        assert.equal(alerts.length, 5);
        await handle.terminate('test over');
      });
    } finally {
      logListeners.delete(listener);
    }
  });

  it('the status survives continue-as-new: the new run answers with the last poll until its own first poll', async () => {
    const env = testEnv();
    let calls = 0;
    let releaseSecondRun!: () => void;
    const secondRunPolls = new Promise<void>((resolve) => {
      releaseSecondRun = resolve;
    });
    const activities = {
      async readClusterRunways(): Promise<ClusterRunwayReadings> {
        calls++;
        if (calls === 2) await secondRunPolls; // the new run's first poll hangs until the test has asked
        return {
          policy: POLICY,
          clusters: [cluster('1,2,3,4', 5000)],
          knownClusters: ['1,2,3,4'],
          nextFromBlock: 1,
          botTokensWei: '0',
          blockNumber: 7,
        };
      },
      async topUpCluster(): Promise<ClusterTopUpResult> {
        throw new Error('no top-up expected');
      },
    };
    const taskQueue = `runway-carry-${Date.now()}`;
    await withTestWorker(env.address, { taskQueue, activities }, async () => {
      const handle = await env.client.workflow.start(clusterRunwayWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ pollInterval: '6 hours', continueAsNewAfterPolls: 1 }],
      });
      try {
        const firstRunId = (await handle.describe()).runId;
        const deadline = Date.now() + 30_000;
        while (calls < 2 || (await handle.describe()).runId === firstRunId) {
          assert.ok(Date.now() < deadline, `the watcher did not continue as new (${calls} polls)`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const status = await env.client.workflow.getHandle(taskQueue).query(runwayStatusQuery);
        assert.deepEqual(
          status.clusters.map((c) => [c.cluster, c.state]),
          [['1,2,3,4', 'ok']],
          JSON.stringify(status),
        );
        assert.equal(status.blockNumber, 7);
        assert.equal(status.budgetWei, '0');
        assert.ok(status.updatedAt, 'no time of the last poll');
        // The budget's spends travel once, at the top of the input, not again inside lastStatus.
        const history = await env.client.workflow.getHandle(taskQueue).fetchHistory();
        const [carried] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
        const input = defaultPayloadConverter.fromPayload<{ spends?: unknown; lastStatus?: Record<string, unknown> }>(
          carried,
        );
        assert.deepEqual(input.spends, [], 'the spends are carried at the top');
        assert.ok(
          input.lastStatus && !('spends' in input.lastStatus) && !('topUps' in input.lastStatus),
          `lastStatus carries the spends again: ${JSON.stringify(input.lastStatus)}`,
        );
      } finally {
        releaseSecondRun(); // the worker cannot shut down while the activity hangs
        await handle.terminate('test over');
      }
    });
  });
});
