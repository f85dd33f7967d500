// The cluster runway watcher on the real parts: anvil with the local SSVNetwork (v1.2.0 fee rules),
// a Temporal dev server, the real activities and transaction manager. A Nexus cluster's runway
// falls below the top-up runway (anvil_mine), the watcher tops it up from the bot's own SSV tokens
// exactly once although the activity is retried after its deposit was mined (a worker that died
// before completing it), the budget, carried through continue-as-new, refuses the next top-up with
// an ERROR alert, and the runway, the top-up and the budget left are exported as metrics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ethers } from 'ethers';
import { FileTxJournal, TransactionManager } from '../../activities/chain/tx-manager';
import { createRunwayActivities } from '../../activities/funding/runway-activities';
import type { RunwayPolicy } from '../../activities/funding/runway-types';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { BotMetrics } from '../../worker/observability/metrics';
import { clusterRunwayWorkflow } from '../../workflows/cluster-runway';
import { CLUSTER_RUNWAY_WORKFLOW_ID } from '../../workflows/ids';
import { runwayStatusQuery, type RunwayStatus } from '../../workflows/runway-messages';
import { DEFAULT_OPERATOR_FEE_WEI, DEFAULT_SSV_PARAMETERS } from '../../contracts/deploy';
import { ETH, NEW_CLUSTER, clusterOf, send, useContractFixture } from '../contracts/helpers';
import { logListeners, type LoggedLine } from '../harness/quiet-runtime';
import { runNexusBot } from '../harness/cli';
import { useService } from '../harness/service';
import { withTestWorker } from '../harness/time-skipping';

/** Per validator per block: 4 operators plus the network; the 1 SSV minimum collateral binds for one validator. */
const BURN = 4n * DEFAULT_OPERATOR_FEE_WEI + DEFAULT_SSV_PARAMETERS.networkFeeWei;
const COLLATERAL = DEFAULT_SSV_PARAMETERS.minimumLiquidationCollateralWei;
// 864-second blocks: 100 blocks a day, so that days of runway take few anvil_mine blocks.
const POLICY: RunwayPolicy = {
  topUpBelowBlocks: '2000',
  topUpToBlocks: '4500',
  alertBelowBlocks: '700',
  // Room for one top-up of ~2,600 blocks of burn (~0.005 SSV), not for two.
  budgetWei: ethers.parseEther('0.006').toString(),
  budgetPeriodMs: 30 * 86_400_000,
  blockTimeSeconds: 864,
};
const CLUSTER = '1,2,3,4';

