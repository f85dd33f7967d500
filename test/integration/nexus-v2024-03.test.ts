// Nexus v2024-03 ("main") with a CValue bridge, end to end on the real parts (Temporal dev server,
// anvil with our contracts, moto, the worker process, a Lodestar beacon node behind a recording
// proxy, the withdrawal stand-in). One network for the three cases, which run in order on it:
//   1. creation: the deposits and keyshares work the same as on v2024-06;
//   2. a mnemonic exit: validatorExit(address,bytes[]) only changes statuses (no event, nothing to
//      SSV), so the bot broadcasts its own signed exits; the CValue bridge accounts an exit only once
//      getRewards() − amountDistributed() ≥ 32 ETH, with a reward distribution made in between;
//   3. a DKG exit: refused at planning (status, WARN line), nothing started, nothing waits for it.
// The DKG keys are made on the mnemonic path, as in exits-dkg.test.ts (ssv-dkg cannot run here).
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { BRIDGE_ABI, SSV_NETWORK_V1_ABI, nexusInterface } from '../../activities/chain/abi';
import { readValidatorStatuses } from '../../activities/chain/reads';
import { creditWithdrawal } from '../../contracts/deploy';
import { DKG_EXIT_BLOCKED_CODE } from '../../workflows/exit-choice';
import { monitorWorkflowId } from '../../workflows/ids';
import { exitStatusQuery, monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import { maxDepositsWithinLimit, planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { startWithdrawalStandIn, type WithdrawalStandIn } from '../../localnet/services/withdrawal-stand-in';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const FUNDING = 640n * ETH;
const LIMIT = 2000;
/**
 * Rewards distributed on the CValue bridge (twice: one distribution takes at most 32 ETH) while the
 * exits are under way: amountDistributed passes 32 ETH (less Nexus' fee), so the DAO rule
 * (getRewards() ≥ 32 ETH) would pass before any stake is back.
 */
const REWARDS_PER_DISTRIBUTION = 20n * ETH;

describe('Nexus v2024-03 with a CValue bridge: creation, a mnemonic exit, a refused DKG exit (Temporal + anvil + moto + Lodestar + worker process)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let admin: string;
  let created: string[] = [];
  let standIn: WithdrawalStandIn | undefined;
  const monitor = () => net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin)));
  const status = () => monitor().query(monitorStatusQuery);
  const bridge = () =>
    new ethers.Contract(net.rollups[0].bridge, [...BRIDGE_ABI, 'function updateCValue()'], net.provider);
  const nexusEvents = async (name: string) => {
    const event = nexusInterface.getEvent(name);
    const logs = await net.provider.getLogs({
      address: net.system.addresses.nexus,
      topics: [event?.topicHash as string],
      fromBlock: 0,
    });
    return logs.map((l) => nexusInterface.parseLog(l)?.args as ethers.Result);
  };
  const ssvEvents = async (name: 'ValidatorAdded' | 'ValidatorExited') => {
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    return (await ssv.queryFilter(ssv.filters[name](net.system.addresses.nexus), 0)) as ethers.EventLog[];
  };
  const statusesOf = async (pubkeys: string[]) =>
    (await readValidatorStatuses(net.provider, net.system.addresses.nexus, pubkeys)).statuses.map((s) => s.status);
  const exitBatches = async () => {
    let n = 0;
    for await (const wf of net.client.workflow.list()) if (wf.type === 'exitValidatorsWorkflow') n++;
    return n;
  };
  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; status ${JSON.stringify(await status().catch(() => undefined))}`,
        );
      await sleep(500);
    }
  }
  const startMonitor = (keyPath: 'mnemonic' | 'dkg') =>
    net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath,
          pollInterval: '2 seconds',
          exitPollInterval: { min: '2 seconds', max: '20 seconds' },
        },
      ],
    });
  const changeLimit = async (bps: number) => {
    const nexusAsAdmin = new ethers.Contract(
      net.system.addresses.nexus,
      ['function changeStakingLimit(uint16)'],
      devWallet(2, net.provider),
    );
    await (await nexusAsAdmin.changeStakingLimit(bps)).wait();
  };
  const exitsNeeded = async (bps: number) =>
    planExits({
      bridgeBalanceWei: await net.provider.getBalance(net.rollups[0].bridge),
      validatorCount: (await bridge().validatorCount()) as bigint,
      stakingLimitBps: asBasisPoints(bps),
      exiting: 0,
      maxBatch: 50,
    }).toExit;

  before(async () => {
    net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'v2024-03-cvalue', funding: FUNDING, limit: LIMIT }],
      taskQueue: 'nexus-v2024-03',
      nexusVersion: 'v2024-03',
      bridgeKind: 'CValue',
      beacon: { keysPerRollup: 8, recordExits: true },
    });
    admin = net.rollups[0].admin;
    await net.startWorker();
    await startMonitor('mnemonic');
  });

  after(async () => {
    await standIn?.stop();
    await net?.client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(admin)))
      .terminate('test over')
      .catch(() => undefined);
    await net?.stop();
  });

  it('creation: exactly the validators the limit allows, each SHARE_DEPOSITED, registered with SSV once, with an SSV amount', async () => {
    const expected = Number(
      maxDepositsWithinLimit({ bridgeBalanceWei: FUNDING, validatorCount: 0n, stakingLimitBps: asBasisPoints(LIMIT) }),
    );
    assert.ok(expected >= 3, `the exit cases need validators to spare (plans ${expected})`);
    await until('the creation', 120_000, async () => {
      const st = await status();
      return st.validatorsCreated === expected && st.phase === 'idle' ? st : undefined;
    });
    const shares = await nexusEvents('ValidatorShareSubmitted');
    created = shares.map((a) => (a.pubKey as string).toLowerCase());
    assert.equal(created.length, expected);
    assert.equal(new Set(created).size, expected, 'a key submitted twice');
    for (const a of shares) assert.ok((a.amount as bigint) > 0n, 'ValidatorShareSubmitted with no SSV amount');
    assert.deepEqual(await statusesOf(created), Array(expected).fill('SHARE_DEPOSITED'));
    const added = (await ssvEvents('ValidatorAdded')).map((e) => (e.args[2] as string).toLowerCase());
    assert.deepEqual([...added].sort(), [...created].sort(), 'the keys registered with SSV are not the keys created');
    assert.equal(await bridge().validatorCount(), BigInt(expected));
  });

  it('a mnemonic exit: broadcast by the bot, status only in Nexus (no event, nothing to SSV), accounted once by the CValue rule after a distribution', async () => {
    assert.ok(created.length > 0, 'no creation');
    // The harness's stand-in is held back: the ETH comes back only once the bot was seen waiting
    // for it, so that a bot applying the DAO rule would try the accounting too early (and revert).
    await net.standIn?.stop();
    const count = (await bridge().validatorCount()) as bigint;
    const expected = await exitsNeeded(1000);
    assert.equal(expected, 2);
    const changedAt = Date.now();
    await changeLimit(1000);

    const submitted = await until('the exits in Nexus', 60_000, async () => {
      const statuses = await statusesOf(created);
      const exiting = created.filter((_, i) => statuses[i] !== 'SHARE_DEPOSITED');
      return exiting.length >= expected ? exiting : undefined;
    });
    console.log(
      `      limit change → ${expected} exits submitted to Nexus v2024-03: ${((Date.now() - changedAt) / 1000).toFixed(1)} s`,
    );
    // Rewards distributed before any ETH is back: from here getRewards() ≥ 32 ETH holds already, and
    // only getRewards() − amountDistributed() tells whether an exited validator's stake returned.
    for (let i = 0; i < 2; i++) {
      await creditWithdrawal(net.provider, net.rollups[0].bridge, REWARDS_PER_DISTRIBUTION);
      await (await (bridge().connect(devWallet(3, net.provider)) as ethers.Contract).updateCValue()).wait();
    }
    assert.ok(
      (await bridge().amountDistributed()) >= 32n * ETH,
      'the distribution is too small to tell the rules apart',
    );
    assert.ok((await bridge().getRewards()) >= 32n * ETH);

    const batch = net.client.workflow.getHandle((await status()).exitsInFlight[0]?.workflowId ?? 'no exit batch');
    const waiting = await until('the exit batch to wait for the stake by the CValue rule', 180_000, async () => {
      const st = await batch.query(exitStatusQuery);
      const withdrawable =
        st.pending.length === expected && st.pending.every((p) => p.beaconStatus === 'withdrawal_possible');
      return withdrawable && /getRewards\(\) − amountDistributed\(\).*less than 32 ETH/.test(st.waiting?.reason ?? '')
        ? st
        : undefined;
    });
    assert.deepEqual(waiting.exited, []);
    standIn = await startWithdrawalStandIn({
      beaconUrl: (net.beacon as NonNullable<CreationNetwork['beacon']>).url,
      rpcUrl: net.anvil.rpcUrl,
      chainId: net.anvil.chainId,
      bridges: [net.rollups[0].bridge],
      stateFile: join(net.dir, 'stand-in.json'),
      intervalMs: 1000,
      log: (line) => appendFileSync(join(net.dir, 'stand-in.log'), `${line}\n`),
    });

    const accounted = await until('each exit accounted', 240_000, async () => {
      const k = (await nexusEvents('ValidatorExited')).map((a) => (a.pubKey as string).toLowerCase());
      return k.length >= expected ? k : undefined;
    });
    console.log(`      limit change → balances back and accounted: ${((Date.now() - changedAt) / 1000).toFixed(1)} s`);
    await sleep(8_000); // a few more polls: nothing more happens
    const exited = (await nexusEvents('ValidatorExited')).map((a) => (a.pubKey as string).toLowerCase());
    assert.deepEqual([...exited].sort(), [...accounted].sort());
    assert.deepEqual(
      [...exited].sort(),
      [...submitted].sort(),
      'validatorExitBalanceTransferred not exactly once per exited validator',
    );
    assert.equal(standIn.paid().length, expected);

    // v2024-03 tells no one: no Nexus event and no SSV exit; the bot's own exits reached the node.
    assert.deepEqual(await nexusEvents('ValidatorExitSubmitted'), [], 'v2024-03 emitted ValidatorExitSubmitted');
    assert.deepEqual(await ssvEvents('ValidatorExited'), [], 'SSVNetwork was told of an exit on v2024-03');
    const broadcast = net.beaconRecorder?.exits() ?? [];
    assert.equal(broadcast.length, expected, `the bot broadcast ${broadcast.length} exits`);
    assert.deepEqual(
      broadcast.map((e) => e.status),
      Array(expected).fill(200),
    );
    // The CValue rule was followed: no accounting was tried before the ETH was back (it would revert).
    assert.doesNotMatch(
      readFileSync(net.workerLog, 'utf8'),
      /ValidatorNotExited/,
      'validatorExitBalanceTransferred tried before the stake was back',
    );

    assert.equal(await bridge().validatorCount(), count - BigInt(expected));
    const statuses = await statusesOf(created);
    assert.equal(statuses.filter((s) => s === 'VALIDATOR_EXITED').length, expected);
    assert.equal(statuses.filter((s) => s === 'SHARE_DEPOSITED').length, created.length - expected);
    const st = await until('the monitor to count the exits', 30_000, async () => {
      const s = await status();
      return s.validatorsExited === expected ? s : undefined;
    });
    assert.deepEqual(st.exitsInFlight, []);
    assert.equal(st.exitBlocked, undefined);
  });

  it('a DKG exit is refused at planning: exitBlocked naming v2024-03, no validatorExit, no exit batch, the monitor keeps polling', async () => {
    assert.ok(created.length > 0, 'no creation');
    await monitor().terminate('the keys exist: run the rollup on the DKG path from here on');
    // Without recorded indices the bot holds no key for them: they are DKG keys now.
    rmSync(join(net.dir, 'key-indices'), { recursive: true, force: true });
    await startMonitor('dkg');
    const before = await statusesOf(created);
    const batchesBefore = await exitBatches();
    const broadcastBefore = net.beaconRecorder?.exits().length;
    const expected = await exitsNeeded(500);
    assert.ok(expected >= 1, 'the lower limit needs no exit');
    await changeLimit(500);

    const blocked = await until('the refusal in the status', 30_000, async () => {
      const st = await status();
      return st.exitBlocked ? st : undefined;
    });
    assert.equal(blocked.exitBlocked?.count, expected);
    assert.equal(blocked.exitBlocked?.code, DKG_EXIT_BLOCKED_CODE);
    assert.match(blocked.exitBlocked?.reason ?? '', /v2024-03/);
    assert.equal(blocked.keyPath, 'dkg');

    // Several polls later: still refused, plans still made, nothing sent, nothing started.
    const plans = new Set<string>();
    let last: MonitorStatus = blocked;
    for (let i = 0; i < 4; i++) {
      await sleep(2_500);
      last = await status();
      if (last.lastPlan) plans.add(last.lastPlan.at);
    }
    assert.ok(plans.size >= 2, `the monitor stopped planning: ${JSON.stringify(last)}`);
    assert.deepEqual(last.exitBlocked, blocked.exitBlocked);
    assert.deepEqual(last.exitsInFlight, []);
    assert.deepEqual(await statusesOf(created), before, 'a validatorExit was sent for a DKG key');
    assert.equal(await exitBatches(), batchesBefore, 'an exit batch was started for DKG keys');
    assert.equal(net.beaconRecorder?.exits().length, broadcastBefore, 'the bot broadcast an exit for a DKG key');
    assert.match(readFileSync(net.workerLog, 'utf8'), /exits blocked/, 'no WARN line for the refusal');
  });
});
