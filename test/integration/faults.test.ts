// Faults on the real parts (Temporal dev server with its state in SQLite, anvil with our contracts,
// moto, a Lodestar beacon node, the worker as its own process), one network for the suite, one
// rollup taken through three faults in turn:
//   1. the chain RPC down for a minute while a creation batch deposits or registers;
//   2. the Temporal dev server restarted (same port, same SQLite file) in the middle of a creation;
//   3. the chain RPC down for a minute while an exit batch notifies Nexus or follows its validators.
// After each, the work must complete with nothing lost or repeated: one deposit per key, each key
// registered once and signed for its owner nonce (crash-run.ts's checks), each exit broadcast,
// submitted and accounted once. The worker reaches the chain through a proxy the test switches off
// (test/harness/rpc-switch.ts); the test reads the chain directly.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { nexusInterface } from '../../activities/chain/abi';
import { readTxJournalRecords, type TxRecord } from '../../activities/chain/tx-manager';
import type { ServiceProcess } from '../../localnet/services/process';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import { maxDepositsWithinLimit, planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { checkCommonInvariants } from '../harness/crash-run';
import { workerLogTail } from '../harness/crash-watcher';
import {
  ETH,
  devWallet,
  startCreationNetwork,
  type CreationNetwork,
  type RollupSpec,
} from '../harness/creation-network';
import { startRpcSwitch, type RpcSwitch } from '../harness/rpc-switch';
import { withCreationPhase } from '../../client/creation-phase';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

/** 640 ETH: a limit of 10 % stakes 2 validators; 20 % then stakes more, and 10 % again exits some (planning.ts says how many). */
const ROLLUP: RollupSpec = { account: 2, name: 'rollup-faults', funding: 640n * ETH, limit: 1000 };
const OUTAGE_MS = 60_000;
const PHASE_DEADLINE_MS = 180_000;
/** After a fault the worker's activities back off (up to a minute between attempts) before going on. */
const COMPLETION_DEADLINE_MS = 300_000;

const lower = (hex: string) => hex.toLowerCase();

function journal(net: CreationNetwork): TxRecord[] {
  try {
    return readTxJournalRecords(join(net.dir, 'tx-journal.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function nexusEvents(net: CreationNetwork, name: string): Promise<string[]> {
  const event = nexusInterface.getEvent(name);
  const logs = await net.provider.getLogs({
    address: net.system.addresses.nexus,
    topics: [event?.topicHash as string],
    fromBlock: 0,
  });
  return logs.map((l) => lower(nexusInterface.parseLog(l)?.args.pubKey as string));
}

describe('faults on the real parts: chain RPC down for a minute, Temporal restarted (one network, Temporal + anvil + moto + Lodestar + worker process)', function () {
  this.timeout(600_000);
  let net: CreationNetwork;
  let rpc: RpcSwitch;
  let worker: ServiceProcess;
  let admin: string;
  let created = 0;
  const workerConfig = () => ({
    chain: { ...(net.workerConfig.chain as Record<string, unknown>), rpcUrls: [rpc.url] },
  });
  // With the creation's phase, which a mnemonic batch no longer signals (issue 15 item 3): from the batch, as `nexus-bot status` shows it.
  const monitorStatus = () =>
    net.client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(admin)))
      .query(monitorStatusQuery)
      .then((s) => withCreationPhase(net.client, s))
      .catch(() => undefined);
  const setLimit = async (bps: number) => {
    const nexusAsAdmin = new ethers.Contract(
      net.system.addresses.nexus,
      ['function changeStakingLimit(uint16)'],
      devWallet(ROLLUP.account, net.provider),
    );
    await (await nexusAsAdmin.changeStakingLimit(bps)).wait();
  };

  async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${deadlineMs / 1000} s waiting for ${what}: ${JSON.stringify(await monitorStatus())}\n${workerLogTail(net)}`,
        );
      await sleep(100);
    }
  }

  /** The RPC off for OUTAGE_MS; what the monitor's status and the batch's pending activities showed meanwhile. */
  async function outage(batchId: string): Promise<{ lastErrors: string[]; activityFailures: string[] }> {
    rpc.down();
    const lastErrors = new Set<string>();
    const activityFailures = new Set<string>();
    const end = Date.now() + OUTAGE_MS;
    while (Date.now() < end) {
      const status = await monitorStatus();
      if (status?.lastError) lastErrors.add(status.lastError.slice(0, 160));
      const description = await net.client.workflow
        .getHandle(batchId)
        .describe()
        .catch(() => undefined);
      for (const a of description?.raw.pendingActivities ?? []) {
        if ((a.attempt ?? 0) > 1 && a.lastFailure?.message)
          activityFailures.add(`${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure.message.slice(0, 160)}`);
      }
      await sleep(2_000);
    }
    rpc.up();
    return { lastErrors: [...lastErrors], activityFailures: [...activityFailures] };
  }

  before(async function () {
    this.timeout(240_000);
    net = await startCreationNetwork({
      rollups: [ROLLUP],
      blockTime: 2,
      taskQueue: 'nexus-bot-faults',
      temporalDbFile: true,
      beacon: { keysPerRollup: 8, recordExits: true },
    });
    rpc = await startRpcSwitch(net.anvil.rpcUrl);
    admin = net.rollups[0].admin;
    worker = await net.startWorker({ config: workerConfig() });
    await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath: 'mnemonic',
          pollInterval: '2 seconds',
          maxBatch: 1,
          exitPollInterval: { min: '2 seconds', max: '20 seconds' },
        },
      ],
    });
  });

  after(async function () {
    this.timeout(120_000);
    await rpc?.stop();
    await net?.stop();
  });

  it('creation: the chain RPC down for a minute while a batch deposits or registers; the creation completes, no deposit or registration lost or repeated', async () => {
    const phase = await until('a batch depositing or registering', PHASE_DEADLINE_MS, async () => {
      const p = (await monitorStatus())?.inFlight?.phase;
      return p === 'depositing' || p === 'registering' ? p : undefined;
    });
    const seen = await outage(creationWorkflowId(asRollupAdmin(admin)));
    console.log(
      `      RPC down during ${phase}: ${rpc.dropped} connections dropped; batch activities retrying: ${seen.activityFailures.join(' | ') || 'none'}; monitor lastError: ${seen.lastErrors.join(' | ') || 'none'}`,
    );
    assert.ok(rpc.dropped > 0, 'the worker never tried the RPC while it was down');
    assert.ok(seen.activityFailures.length > 0, 'the outage did not show: no activity of the batch was retrying');

    await until('2 validators created', COMPLETION_DEADLINE_MS, async () => {
      const st = await monitorStatus();
      return st && st.validatorsCreated === 2 && st.phase === 'idle' ? st : undefined;
    });
    await checkCommonInvariants(net, 2);
    created = 2;
  });

  it('creation: the Temporal dev server restarted (same port and SQLite file) in the middle of a creation; the worker goes on, nothing lost or repeated', async () => {
    const bridgeBalance = () => net.provider.getBalance(net.rollups[0].bridge);
    // The bridge's own rule (planning.ts mirrors it): how many more the raised limit lets in.
    const total =
      2 +
      Number(
        maxDepositsWithinLimit({
          bridgeBalanceWei: await bridgeBalance(),
          validatorCount: 2n,
          stakingLimitBps: asBasisPoints(2000),
        }),
      );
    assert.ok(total >= 4, `the raised limit must need at least two more batches (plans ${total})`);
    await setLimit(2000);
    const before = await until('the second creation under way', PHASE_DEADLINE_MS, async () => {
      const st = await monitorStatus();
      const p = st?.inFlight?.phase;
      return st && st.validatorsCreated >= 2 && (p === 'depositing' || p === 'registering') ? st : undefined;
    });
    let workerDied = false;
    void worker.exited.then(() => {
      workerDied = true;
    });
    await net.restartTemporal(() => sleep(5_000));
    // The SDK's worker keeps polling through the outage (core retries an unavailable server);
    // if it ever gave up and exited, a supervisor (systemd's Restart=on-failure) would start it again.
    await sleep(5_000);
    console.log(
      `      restarted with ${before.validatorsCreated} created, batch ${before.inFlight?.phase}; worker ${workerDied ? `exited (code ${await worker.exited}): restarted as a supervisor would` : 'kept running and reconnected'}`,
    );
    if (workerDied) worker = await net.startWorker({ config: workerConfig() });

    await until(`${total} validators created`, COMPLETION_DEADLINE_MS, async () => {
      const st = await monitorStatus();
      return st && st.validatorsCreated === total && st.phase === 'idle' ? st : undefined;
    });
    await checkCommonInvariants(net, total);
    created = total;
    assert.equal(workerDied, false, `the worker exited when Temporal restarted:\n${workerLogTail(net)}`);
  });

  it('exit: the chain RPC down for a minute while the batch notifies Nexus or follows; each validator broadcast, submitted and accounted once', async () => {
    const recorder = net.beaconRecorder as NonNullable<CreationNetwork['beaconRecorder']>;
    const expected = planExits({
      bridgeBalanceWei: await net.provider.getBalance(net.rollups[0].bridge),
      validatorCount: BigInt(created),
      stakingLimitBps: asBasisPoints(1000),
      exiting: 0,
      maxBatch: 50,
    }).toExit;
    assert.ok(expected >= 2, `the exit must take at least two validators (plans ${expected})`);
    await setLimit(1000);
    const batch = await until('an exit batch notifying Nexus or following', PHASE_DEADLINE_MS, async () => {
      const exit = (await monitorStatus())?.exitsInFlight.find(
        (e) => e.phase === 'notifying-nexus' || e.phase === 'following',
      );
      return exit;
    });
    const seen = await outage(batch.workflowId);
    console.log(
      `      RPC down during ${batch.phase}: ${rpc.dropped} connections dropped in all; batch activities retrying: ${seen.activityFailures.join(' | ') || 'none'}; monitor lastError: ${seen.lastErrors.join(' | ') || 'none'}`,
    );
    assert.ok(seen.activityFailures.length > 0 || seen.lastErrors.length > 0, 'the outage did not show');

    const done = await until('the exits to complete', COMPLETION_DEADLINE_MS, async () => {
      const st: MonitorStatus | undefined = await monitorStatus();
      return st && st.validatorsExited === expected && st.exitsInFlight.length === 0 ? st : undefined;
    });
    assert.equal(done.validatorsExited, expected);
    await sleep(6_000); // a few more polls: nothing more happens

    const broadcast = recorder.exits().map((e) => e.validatorIndex);
    assert.equal(
      broadcast.length,
      expected,
      `exits broadcast: ${JSON.stringify(recorder.exits())} (a duplicate broadcast, or one missing)`,
    );
    assert.equal(new Set(broadcast).size, expected, 'a validator was broadcast twice');
    const submitted = await nexusEvents(net, 'ValidatorExitSubmitted');
    assert.equal(submitted.length, expected, 'ValidatorExitSubmitted events');
    assert.equal(new Set(submitted).size, expected, 'Nexus recorded an exit twice');
    const exited = await nexusEvents(net, 'ValidatorExited');
    assert.deepEqual(
      [...exited].sort(),
      [...submitted].sort(),
      'validatorExitBalanceTransferred not exactly once per exiting validator',
    );
    const records = journal(net).filter((r) => /^(validator-exit|exit-transferred):/.test(r.idempotencyKey));
    assert.equal(
      records.length,
      2 * expected,
      `exit journal records: ${records.map((r) => `${r.idempotencyKey}=${r.status}`).join(', ')}`,
    );
    for (const r of records) assert.equal(r.status, 'mined', `${r.idempotencyKey} is ${r.status}`);
  });
});
