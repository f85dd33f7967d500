// Limit change → first deposit mined (issue 15, item 4 "Reaction"), on the real parts: Temporal dev
// server, anvil with 1-second blocks, moto, the worker process, the chain watcher and one rollup's
// monitor, and a Lodestar beacon chain whose genesis holds the rollup's first keys (so that they
// can exit). The rollup starts at its limit (nothing to create); each run raises the staking limit
// just enough for one more validator and times the first deposit mined after it, in blocks and
// seconds. Scenario "idle": nothing else going on. Scenario "exit in flight": each run first lowers
// the limit so that one validator exits, waits until Nexus records that exit, then raises the
// limit: the exit batch is still following its validator (withdrawability is 256 epochs away, so
// no exit ends during the bench and no returning ETH starts a creation of its own).
// Each scenario runs with the watcher following heads by newHeads subscription (chain.wsUrl, as
// the local network configures it) and, as "before", by polling eth_blockNumber (no chain.wsUrl,
// chain.headPollIntervalMs default 1000 ms); the worker is restarted between the two, in A-B-B-A
// order so that both modes see as many exit batches in flight on average.
// Run: npx tsx bench/limit-reaction.ts [runs=10] [--idle-only]
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { nexusInterface } from '../activities/chain/abi';
import { readRollupState } from '../activities/chain/rollup-reads';
import { chainWatcherWorkflow } from '../workflows/chain-watcher';
import { monitorWorkflowId } from '../workflows/ids';
import { monitorStatusQuery, type MonitorStatus } from '../protocol/messages';
import { maxDepositsWithinLimit, planExits } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { devWallet, ETH, startCreationNetwork, type CreationNetwork } from '../test/harness/creation-network';
import type { ServiceProcess } from '../localnet/services/process';
import { reactionBreakdown, STEPS, type Breakdown } from './limit-reaction-histories';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';

const IDLE_ONLY = process.argv.includes('--idle-only');
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 30) {
  console.error('usage: npx tsx bench/limit-reaction.ts [runs=10 (1..30)] [--idle-only]');
  process.exit(2);
}
const TASK_QUEUE = 'nexus-bot-limit-reaction';
const WATCHER_ID = 'limit-reaction-watcher';
const FUNDING = 5000n * ETH;
/** Every exit run exits one genesis key (two modes × RUNS), plus spares. */
const GENESIS_KEYS = IDLE_ONLY ? 2 : 2 * RUNS + 2;
/** The localnet's monitor and watcher settings (localnet/start.ts): the watcher, not the monitor's poll, must bring the change. */
const MONITOR_POLL = '30 seconds';
const WATCHER_MAX_WAIT = '30 seconds';

type Mode = 'subscription' | 'polling';
interface Run {
  scenario: string;
  mode: Mode;
  blocks: number;
  wallS: number;
  stampS: number;
  exitsInFlight: number;
  steps: Breakdown;
}

