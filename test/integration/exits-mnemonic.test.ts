// Exits end to end on the real parts: Temporal dev server, anvil with our contracts, moto, the worker
// process, a Lodestar beacon node whose genesis holds the rollup's mnemonic keys, and the stand-in
// that pays a withdrawable validator's 32 ETH back to its bridge. The rollup's limit is lowered: the
// bot must exit exactly the number the arithmetic requires, the node must accept each exit the bot
// signed, Nexus must record each exit once, and each validator must be accounted once.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { bridgeInterface, nexusInterface } from '../../activities/chain/abi';
import { readValidatorStatuses } from '../../activities/chain/reads';
import { BeaconClient } from '../../activities/beacon/client';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { signVoluntaryExit } from '../../activities/keys/voluntary-exit';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery, pauseSignal } from '../../protocol/messages';
import { maxDepositsWithinLimit, planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { exportDecoded, findSecrets } from '../harness/secret-scan';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const TASK_QUEUE = 'exits-mnemonic';
const FUNDING = 640n * ETH;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('exits end to end, mnemonic keys (Temporal + anvil + moto + Lodestar + worker process)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let admin: string;
  let created: string[];
  let firstMonitorRun: string;
  const nexusEvents = async (name: string) => {
    const event = nexusInterface.getEvent(name);
    const logs = await net.provider.getLogs({
      address: net.system.addresses.nexus,
      topics: [event?.topicHash as string],
      fromBlock: 0,
    });
    return logs.map((l) => nexusInterface.parseLog(l)?.args);
  };

  before(async () => {
    net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'exit-rollup', funding: FUNDING, limit: 2000 }],
      taskQueue: TASK_QUEUE,
      beacon: { keysPerRollup: 8 },
    });
    admin = net.rollups[0].admin;
    await net.startWorker();
    const monitor = await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      // Continuing as new every few loops: the exit batch must report to a later run than its parent.
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath: 'mnemonic',
          pollInterval: '3 seconds',
          exitPollInterval: { min: '2 seconds', max: '20 seconds' },
          continueAsNewAfterLoops: 4,
        },
      ],
    });
    firstMonitorRun = monitor.firstExecutionRunId;
    const expected = Number(
      maxDepositsWithinLimit({ bridgeBalanceWei: FUNDING, validatorCount: 0n, stakingLimitBps: asBasisPoints(2000) }),
    );
    created = await until('the creation', 120_000, async () => {
      const keys = (await nexusEvents('ValidatorShareSubmitted')).map((a) => (a?.pubKey as string).toLowerCase());
      return keys.length === expected ? keys : undefined;
    });
  });

  after(async () => {
    await net?.client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(admin)))
      .terminate('test over')
      .catch(() => undefined);
    await net?.stop();
  });

  it('a lower limit exits exactly the required validators: broadcast to the beacon node, recorded once by Nexus, accounted once after the stand-in returns their ETH', async () => {
    const bridge = new ethers.Contract(net.rollups[0].bridge, bridgeInterface, net.provider);
    const count = (await bridge.validatorCount()) as bigint;
    const balance = await net.provider.getBalance(net.rollups[0].bridge);
    const expected = planExits({
      bridgeBalanceWei: balance,
      validatorCount: count,
      stakingLimitBps: asBasisPoints(1000),
      exiting: 0,
      maxBatch: 50,
    }).toExit;
    assert.equal(expected, 2);

    const nexusAsAdmin = new ethers.Contract(
      net.system.addresses.nexus,
      ['function changeStakingLimit(uint16)'],
      devWallet(2, net.provider),
    );
    const changedAt = Date.now();
    await (await nexusAsAdmin.changeStakingLimit(1000)).wait();
    // Without the chain watcher here, the monitor sees the change at its next poll (3 s).

    const beacon = new BeaconClient({ urls: [(net.beacon as NonNullable<CreationNetwork['beacon']>).url] });
    const exiting = await until('exits on the beacon chain and in Nexus', 120_000, async () => {
      const submitted = (await nexusEvents('ValidatorExitSubmitted')).map((a) => (a?.pubKey as string).toLowerCase());
      const onBeacon = await beacon.getValidators(created);
      const leaving = [...onBeacon.values()].filter((v) => v.status !== 'active_ongoing');
      return submitted.length >= expected && leaving.length >= expected ? submitted : undefined;
    });
    const exitedAt = Date.now();
    console.log(
      `      limit change → ${expected} exits broadcast and recorded by Nexus: ${((exitedAt - changedAt) / 1000).toFixed(1)} s`,
    );
    assert.equal(exiting.length, expected, 'Nexus recorded a different number of exits');
    assert.equal(new Set(exiting).size, expected, 'Nexus recorded an exit twice');

    // The bot chose the lowest beacon indices among the rollup's validators.
    const onBeacon = await beacon.getValidators(created);
    const byIndex = [...onBeacon.entries()].sort((a, b) => a[1].index - b[1].index).map(([k]) => k);
    assert.deepEqual([...exiting].sort(), byIndex.slice(0, expected).sort());

    await until('each exit accounted in Nexus', 240_000, async () => {
      const exited = (await nexusEvents('ValidatorExited')).map((a) => (a?.pubKey as string).toLowerCase());
      return exited.length >= expected ? exited : undefined;
    });
    console.log(`      limit change → balances back and accounted: ${((Date.now() - changedAt) / 1000).toFixed(1)} s`);
    // A few more polls: nothing more happens.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const exited = (await nexusEvents('ValidatorExited')).map((a) => (a?.pubKey as string).toLowerCase());
    assert.deepEqual(
      [...exited].sort(),
      [...exiting].sort(),
      'validatorExitBalanceTransferred not exactly once per exited validator',
    );
    assert.equal(await bridge.validatorCount(), count - BigInt(expected));
    const statuses = await readValidatorStatuses(net.provider, net.system.addresses.nexus, created);
    assert.equal(statuses.statuses.filter((s) => s.status === 'VALIDATOR_EXITED').length, expected);
    assert.equal(statuses.statuses.filter((s) => s.status === 'SHARE_DEPOSITED').length, created.length - expected);
    assert.equal((await nexusEvents('ValidatorExitSubmitted')).length, expected, 'more exits after the limit was met');
    assert.equal(net.standIn?.paid().length, expected);

    const monitor = net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin)));
    const status = await until('the monitor to count the exits', 30_000, async () => {
      const st = await monitor.query(monitorStatusQuery);
      return st.validatorsExited === expected ? st : undefined;
    });
    assert.deepEqual(status.exitsInFlight, []);
    assert.notEqual(
      (await monitor.describe()).runId,
      firstMonitorRun,
      'the monitor never continued as new: the report to a later run is untested',
    );
  });

  it('the beacon node rejects a forged exit (wrong key) for a validator the bot keeps', async () => {
    const beacon = new BeaconClient({ urls: [(net.beacon as NonNullable<CreationNetwork['beacon']>).url] });
    const chain = await beacon.getChainInfo();
    const remaining = [...(await beacon.getValidators(created)).values()].find((v) => v.status === 'active_ongoing');
    assert.ok(remaining, 'no active validator left');
    const [wrongKey] = await deriveSigningKeys(
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      [99],
    );
    try {
      const forged = await signVoluntaryExit({
        secretKey: wrongKey.secretKey,
        validatorIndex: remaining.index,
        epoch: chain.currentEpoch,
        forkSchedule: chain.forkSchedule,
        genesisValidatorsRoot: chain.genesisValidatorsRoot,
      });
      await assert.rejects(
        beacon.submitVoluntaryExit(forged),
        (err: Error) => err.name === 'VoluntaryExitRejectedError' && /INVALID_SIGNATURE/.test(err.message),
      );
    } finally {
      wipeKeys([wrongKey]);
    }
  });

  it('no workflow history and no line of the worker log holds the mnemonic, the salt or a key', async () => {
    await net.client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(admin)))
      .signal(pauseSignal, { reason: 'test over' });
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(net.workerLog, 'utf8');
    const mnemonic = await net.vault.readMnemonic(admin);
    const secrets = [
      { label: 'the mnemonic', value: mnemonic },
      { label: 'the salt', value: net.salt },
      { label: 'the bot key', value: net.botKey.slice(2) },
    ];
    for (const { label, value } of secrets) assert.ok(!log.includes(value), `the worker log holds ${label}`);
    // Every payload decoded, every memo and search attribute read (test/harness/secret-scan.ts).
    const scanned = await exportDecoded(net.client, '');
    assert.deepEqual(findSecrets(scanned, secrets), []);
    assert.ok(
      scanned.some((e) => e.workflowType === 'exitValidatorsWorkflow'),
      'no exit batch history found',
    );
  });
});
