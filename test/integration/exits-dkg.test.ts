// The DKG exit path on the real parts (Temporal dev server, anvil with our contracts, moto, the
// worker process, started without the salt for the DKG part, a Lodestar beacon node behind a
// recording proxy, the withdrawal stand-in). For DKG
// keys the bot never signs an exit: Nexus.validatorExit asks SSVNetwork to exit them, and the
// cluster's operators sign and broadcast on SSVNetwork's ValidatorExited event.
//
// What is not real here, and why: ssv-dkg cannot be installed from this machine's registries (the Go
// module proxy refuses it), so the rollup's validators are made on the mnemonic path and the monitor
// is then run with keyPath 'dkg', which takes every exit through the DKG route; and the SSV
// operators' exit duty is stood in by test/harness/ssv-exit-stand-in.ts, which signs on the event
// with the whole key (real operators sign with their shares).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { SSV_NETWORK_V1_ABI, nexusInterface } from '../../activities/chain/abi';
import { readValidatorStatuses } from '../../activities/chain/reads';
import { deriveSigningKeys, wipeKeys, type DerivedSigningKey } from '../../activities/keys/derivation';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { startSsvExitStandIn, type SsvExitStandIn } from '../harness/ssv-exit-stand-in';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

describe('exits end to end, DKG key path (Temporal + anvil + moto + Lodestar + worker process; SSV operators stood in)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let admin: string;
  let keys: DerivedSigningKey[] = [];
  let operators: SsvExitStandIn | undefined;
  const monitor = () => net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin)));
  const nexusEvents = async (name: string) => {
    const event = nexusInterface.getEvent(name);
    const logs = await net.provider.getLogs({
      address: net.system.addresses.nexus,
      topics: [event?.topicHash as string],
      fromBlock: 0,
    });
    return logs.map((l) => (nexusInterface.parseLog(l)?.args.pubKey as string).toLowerCase());
  };
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

  before(async () => {
    net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'exit-dkg', funding: 640n * ETH, limit: 2000 }],
      taskQueue: 'exits-dkg',
      beacon: { keysPerRollup: 8, recordExits: true },
    });
    admin = net.rollups[0].admin;
    const saltedWorker = await net.startWorker();
    const args = {
      rollupAdmin: asRollupAdmin(admin),
      pollInterval: '2 seconds',
      exitPollInterval: { min: '2 seconds', max: '20 seconds' },
    };
    // The keys are made on the mnemonic path (ssv-dkg cannot run here) …
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [{ ...args, keyPath: 'mnemonic' }],
    });
    await until('the creation', 120_000, async () => {
      const st = await monitor().query(monitorStatusQuery);
      return st.validatorsCreated === 4 && st.phase === 'idle' ? st : undefined;
    });
    await monitor().terminate('the keys exist: run the rollup on the DKG path from here on');
    // DKG exits need no salt: from here on the worker is one started without it (locked, as
    // systemd starts it), and nobody unlocks it.
    await saltedWorker.stop();
    await net.startWorker({
      salt: null,
      config: {
        keys: { ...(net.workerConfig.keys as object), saltFromStdin: false },
        unlock: { socketPath: join(net.dir, 'run', 'unlock.sock') },
      },
    });
    // DKG keys have no mnemonic index the bot could sign with: forget the recorded ones, so that
    // every key is exited by its SSV operators only (a recorded key would also be exited by the
    // bot's own signed exit, the mnemonic path's second way).
    rmSync(join(net.dir, 'key-indices'), { recursive: true, force: true });
    // … and from here on the rollup's monitor runs them as DKG keys.
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [{ ...args, keyPath: 'dkg' }],
    });

    keys = await deriveSigningKeys(await net.vault.readMnemonic(admin), [0, 1, 2, 3]);
    operators = startSsvExitStandIn({
      provider: net.provider,
      ssvNetwork: net.system.addresses.ssvNetwork,
      owner: net.system.addresses.nexus,
      beaconUrl: (net.beacon as NonNullable<CreationNetwork['beacon']>).url,
      secretKeys: new Map(keys.map((k) => [k.pubkeyHex, k.secretKey])),
    });
  });

  after(async () => {
    await operators?.stop();
    wipeKeys(keys);
    await monitor()
      .terminate('test over')
      .catch(() => undefined);
    await net?.stop();
  });

  it('a lower limit exits exactly the required validators through Nexus and SSV (the bot broadcasts nothing), each recorded and accounted once', async () => {
    const bridge = new ethers.Contract(
      net.rollups[0].bridge,
      ['function validatorCount() view returns (uint256)'],
      net.provider,
    );
    const count = (await bridge.validatorCount()) as bigint;
    const expected = planExits({
      bridgeBalanceWei: await net.provider.getBalance(net.rollups[0].bridge),
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

    const submitted = await until('the exits in Nexus', 60_000, async () => {
      const k = await nexusEvents('ValidatorExitSubmitted');
      return k.length >= expected ? k : undefined;
    });
    console.log(
      `      limit change → ${expected} DKG exits recorded by Nexus: ${((Date.now() - changedAt) / 1000).toFixed(1)} s`,
    );
    assert.equal(new Set(submitted).size, expected);

    // SSVNetwork told the cluster's operators (1-4) to exit exactly those keys, once each.
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    const ssvExits = (await ssv.queryFilter(
      ssv.filters.ValidatorExited(net.system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    assert.deepEqual(ssvExits.map((e) => (e.args.publicKey as string).toLowerCase()).sort(), [...submitted].sort());
    for (const e of ssvExits) assert.deepEqual((e.args.operatorIds as bigint[]).map(Number), [1, 2, 3, 4]);

    const accounted = await until('each exit accounted', 240_000, async () => {
      const k = await nexusEvents('ValidatorExited');
      return k.length >= expected ? k : undefined;
    });
    console.log(`      limit change → balances back and accounted: ${((Date.now() - changedAt) / 1000).toFixed(1)} s`);
    assert.match(
      readFileSync(net.workerLog, 'utf8'),
      /locked: waiting for the salt/,
      'the worker that ran the exits was not the locked one',
    );
    await sleep(8_000); // a few more polls: nothing more happens
    assert.deepEqual([...(await nexusEvents('ValidatorExited'))].sort(), [...accounted].sort());
    assert.deepEqual(
      [...accounted].sort(),
      [...submitted].sort(),
      'validatorExitBalanceTransferred not exactly once per exited validator',
    );
    assert.equal((await nexusEvents('ValidatorExitSubmitted')).length, expected, 'more exits after the limit was met');

    // The operators' exits were accepted; the bot itself broadcast nothing.
    assert.deepEqual(
      operators?.exits().map((e) => e.outcome),
      Array(expected).fill('accepted'),
    );
    assert.deepEqual(net.beaconRecorder?.exits(), [], 'the bot broadcast an exit for a DKG key');
    assert.equal(await bridge.validatorCount(), count - BigInt(expected));
    const { statuses } = await readValidatorStatuses(
      net.provider,
      net.system.addresses.nexus,
      keys.map((k) => k.pubkeyHex),
    );
    assert.equal(statuses.filter((s) => s.status === 'VALIDATOR_EXITED').length, expected);
    const status = await until('the monitor to count the exits', 30_000, async () => {
      const st = await monitor().query(monitorStatusQuery);
      return st.validatorsExited === expected ? st : undefined;
    });
    assert.deepEqual(status.exitsInFlight, []);
    assert.equal(status.keyPath, 'dkg');
  });
});