describe('cluster runway watcher (anvil + local SSVNetwork + Temporal dev server)', function () {
  this.timeout(240_000);
  const fx = useContractFixture();
  const temporal = useService('temporal dev server', () => startTemporalDevServer());
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-runway-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const mine = (blocks: number) => fx().provider.send('anvil_mine', [ethers.toQuantity(blocks)]);

  /** Registers one validator owned by Nexus into cluster 1-4 with `amount` SSV (impersonating Nexus: test setup only). */
  async function nexusValidator(amount: bigint): Promise<void> {
    const { provider, system } = fx();
    const nexus = system.addresses.nexus;
    await provider.send('anvil_impersonateAccount', [nexus]);
    await provider.send('anvil_setBalance', [nexus, ethers.toQuantity(ETH)]);
    const asNexus = await provider.getSigner(nexus);
    await send(
      system.contracts.ssvToken.connect(asNexus) as ethers.Contract,
      'approve',
      system.addresses.ssvNetwork,
      amount,
    );
    await send(
      system.contracts.ssvNetwork.connect(asNexus) as ethers.Contract,
      'registerValidator',
      ethers.hexlify(randomBytes(48)),
      fx().operatorIds,
      '0x',
      amount,
      NEW_CLUSTER,
    );
    await provider.send('anvil_stopImpersonatingAccount', [nexus]);
  }

  function runwayActivities(journalFile: string, metrics?: BotMetrics) {
    const { provider, bot, system } = fx();
    const txManager = new TransactionManager({
      provider,
      signer: new ethers.Wallet(bot.privateKey, provider),
      chainId: 31337,
      maxFeePerGasCeiling: ethers.parseUnits('100', 'gwei'),
      maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'),
      confirmations: 1,
      stuckAfterMs: 30_000,
      feeBumpPercent: 20,
      maxFeeBumps: 3,
      pollIntervalMs: 100,
      journal: new FileTxJournal(journalFile),
    });
    const { nexus, nodeOperator, ssvNetwork, ssvNetworkViews, ssvToken } = system.addresses;
    return createRunwayActivities({
      provider,
      txManager,
      contracts: { nexus, nodeOperator, ssvNetwork, ssvNetworkViews, ssvToken },
      scan: { fromBlock: 0, maxRange: 100_000 },
      policy: POLICY,
      metrics,
    });
  }

  /** ClusterDeposited events of Nexus's cluster sent by the bot account. */
  async function botDeposits(): Promise<ethers.EventLog[]> {
    const ssv = fx().system.contracts.ssvNetwork;
    const events = (await ssv.queryFilter(
      ssv.filters.ClusterDeposited(fx().system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    const out: ethers.EventLog[] = [];
    for (const e of events) if ((await e.getTransaction()).from === fx().bot.address) out.push(e);
    return out;
  }

  function metricValue(text: string, name: string, labels = `{cluster="${CLUSTER}"}`): number | undefined {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  it("the runway it reads is the local SSVNetwork's: not liquidatable after `runway` blocks, liquidatable one block later", async () => {
    await nexusValidator(COLLATERAL + 3_000n * BURN + BURN / 2n);
    const readings = await runwayActivities(join(dir, 'rule-journal.json')).readClusterRunways({});
    const [c] = readings.clusters;
    assert.equal(c.cluster, CLUSTER);
    assert.equal(c.runwayDays, Number(c.runwayBlocks) / 100);
    const runway = Number(c.runwayBlocks);
    assert.ok(runway > 2_990 && runway <= 3_000, `runway ${runway}`);
    const { ssvNetworkViews: views, nexus } = { ...fx().system.contracts, nexus: fx().system.addresses.nexus };
    const snapshot = async () => {
      const ssv = fx().system.contracts.ssvNetwork;
      const [last] = ((await ssv.queryFilter(ssv.filters.ValidatorAdded(nexus), 0)) as ethers.EventLog[]).slice(-1);
      return Object.values(clusterOf(last.args.cluster));
    };
    const tuple = await snapshot();
    const blocksAfterRead = (await fx().provider.getBlockNumber()) - readings.blockNumber;
    await mine(runway - blocksAfterRead);
    assert.equal(
      await views.isLiquidatable(nexus, fx().operatorIds, tuple),
      false,
      `liquidatable after ${runway} blocks`,
    );
    await mine(1);
    assert.equal(
      await views.isLiquidatable(nexus, fx().operatorIds, tuple),
      true,
      `not liquidatable after ${runway + 1} blocks`,
    );
  });

  it('tops the cluster up once below the runway (activity retried after its deposit), then the budget refuses the next with an ERROR alert; metrics exported', async () => {
    const { system, bot } = fx();
    await send(system.contracts.ssvToken, 'mint', bot.address, 10n * ETH);
    await nexusValidator(COLLATERAL + 3_000n * BURN);
    const metrics = new BotMetrics({ defaultMetrics: false });
    const journalFile = join(dir, 'tx-journal.json');
    // Two "processes" sharing one journal file: the first dies after its deposit is mined.
    const first = runwayActivities(journalFile, metrics);
    const second = runwayActivities(journalFile, metrics);
    let topUpAttempts = 0;
    const activities = {
      readClusterRunways: second.readClusterRunways,
      async topUpCluster(input: Parameters<typeof first.topUpCluster>[0]) {
        topUpAttempts++;
        if (topUpAttempts > 1) return second.topUpCluster(input);
        const result = await first.topUpCluster(input);
        assert.equal(result.outcome, 'deposited');
        throw new Error('worker lost after the deposit was mined (test)');
      },
    };
    const alerts: LoggedLine[] = [];
    const listener = (line: LoggedLine) => {
      if (line.level === 'ERROR' && line.message.startsWith('cluster runway alert')) alerts.push(line);
    };
    logListeners.add(listener);
    const connection = await Connection.connect({ address: temporal().address });
    const client = new Client({ connection });
    const taskQueue = 'runway-it';
    let handle: WorkflowHandle | undefined;
    try {
      await withTestWorker(temporal().address, { taskQueue, activities }, async () => {
        handle = await client.workflow.start(clusterRunwayWorkflow, {
          taskQueue,
          workflowId: CLUSTER_RUNWAY_WORKFLOW_ID,
          args: [{ pollInterval: '1 second', continueAsNewAfterPolls: 3 }],
        });
        const firstRunId = (await handle.describe()).runId;
        const waitFor = async (what: string, done: (s: RunwayStatus) => boolean): Promise<RunwayStatus> => {
          const deadline = Date.now() + 90_000;
          for (;;) {
            const s = await client.workflow
              .getHandle(handle!.workflowId)
              .query(runwayStatusQuery)
              .catch(() => undefined);
            if (s && done(s)) return s;
            if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(s)}`);
            await sleep(300);
          }
        };
        const ok = await waitFor(
          'the cluster read, runway above the top-up runway',
          (s) => s.clusters[0]?.state === 'ok',
        );
        assert.ok(Number(ok.clusters[0].runwayBlocks) > 2_000);
        assert.equal(
          metricValue(await metrics.registry.metrics(), 'nexus_cluster_runway_blocks'),
          Number(ok.clusters[0].runwayBlocks),
        );

        await mine(1_100);
        const topped = await waitFor('topped up', (s) => s.spends.length === 1);
        const [spend] = topped.spends;
        assert.ok(spend, `no spend recorded: ${JSON.stringify(topped)}`);
        assert.equal(topUpAttempts, 2, 'the top-up activity was retried once');
        const deposits = await botDeposits();
        assert.equal(deposits.length, 1, 'exactly one SSVNetwork.deposit from the bot account');
        assert.equal(deposits[0].args.value, BigInt(spend.amountWei));
        const after = await waitFor('runway back up', (s) => Number(s.clusters[0]?.runwayBlocks) > 4_400);
        assert.ok(Number(after.clusters[0].runwayBlocks) <= 4_500);
        let text = await metrics.registry.metrics();
        assert.equal(metricValue(text, 'nexus_cluster_topups_total'), 1, 'the retried top-up counted once');
        assert.ok(
          Math.abs(
            (metricValue(text, 'nexus_cluster_topup_ssv_total') ?? 0) - Number(ethers.formatEther(spend.amountWei)),
          ) < 1e-9,
        );
        const left = Number(ethers.formatEther(BigInt(POLICY.budgetWei) - BigInt(spend.amountWei)));
        assert.ok(Math.abs((metricValue(text, 'nexus_cluster_topup_budget_left_ssv', '') ?? -1) - left) < 1e-9, text);

        // Down below the top-up runway again: the budget left (~0.001 SSV) cannot pay ~0.005.
        await mine(2_600);
        const refused = await waitFor('refused by the budget', (s) => s.clusters[0]?.state === 'budget-exhausted');
        assert.match(refused.clusters[0].note ?? '', /top-up budget is exhausted/);
        await sleep(3_000); // a few more polls: still no second deposit, no repeated alert
        assert.equal((await botDeposits()).length, 1, 'a second deposit despite the budget');
        assert.equal(topUpAttempts, 2, 'a top-up was attempted beyond the budget');
        assert.equal(alerts.length, 1, `one ERROR alert line: ${JSON.stringify(alerts)}`);
        assert.match(alerts[0].message, /cluster \[1,2,3,4\] has .* days .* top-up budget is exhausted: .* SSV needed/);
        const described = await client.workflow.getHandle(handle!.workflowId).describe();
        assert.notEqual(described.runId, firstRunId, 'the watcher never continued as new: the budget was not carried');
        text = await metrics.registry.metrics();
        assert.ok(Number(metricValue(text, 'nexus_cluster_runway_blocks')) < 2_000);

        // The operator's view: each cluster's runway, state and the budget left.
        const cli = await runNexusBot(['runway', '--address', temporal().address]);
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(cli.stdout, /^budget +0\.001\d* SSV left of 0\.006 SSV per 30 days; 1 top-up in the period/m);
        assert.match(
          cli.stdout,
          /^clusters +\[1,2,3,4\] budget-exhausted: runway 1\d{3} blocks \(1\d\.\d days\), balance /m,
        );
      });
    } finally {
      logListeners.delete(listener);
      await handle?.terminate('test over').catch(() => undefined);
      await connection.close();
    }
  });
});
