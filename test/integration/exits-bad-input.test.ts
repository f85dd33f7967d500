// Exits refused for bad input, at the bot level on the real parts (Temporal dev server, anvil with
// our contracts, moto, the worker process, a Lodestar beacon node behind a recording proxy):
//   - a worker configured for another beacon network (wrong genesis validators root): the monitor
//     shows BeaconNetworkMismatchError, nothing is broadcast and Nexus is told nothing;
//   - a key Nexus holds for the rollup but the rollup's index state does not (an allocation lost):
//     UnknownValidatorKeyError in the monitor's status, nothing broadcast, Nexus told nothing;
//   - once both are put right, the same exits go through, each once: nothing done before is lost
//     or repeated.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { nexusInterface } from '../../activities/chain/abi';
import type { ServiceProcess } from '../../localnet/services/process';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asRollupAdmin } from '../../protocol/identifiers';

const WRONG_ROOT = `0x${'11'.repeat(32)}`;

describe('exits refused for bad input (Temporal + anvil + moto + Lodestar + worker process)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let admin: string;
  let worker: ServiceProcess;
  const nexusEvents = async (name: string) => {
    const event = nexusInterface.getEvent(name);
    const logs = await net.provider.getLogs({
      address: net.system.addresses.nexus,
      topics: [event?.topicHash as string],
      fromBlock: 0,
    });
    return logs.map((l) => (nexusInterface.parseLog(l)?.args.pubKey as string).toLowerCase());
  };
  const monitor = () => net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin)));
  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; status ${JSON.stringify(
            await monitor()
              .query(monitorStatusQuery)
              .catch(() => undefined),
          )}`,
        );
      await sleep(500);
    }
  }
  const beaconConfig = (genesisValidatorsRoot: string) => ({
    beacon: { urls: [net.beaconRecorder?.url], genesisValidatorsRoot },
  });
  async function restartWorker(config?: Record<string, unknown>): Promise<void> {
    await worker.stop();
    worker = await net.startWorker({ config });
  }

  before(async () => {
    net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'exit-bad-input', funding: 640n * ETH, limit: 2000 }],
      taskQueue: 'exits-bad-input',
      beacon: { keysPerRollup: 8, recordExits: true },
    });
    admin = net.rollups[0].admin;
    // The creation runs with the right beacon node: the pre-deposit guard asks it whether each key is
    // known, and a node of another network cannot say (the batch fails, nothing deposited).
    worker = await net.startWorker({ config: beaconConfig(net.beacon?.genesisValidatorsRoot as string) });
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath: 'mnemonic',
          pollInterval: '2 seconds',
          exitPollInterval: { min: '2 seconds', max: '20 seconds' },
        },
      ],
    });
    await until('the creation', 120_000, async () => {
      const st = await monitor().query(monitorStatusQuery);
      return st.validatorsCreated === 4 && st.phase === 'idle' ? st : undefined;
    });
    await restartWorker(beaconConfig(WRONG_ROOT));
    const nexusAsAdmin = new ethers.Contract(
      net.system.addresses.nexus,
      ['function changeStakingLimit(uint16)'],
      devWallet(2, net.provider),
    );
    await (await nexusAsAdmin.changeStakingLimit(1000)).wait();
  });

  after(async () => {
    await monitor()
      .terminate('test over')
      .catch(() => undefined);
    await net?.stop();
  });

  it('a beacon node of another network: BeaconNetworkMismatchError in the monitor status, nothing broadcast, Nexus told nothing', async () => {
    const status = await until('the mismatch in lastError', 60_000, async () => {
      const st = await monitor().query(monitorStatusQuery);
      return st.lastError?.includes('BeaconNetworkMismatchError') ? st : undefined;
    });
    assert.match(status.lastError as string, /genesis validators root/i);
    assert.ok(status.lastError?.includes(WRONG_ROOT), `the expected root is not named: ${status.lastError}`);
    assert.equal(status.lastPlan?.toExit ?? 0, 0);
    await sleep(6_000); // a few more polls
    assert.deepEqual(net.beaconRecorder?.exits(), []);
    assert.deepEqual(await nexusEvents('ValidatorExitSubmitted'), []);
    assert.deepEqual((await monitor().query(monitorStatusQuery)).exitsInFlight, []);
  });

  it('a pubkey with no allocated key index: UnknownValidatorKeyError in the monitor status, nothing broadcast, Nexus told nothing', async () => {
    const stateFile = join(net.dir, 'key-indices', `${admin.toLowerCase()}.json`);
    const original = readFileSync(stateFile, 'utf8');
    const state = JSON.parse(original) as { allocations: unknown[] };
    writeFileSync(stateFile, JSON.stringify({ ...state, allocations: [] }));
    try {
      await restartWorker(beaconConfig(net.beacon?.genesisValidatorsRoot as string));
      const status = await until('the unknown key in lastError', 90_000, async () => {
        const st = await monitor().query(monitorStatusQuery);
        return st.lastError?.includes('UnknownValidatorKeyError') ? st : undefined;
      });
      assert.match(status.lastError as string, /are not among the 4 mnemonic key\(s\) allocated for rollup/);
      assert.match(status.lastError as string, /exit batch exit-validators\//);
      assert.deepEqual(net.beaconRecorder?.exits(), []);
      assert.deepEqual(await nexusEvents('ValidatorExitSubmitted'), []);
    } finally {
      writeFileSync(stateFile, original);
    }
  });

  it('put right, the same exits go through: each broadcast once and recorded by Nexus once', async () => {
    const submitted = await until('the exits in Nexus', 120_000, async () => {
      const keys = await nexusEvents('ValidatorExitSubmitted');
      return keys.length >= 2 ? keys : undefined;
    });
    await sleep(6_000);
    assert.equal((await nexusEvents('ValidatorExitSubmitted')).length, 2);
    assert.equal(new Set(submitted).size, 2);
    const broadcast = (net.beaconRecorder?.exits() ?? []).map((e) => e.validatorIndex);
    assert.equal(broadcast.length, 2, `broadcasts: ${JSON.stringify(net.beaconRecorder?.exits())}`);
    assert.equal(new Set(broadcast).size, 2);
  });
});
