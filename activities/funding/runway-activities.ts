// The cluster runway activities: read every Nexus-owned SSV cluster's runway (and export it as a
// metric), and top one up with SSVNetwork.deposit from the bot's own account.
//
// Nexus.rechargeCluster cannot work (it never approves SSV tokens, facts/nexus-contracts.md), but
// SSVNetwork.deposit has no owner check: the bot's account approves its own tokens and deposits
// into Nexus's cluster. Both transactions go through the one transaction manager with keys derived
// from the workflow's request id, so a retried activity waits for the deposit it sent instead of
// sending a second one (invariant 1's rule applied to SSV tokens); and before sending, the chain is
// asked whether the top-up is still needed (the journal is not the truth).
import { failure, withFailureTypes } from '../typed-failure';
import { ethers } from 'ethers';
import { clusterTuple, ownerTopic, resolveScan, type ScanOptions } from '../chain/reads';
import { scanLogs } from '../chain/logs';
import { ERC20_ABI, erc20Interface, ssvNetworkInterface } from '../chain/abi';
import type { TransactionManager } from '../chain/tx-manager';
import { journalKeyFor, withHeartbeat } from '../activity-helpers';
import type { DomainMetricsSink } from '../metrics-sink';
import { readClusterFunding, type ClusterFundingState, type FundingContracts } from './reads';
import { blocksToDays, clusterRunway, topUpAmountWei } from './runway';
import type { ClusterRunwayReading, ClusterRunwayReadings, ClusterTopUpResult, RunwayPolicy } from './runway-types';

export interface RunwayDependencies {
  provider: ethers.JsonRpcProvider;
  txManager: TransactionManager;
  contracts: Omit<FundingContracts, 'ssvNetworkViews'> & { ssvNetworkViews?: string };
  scan: ScanOptions;
  policy: RunwayPolicy;
  metrics?: DomainMetricsSink;
  /** Dry run: top-ups are reported, never sent. */
  dryRun?: boolean;
}

const ssv = (wei: bigint | string) => `${ethers.formatEther(wei)} SSV`;

