// The chain watcher on the real parts: a monitor that sleeps for an hour between polls acts
// within seconds when its rollup raises the staking limit or its bridge receives ETH.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { contractAt } from '../../contracts/artifacts';
import { chainWatcherWorkflow } from '../../workflows/chain-watcher';
import { CHAIN_WATCHER_WORKFLOW_ID, monitorWorkflowId } from '../../workflows/ids';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { devWallet, ETH, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

describe('chain watcher (real parts)', function () {
  this.timeout(240_000);
  let net: CreationNetwork;

  before(async () => {
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-watcher',
      rollups: [{ account: 2, name: 'watched', funding: 320n * ETH, limit: 0 }],
    });
    await net.startWorker();
  });
  after(async () => {
    await net?.stop();
  });

  async function waitForValidators(bridge: ethers.Contract, want: bigint, what: string): Promise<number> {
    const started = Date.now();
    while ((await bridge.getFunction('validatorCount')()) !== want) {
      if (Date.now() - started > 60_000) assert.fail(`no ${want} validators within 60 s after ${what}`);
      await sleep(250);
    }
    return Date.now() - started;
  }

  it('wakes the monitor on StakingLimitChanged and on a bridge balance change', async () => {
    const [rollup] = net.rollups;
    const bridge = await contractAt('NexusBaseBridge', rollup.bridge, net.provider);
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(rollup.admin)),
      args: [{ rollupAdmin: asRollupAdmin(rollup.admin), keyPath: 'mnemonic', pollInterval: '1 hour' }],
    });
    await net.client.workflow.start(chainWatcherWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: CHAIN_WATCHER_WORKFLOW_ID,
      args: [{ pollInterval: '1 second' }],
    });
    await sleep(3_000); // the monitor's first look: limit 0, nothing to create; then it sleeps an hour
    assert.equal(await bridge.getFunction('validatorCount')(), 0n);

    const admin = devWallet(2, net.provider);
    const nexus = net.system.contracts.nexus.connect(admin) as ethers.Contract;
    await (await nexus.getFunction('changeStakingLimit')(2000)).wait();
    const first = maxDepositsWithinLimit({
      bridgeBalanceWei: 320n * ETH,
      validatorCount: 0n,
      stakingLimitBps: asBasisPoints(2000),
    });
    await waitForValidators(bridge, first, 'the limit change');

    // More ETH in the bridge (a user deposit): no Nexus event, only the balance moves.
    await (
      await (await contractAt('BridgeContractDAOV2024_06', rollup.bridge, admin)).getFunction('depositFunds')({
        value: 320n * ETH,
      })
    ).wait();
    const balance = await net.provider.getBalance(rollup.bridge);
    const second =
      first +
      maxDepositsWithinLimit({
        bridgeBalanceWei: balance,
        validatorCount: first,
        stakingLimitBps: asBasisPoints(2000),
      });
    assert.ok(second > first);
    await waitForValidators(bridge, second, 'the bridge balance change');
  });
});