let net: CreationNetwork | undefined;
let worker: ServiceProcess | undefined;
const firstSeen = new Map<number, number>();
let observing = true;

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** When the bench first saw each block (eth_blockNumber every 50 ms): the wall clock of "mined". */
async function observeBlocks(provider: ethers.JsonRpcProvider): Promise<void> {
  while (observing) {
    const head = await provider.getBlockNumber().catch(() => undefined);
    if (head !== undefined && !firstSeen.has(head)) firstSeen.set(head, Date.now());
    await sleep(50);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

async function main(): Promise<void> {
  console.log(
    `limit change → first deposit mined (node ${process.version}; ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores); ${RUNS} runs per scenario and mode`,
  );
  const t = Date.now();
  net = await startCreationNetwork({
    rollups: [{ account: 2, name: 'reaction', funding: FUNDING, limit: 0 }],
    taskQueue: TASK_QUEUE,
    // 2-s slots and withdrawability 256 epochs away: exits stay in flight for the whole bench.
    beacon: {
      keysPerRollup: GENESIS_KEYS,
      secondsPerSlot: 2,
      minValidatorWithdrawabilityDelay: 256,
      readyTimeoutMs: 300_000,
    },
  });
  const n = net;
  const [rollup] = n.rollups;
  const observer = observeBlocks(new ethers.JsonRpcProvider(n.anvil.rpcUrl, n.anvil.chainId, { staticNetwork: true }));
  const nexus = new ethers.Contract(
    n.system.addresses.nexus,
    ['function changeStakingLimit(uint16)'],
    devWallet(2, n.provider),
  );
  const monitor = n.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(rollup.admin)));
  const status = (): Promise<MonitorStatus> => monitor.query(monitorStatusQuery);
  const state = async () => {
    const s = await readRollupState(n.provider, n.system.addresses.nexus, rollup.admin);
    return {
      bridgeBalanceWei: BigInt(s.bridgeBalanceWei),
      validatorCount: BigInt(s.validatorCount),
      stakingLimitBps: asBasisPoints(s.stakingLimit),
    };
  };
  const events = async (name: string, fromBlock = 0) =>
    n.provider.getLogs({
      address: n.system.addresses.nexus,
      topics: [nexusInterface.getEvent(name)?.topicHash as string],
      fromBlock,
    });
  const setLimit = async (bps: number) => (await (await nexus.changeStakingLimit(bps)).wait())?.blockNumber as number;
  const idle = (what: string) =>
    until(what, 300_000, async () => {
      const s = await status();
      return s.phase === 'idle' && !s.inFlight ? s : undefined;
    });

  /** Smallest limit at which exactly one more validator fits (the exiting ones counted as gone). */
  const raiseFor = async (exiting: bigint) => {
    const s = await state();
    // Nothing to create before the raise, or a creation would already be under way.
    if (maxDepositsWithinLimit(s, exiting) !== 0n)
      throw new Error(
        `the rollup is not at its limit before the raise (${s.stakingLimitBps} bps, ${s.validatorCount} validators, ${exiting} exiting)`,
      );
    for (let bps = s.stakingLimitBps + 1; bps <= 10_000; bps++) {
      const fits = maxDepositsWithinLimit({ ...s, stakingLimitBps: asBasisPoints(bps) }, exiting);
      if (fits === 1n) return bps;
      if (fits > 1n) throw new Error(`no limit allows exactly one more validator (at ${bps} bps: ${fits})`);
    }
    throw new Error('no limit allows one more validator: the bridge is out of ETH');
  };

  // Setup on automine: GENESIS_KEYS validators created (keys 0.. on the beacon chain), then 1-s blocks.
  await n.startWorker();
  await n.client.workflow.start(rollupMonitorWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: monitorWorkflowId(asRollupAdmin(rollup.admin)),
    args: [
      {
        rollupAdmin: asRollupAdmin(rollup.admin),
        keyPath: 'mnemonic',
        pollInterval: MONITOR_POLL,
        maxBatch: 10,
        exitPollInterval: { min: '4 seconds', max: '1 minute' },
      },
    ],
  });
  let fitsAll = 0;
  for (let bps = 1; bps <= 10_000 && fitsAll === 0; bps++) {
    if (
      maxDepositsWithinLimit({ bridgeBalanceWei: FUNDING, validatorCount: 0n, stakingLimitBps: asBasisPoints(bps) }) >=
      BigInt(GENESIS_KEYS)
    )
      fitsAll = bps;
  }
  await setLimit(fitsAll);
  await n.client.workflow
    .getHandle(monitorWorkflowId(asRollupAdmin(rollup.admin)))
    .signal('wake', { reason: 'bench setup' });
  await until(
    `${GENESIS_KEYS} validators created`,
    600_000,
    async () =>
      (await status()).validatorsCreated >= GENESIS_KEYS && (await status()).phase === 'idle' ? true : undefined,
    500,
  );
  await n.provider.send('evm_setAutomine', [false]);
  await n.provider.send('evm_setIntervalMining', [1]);
  console.log(
    `setup: network, ${GENESIS_KEYS} validators at limit ${fitsAll} bps, 1-s blocks, in ${((Date.now() - t) / 1000).toFixed(0)} s`,
  );

  const useMode = async (mode: Mode) => {
    await n.client.workflow
      .getHandle(WATCHER_ID)
      .terminate('switching mode')
      .catch(() => undefined);
    await worker?.stop();
    const chain = {
      ...(n.workerConfig.chain as object),
      blockTimeSeconds: 1,
      ...(mode === 'subscription' ? { wsUrl: n.anvil.wsUrl } : {}),
    };
    worker = await n.startWorker({ config: { chain } });
    await n.client.workflow.start(chainWatcherWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: WATCHER_ID,
      args: [{ pollInterval: WATCHER_MAX_WAIT }],
    });
    // The watcher has looked once (it now waits for the next block) and the monitor is idle.
    await until(
      "the watcher's first look",
      60_000,
      async () =>
        ((await n.client.workflow.getHandle(WATCHER_ID).fetchHistory()).events ?? []).some(
          (e) => e.activityTaskCompletedEventAttributes,
        )
          ? true
          : undefined,
      200,
    );
    await idle('the monitor idle');
  };

  /** One reaction: raise the limit just after a block, time the first deposit mined after it. */
  const react = async (scenario: string, mode: Mode, exiting: bigint): Promise<Run> => {
    const before = await idle('the monitor idle before the raise');
    const bps = await raiseFor(exiting);
    const head = await n.provider.getBlockNumber();
    await until('a new block', 10_000, async () => ((await n.provider.getBlockNumber()) > head ? true : undefined), 20);
    const limitBlock = await setLimit(bps);
    const deposit = await until(
      'the first deposit after the raise',
      120_000,
      async () => (await events('ValidatorSubmitted', limitBlock))[0],
      100,
    );
    const exitsInFlight = (await status()).exitsInFlight.length;
    await until(
      'the creation done',
      300_000,
      async () => {
        const s = await status();
        return s.validatorsCreated > before.validatorsCreated && s.phase === 'idle' && !s.inFlight ? true : undefined;
      },
      200,
    );
    const [lb, db] = await Promise.all([n.provider.getBlock(limitBlock), n.provider.getBlock(deposit.blockNumber)]);
    const t0 = firstSeen.get(limitBlock) ?? NaN;
    const seen = firstSeen.get(deposit.blockNumber) ?? NaN;
    const steps = await reactionBreakdown(n.client, {
      admin: rollup.admin,
      watcherId: WATCHER_ID,
      limitBlock,
      t0,
      depositSeenAt: seen,
    });
    const run: Run = {
      scenario,
      mode,
      blocks: deposit.blockNumber - limitBlock,
      wallS: (seen - t0) / 1000,
      stampS: (db?.timestamp ?? NaN) - (lb?.timestamp ?? NaN),
      exitsInFlight,
      steps,
    };
    console.log(
      `  ${scenario} / ${mode}: limit ${bps} bps in block ${limitBlock}, deposit in block ${deposit.blockNumber}: ${run.blocks} blocks, ${f(run.wallS)} s (timestamps ${run.stampS} s); exit batches in flight at the deposit: ${exitsInFlight}; load ${loadavg()[0].toFixed(2)}`,
    );
    console.log(
      `    ms: ${STEPS.map((st) => `${st} ${f(steps[st], 0)}`).join(' · ')}; monitor activities wake → child: ${steps.planningActivities ?? '-'}`,
    );
    return run;
  };

  /** Lower the limit so that one more validator exits; wait until Nexus records the exit. */
  const startOneExit = async () => {
    const s = await state();
    const inFlight = (await status()).validators.exiting;
    let bps = s.stakingLimitBps - 1;
    for (; bps >= 0; bps--)
      if (planExits({ ...s, stakingLimitBps: asBasisPoints(bps), exiting: inFlight, maxBatch: 50 }).toExit >= 1) break;
    const submitted = (await events('ValidatorExitSubmitted')).length;
    await setLimit(bps);
    await until(
      'the exit recorded by Nexus',
      180_000,
      async () => ((await events('ValidatorExitSubmitted')).length > submitted ? true : undefined),
      250,
    );
    const exited = (await events('ValidatorExited')).length;
    return BigInt(submitted + 1 - exited);
  };

  const runs: Run[] = [];
  const scenarios: { name: string; exits: boolean }[] = [
    { name: 'idle', exits: false },
    ...(IDLE_ONLY ? [] : [{ name: 'exit in flight', exits: true }]),
  ];
  // Per scenario the modes in A-B-B-A order (half the subscription runs, the polling runs, the
  // other half): the exit batches in flight grow by one a run, and both modes see as many on average.
  const first = Math.ceil(RUNS / 2);
  const order: [Mode, number][] = [
    ['subscription', first],
    ['polling', RUNS],
    ['subscription', RUNS - first],
  ];
  for (const sc of scenarios) {
    for (const [mode, count] of order) {
      if (count === 0) continue;
      await useMode(mode);
      for (let i = 0; i < count; i++) {
        const exiting = sc.exits ? await startOneExit() : 0n;
        runs.push(await react(sc.name, mode, exiting));
      }
    }
  }

  console.log(
    '\nlimit change → first deposit mined, 1-s blocks (wall: first sight of the deposit block − first sight of the limit block, 50-ms polling)',
  );
  console.log(
    'scenario        mode           runs  blocks med/min/max   wall s med/min/max     timestamps s med   ≤ 2 blocks + 1 s (3 s)?',
  );
  for (const sc of scenarios) {
    for (const mode of ['subscription', 'polling'] as Mode[]) {
      const rs = runs.filter((r) => r.scenario === sc.name && r.mode === mode);
      const b = rs.map((r) => r.blocks);
      const w = rs.map((r) => r.wallS);
      console.log(
        `${sc.name.padEnd(16)}${mode.padEnd(15)}${String(rs.length).padStart(4)}  ${`${median(b)} / ${Math.min(...b)} / ${Math.max(...b)}`.padEnd(19)}  ${`${f(median(w))} / ${f(Math.min(...w))} / ${f(Math.max(...w))}`.padEnd(21)}  ${f(median(rs.map((r) => r.stampS)), 1).padStart(16)}   ${median(w) <= 3 ? 'yes' : 'NO'}`,
      );
    }
  }
  console.log('\nwhere the time goes: median ms after the limit block was first seen (Temporal event times)');
  console.log(
    `${'step'.padEnd(26)}${scenarios.flatMap((sc) => (['subscription', 'polling'] as Mode[]).map((m) => `${sc.name}/${m}`.padStart(28))).join('')}`,
  );
  for (const step of STEPS) {
    const cells = scenarios.flatMap((sc) =>
      (['subscription', 'polling'] as Mode[]).map((m) => {
        const xs = runs
          .filter((r) => r.scenario === sc.name && r.mode === m)
          .map((r) => r.steps[step])
          .filter((x): x is number => x !== undefined);
        return `${f(median(xs), 0)} (${xs.length})`.padStart(28);
      }),
    );
    console.log(`${step.padEnd(26)}${cells.join('')}`);
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  observing = false;
  await observer;
}

async function stop(): Promise<void> {
  observing = false;
  const n = net;
  net = undefined;
  await worker?.stop().catch(() => undefined);
  await n?.stop();
}

process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
process.once('SIGTERM', () => void stop().finally(() => process.exit(143)));
main().then(stop, async (err: unknown) => {
  console.error(err);
  await stop().catch(() => undefined);
  process.exit(1);
});
