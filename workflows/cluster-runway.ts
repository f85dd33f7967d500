// The cluster runway watcher: one workflow for every Nexus-owned SSV cluster. Each poll reads each
// cluster's runway (the activity exports it as a metric), tops up a cluster below the top-up runway
// with the bot's own SSV tokens (SSVNetwork.deposit), within a budget per rolling period, and logs
// an ERROR alert for a cluster below the alert runway, a budget that is exhausted, a bot short of
// tokens or a liquidated cluster.
//
// Its own workflow, not a step of the chain watcher: it polls far less often (minutes, not
// seconds), and its top-ups wait for confirmations, which must not delay the monitors' wake-ups.
// The budget's ledger (top-ups inside the period) lives in this workflow's state and is carried
// through continue-as-new, so a worker restart never resets it (only terminating the workflow does).
// A top-up's request id is the first run's id and a counter that is also carried: a retried
// activity, or a replay, sends under the same id, and the transaction journal finds the deposit it
// already sent (exactly one top-up per decision).
import {
  ActivityFailure,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import type { ClusterRunwayReading, RunwayPolicy, TopUpSpend } from '../activities/funding/runway-types';
import { READ_OPTIONS, TRANSACTION_OPTIONS } from './activity-options';
import { runwayStatusQuery, type ClusterRunwayState, type RunwayStatus } from './runway-messages';
import { proxyRoleActivities } from './role-activities';

// The first read scans SSVNetwork's logs from its deployment block (chain.ssvFromBlock) in chunks
// of chain.logMaxRange: on mainnet hundreds of requests, more than a quick read's minute.
const { readClusterRunways } = proxyActivities<BotActivities>({ ...READ_OPTIONS, startToCloseTimeout: '15 minutes' });
const { topUpCluster } = proxyRoleActivities<BotActivities>('writer', TRANSACTION_OPTIONS);

/** An unchanged alert is repeated this often (a new state is logged at once). */
const REPEAT_ALERT_MS = 24 * 3_600_000;

export interface ClusterRunwayInput {
  pollInterval?: Duration;
  /** Carried across continueAsNew. */
  fromBlock?: number;
  knownClusters?: string[];
  spends?: TopUpSpend[];
  topUps?: number;
  policy?: RunwayPolicy;
  alerts?: Record<string, { state: ClusterRunwayState; at: number }>;
  /** The last poll's status, so the operator's view does not go blank between a continue-as-new and the new run's first poll. */
  lastStatus?: Omit<RunwayStatus, 'spends' | 'topUps'>;
  /** Tests: continue as new after this many polls instead of the server's suggestion. */
  continueAsNewAfterPolls?: number;
}

const ALERT_STATES: readonly ClusterRunwayState[] = [
  'below-alert',
  'budget-exhausted',
  'bot-ssv-short',
  'top-up-failed',
  'liquidated',
];
const ssv = (wei: bigint | string) => `${(Number(BigInt(wei) / 10n ** 12n) / 1e6).toString()} SSV`;

/** SSV wei the budget still allows: budget − top-ups inside the rolling period (never negative). */
export function budgetLeftWei(policy: RunwayPolicy, spends: readonly TopUpSpend[], now: number): bigint {
  const spent = spends
    .filter((s) => now - s.at < policy.budgetPeriodMs)
    .reduce((sum, s) => sum + BigInt(s.amountWei), 0n);
  const left = BigInt(policy.budgetWei) - spent;
  return left > 0n ? left : 0n;
}

export async function clusterRunwayWorkflow(input: ClusterRunwayInput = {}): Promise<never> {
  let fromBlock = input.fromBlock;
  let knownClusters = input.knownClusters ?? [];
  let spends = input.spends ?? [];
  let topUps = input.topUps ?? 0;
  let policy = input.policy;
  const alerts = { ...input.alerts };
  const status: RunwayStatus = { clusters: [], ...input.lastStatus, spends, topUps };
  setHandler(runwayStatusQuery, () => status);

  for (let polls = 1; ; polls++) {
    const readings = await readClusterRunways({
      fromBlock,
      knownClusters,
      ...(policy ? { budgetLeftWei: budgetLeftWei(policy, spends, Date.now()).toString() } : {}),
    });
    fromBlock = readings.nextFromBlock;
    knownClusters = readings.knownClusters;
    policy = readings.policy;
    const now = Date.now();
    spends = spends.filter((s) => now - s.at < (policy as RunwayPolicy).budgetPeriodMs);
    const clusters: RunwayStatus['clusters'] = [];
    for (const reading of readings.clusters) {
      const { state, note } = await tend(reading, policy, now);
      clusters.push({ ...reading, state, ...(note ? { note } : {}) });
      alertOnChange(reading.cluster, state, note, now);
    }
    Object.assign(status, {
      updatedAt: new Date(now).toISOString(),
      blockNumber: readings.blockNumber,
      clusters,
      spends,
      topUps,
      botTokensWei: readings.botTokensWei,
      topUpBelowBlocks: policy.topUpBelowBlocks,
      alertBelowBlocks: policy.alertBelowBlocks,
      topUpToBlocks: policy.topUpToBlocks,
      budgetWei: policy.budgetWei,
      budgetLeftWei: budgetLeftWei(policy, spends, now).toString(),
      budgetPeriodMs: policy.budgetPeriodMs,
      blockTimeSeconds: policy.blockTimeSeconds,
    });
    if (
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfterPolls !== undefined && polls >= input.continueAsNewAfterPolls)
    ) {
      // spends and topUps are carried once, at the top; the new run puts them back into its status.
      const { spends: _carriedAbove, topUps: _countedAbove, ...lastStatus } = status;
      await continueAsNew<typeof clusterRunwayWorkflow>({
        ...input,
        fromBlock,
        knownClusters,
        spends,
        topUps,
        policy,
        alerts,
        lastStatus,
      });
    }
    await sleep(input.pollInterval ?? '10 minutes');
  }

  /** Tops the cluster up when it is below the top-up runway and the budget allows; says where it stands. */
  async function tend(
    c: ClusterRunwayReading,
    p: RunwayPolicy,
    now: number,
  ): Promise<{ state: ClusterRunwayState; note?: string }> {
    if (c.liquidated)
      return {
        state: 'liquidated',
        note: `cluster [${c.cluster}] is liquidated: reactivate it (SSVNetwork.reactivate); its validators are not operated`,
      };
    if (c.runwayBlocks === null) return { state: 'idle' };
    const runway = BigInt(c.runwayBlocks);
    const days = `${c.runwayDays?.toFixed(2)} days (${runway} blocks)`;
    const belowAlert = runway < BigInt(p.alertBelowBlocks);
    const lowLine = `cluster [${c.cluster}] has ${days} of runway`;
    if (runway >= BigInt(p.topUpBelowBlocks)) return { state: 'ok' };
    if (BigInt(p.budgetWei) === 0n) {
      // No budget configured: top-ups are off, the runway is only watched.
      return belowAlert
        ? {
            state: 'below-alert',
            note: `${lowLine}, below the alert runway (${p.alertBelowBlocks} blocks); top-ups are off (runway.budgetSsv is 0): top it up by hand`,
          }
        : { state: 'ok' };
    }
    const amount = BigInt(c.topUpWei);
    const left = budgetLeftWei(p, spends, now);
    if (amount > left) {
      return {
        state: 'budget-exhausted',
        note: `${lowLine}, below the top-up runway (${p.topUpBelowBlocks} blocks), but the top-up budget is exhausted: ${ssv(amount)} needed, ${ssv(left)} of ${ssv(p.budgetWei)} left this period${belowAlert ? `; below the alert runway (${p.alertBelowBlocks} blocks)` : ''}`,
      };
    }
    const requestId = `${workflowInfo().firstExecutionRunId}/${topUps}`;
    topUps++;
    try {
      const result = await topUpCluster({
        operatorIds: c.operatorIds,
        amountWei: amount.toString(),
        requestId,
        budgetLeftWei: (left - amount).toString(),
      });
      if (result.outcome === 'deposited') {
        spends = [...spends, { at: now, cluster: c.cluster, amountWei: result.amountWei }];
        log.info('cluster topped up', {
          cluster: c.cluster,
          amountWei: result.amountWei,
          txHash: result.txHash,
          runwayBlocksBefore: c.runwayBlocks,
          requestId,
        });
        return { state: 'topped-up', note: result.message };
      }
      if (result.outcome === 'bot-ssv-short') return { state: 'bot-ssv-short', note: `${lowLine}: ${result.message}` };
      return { state: belowAlert ? 'below-alert' : 'ok', note: result.message };
    } catch (err) {
      // A final failure (a retryable one is retried by Temporal): nothing pending under this id.
      const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
      return { state: 'top-up-failed', note: `${lowLine}; its top-up failed: ${cause}` };
    }
  }

  /** One ERROR line when a cluster enters an alert state (repeated daily), one INFO line when it leaves it. */
  function alertOnChange(cluster: string, state: ClusterRunwayState, note: string | undefined, now: number): void {
    const before = alerts[cluster];
    const alerting = ALERT_STATES.includes(state);
    if (alerting && (before?.state !== state || now - before.at >= REPEAT_ALERT_MS)) {
      log.error(`cluster runway alert: ${note ?? state}`, { cluster, state });
      alerts[cluster] = { state, at: now };
    } else if (!alerting && before) {
      log.info('cluster runway alert cleared', { cluster, state, was: before.state });
      delete alerts[cluster];
    }
  }
}