export function createRunwayActivities(deps: RunwayDependencies) {
  const { provider, txManager, policy } = deps;
  const topUpBelow = BigInt(policy.topUpBelowBlocks);
  const topUpTo = BigInt(policy.topUpToBlocks);

  const contracts = (): FundingContracts => {
    const views = deps.contracts.ssvNetworkViews;
    if (!views)
      throw failure(
        'SsvViewsNotConfigured',
        'contracts.ssvNetworkViews is not configured: the bot cannot read cluster balances and runways',
      );
    return { ...deps.contracts, ssvNetworkViews: views };
  };

  const botTokens = async (): Promise<bigint> =>
    (await new ethers.Contract(deps.contracts.ssvToken, ERC20_ABI, provider).balanceOf(txManager.address)) as bigint;

  function reading(cluster: string, state: ClusterFundingState): ClusterRunwayReading {
    const { runwayBlocks, burnPerBlockWei } = clusterRunway(state.fees, state.funds);
    const below = !state.liquidated && runwayBlocks !== null && runwayBlocks < topUpBelow;
    return {
      cluster,
      operatorIds: state.operatorIds,
      validatorCount: state.funds.validatorCount,
      balanceWei: state.funds.balanceWei.toString(),
      burnPerBlockWei: burnPerBlockWei.toString(),
      runwayBlocks: state.liquidated ? '0' : (runwayBlocks?.toString() ?? null),
      runwayDays: state.liquidated
        ? 0
        : runwayBlocks === null
          ? null
          : blocksToDays(runwayBlocks, policy.blockTimeSeconds),
      liquidated: state.liquidated,
      topUpWei: below ? topUpAmountWei(state.fees, state.funds, topUpTo).toString() : '0',
    };
  }

  /** Operator-id lists of the Nexus clusters that got a validator in [fromBlock, toBlock]. */
  async function newClusters(fromBlock: number, toBlock: number): Promise<string[]> {
    const event = ssvNetworkInterface.getEvent('ValidatorAdded');
    if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
    const found = new Set<string>();
    await scanLogs(
      provider,
      {
        contract: 'SSVNetwork',
        what: 'ValidatorAdded',
        address: deps.contracts.ssvNetwork,
        topic0: [event.topicHash],
        topic1: ownerTopic(deps.contracts.nexus),
      },
      { fromBlock, toBlock, maxRange: deps.scan.maxRange },
      'forward',
      (logs) => {
        for (const log of logs)
          found.add(
            (ssvNetworkInterface.decodeEventLog(event, log.data, log.topics).operatorIds as bigint[])
              .map(String)
              .join(','),
          );
      },
    );
    return [...found];
  }

  return {
    /**
     * Every cluster that ever held a Nexus validator (known ones plus those found in the
     * ValidatorAdded logs since `fromBlock`), with its runway; exported as metrics.
     */
    async readClusterRunways(input: {
      fromBlock?: number;
      knownClusters?: string[];
      budgetLeftWei?: string;
    }): Promise<ClusterRunwayReadings> {
      const range = await resolveScan(
        provider,
        { ...deps.scan, fromBlock: input.fromBlock ?? deps.scan.fromBlock },
        'cluster runway scan',
      );
      const known = new Set(input.knownClusters ?? []);
      for (const c of await newClusters(range.fromBlock, range.toBlock)) known.add(c);
      const clusters: ClusterRunwayReading[] = [];
      for (const cluster of [...known].sort()) {
        const state = await readClusterFunding(provider, contracts(), cluster.split(',').map(Number), {
          ...deps.scan,
          toBlock: range.toBlock,
        });
        const r = reading(cluster, state);
        clusters.push(r);
        deps.metrics?.clusterRunway?.(cluster, r.runwayBlocks === null ? null : Number(r.runwayBlocks), r.runwayDays);
      }
      if (input.budgetLeftWei !== undefined) deps.metrics?.topUpBudgetLeft?.(input.budgetLeftWei);
      return {
        clusters,
        knownClusters: [...known].sort(),
        nextFromBlock: range.toBlock + 1,
        policy,
        botTokensWei: (await botTokens()).toString(),
        blockNumber: range.toBlock,
      };
    },

    /**
     * Tops up cluster `operatorIds` by `amountWei` (the budget already admitted it), once per
     * `requestId`: approve (if the allowance is short) and SSVNetwork.deposit(Nexus, ids, amount,
     * snapshot). A retry finds the deposit it sent; a cluster no longer below the threshold is
     * left alone ('not-needed'); a bot short of SSV tokens sends nothing ('bot-ssv-short').
     */
    async topUpCluster(input: {
      operatorIds: number[];
      amountWei: string;
      requestId: string;
      budgetLeftWei?: string;
    }): Promise<ClusterTopUpResult> {
      return withHeartbeat(() =>
        withFailureTypes(async () => {
          const cluster = input.operatorIds.join(',');
          const amount = BigInt(input.amountWei);
          // `<prefix>:<n>`: a deposit that reverted (a snapshot that moved on) is sent again under the next n.
          const depositKey = await journalKeyFor(txManager, `cluster-topup:${input.requestId}:deposit`);
          const done = (mined: { hash: string; blockNumber: number }): ClusterTopUpResult => {
            deps.metrics?.clusterTopUp?.(cluster, input.amountWei, mined.hash);
            if (input.budgetLeftWei !== undefined) deps.metrics?.topUpBudgetLeft?.(input.budgetLeftWei);
            return {
              outcome: 'deposited',
              amountWei: input.amountWei,
              txHash: mined.hash,
              blockNumber: mined.blockNumber,
              message: `cluster [${cluster}] topped up with ${ssv(amount)} (${mined.hash})`,
            };
          };
          // A retry after the deposit was sent: wait for that one, never send a second.
          const earlier = await txManager.record(depositKey);
          if (earlier && (earlier.status === 'pending' || earlier.status === 'mined'))
            return done(await txManager.waitForReceipt(depositKey));

          const state = await readClusterFunding(provider, contracts(), input.operatorIds, deps.scan);
          if (state.liquidated) {
            throw failure(
              'ClusterLiquidated',
              `cluster [${cluster}] of ${deps.contracts.nexus} is liquidated: a deposit cannot help, it must be reactivated (SSVNetwork.reactivate)`,
            );
          }
          const { runwayBlocks } = clusterRunway(state.fees, state.funds);
          if (runwayBlocks === null || runwayBlocks >= topUpBelow) {
            return {
              outcome: 'not-needed',
              amountWei: '0',
              message: `cluster [${cluster}] has ${runwayBlocks ?? 'unlimited'} blocks of runway now (top-up below ${topUpBelow}): nothing sent`,
            };
          }
          const held = await botTokens();
          if (held < amount) {
            return {
              outcome: 'bot-ssv-short',
              amountWei: '0',
              message: `the bot account ${txManager.address} holds ${ssv(held)}, topping up cluster [${cluster}] needs ${ssv(amount)}: nothing sent`,
            };
          }
          if (deps.dryRun)
            return {
              outcome: 'dry-run',
              amountWei: '0',
              message: `dry run: cluster [${cluster}] would be topped up with ${ssv(amount)}`,
            };

          const token = new ethers.Contract(deps.contracts.ssvToken, ERC20_ABI, provider);
          const allowance = (await token.allowance(txManager.address, deps.contracts.ssvNetwork)) as bigint;
          if (allowance < amount) {
            // Exactly this top-up's amount: the bot's tokens are never left approved beyond it.
            await txManager.sendAndWait({
              to: deps.contracts.ssvToken,
              data: erc20Interface.encodeFunctionData('approve', [deps.contracts.ssvNetwork, amount]),
              label: 'ssvApprove',
              idempotencyKey: `cluster-topup:${input.requestId}:approve:${allowance}`,
              resendIfDropped: true,
            });
          }
          const c = clusterTuple(state.snapshot.cluster);
          const data = ssvNetworkInterface.encodeFunctionData('deposit', [
            deps.contracts.nexus,
            input.operatorIds,
            amount,
            [c.validatorCount, c.networkFeeIndex, c.index, c.active, c.balance],
          ]);
          return done(
            await txManager.sendAndWait({
              to: deps.contracts.ssvNetwork,
              data,
              label: 'clusterDeposit',
              idempotencyKey: depositKey,
            }),
          );
        }),
      );
    },
  };
}
