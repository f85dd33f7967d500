// Many rollups with two workers on one Temporal server (issue 14), on the real parts: Temporal dev
// server, anvil with our contracts, moto, a Lodestar beacon chain whose genesis holds each rollup's
// first mnemonic key, the withdrawal stand-in, and two worker processes: worker 1 with every role
// (general, chain writer, salt), worker 2 general + salt. Every rollup is funded for one validator;
// all monitors start at once (creation for all), then every limit drops to 0 (an exit for all).
// Prints the end-to-end times, which worker ran how many steps, and each worker's idle CPU and
// RSS once everything has settled. Nothing is asserted.
// `--creation-only`: no beacon chain and no exits. With exits, the beacon chain is sized for 2 cores:
// the harness's default (4 block producers per rollup key, 1-s slots) means 1,200 in-process
// validators for 100 rollups and never comes up; here one producer per rollup key, 2-s slots, and
// up to 5 minutes to start (half the validators are the rollups' keys, which nobody runs: the chain
// makes blocks in about half of its slots and does not finalise, which exits do not need).
// Run: npx tsx bench/scale-rollups.ts [rollups=100] [idleWindowSeconds=60] [--creation-only]
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { nexusInterface } from '../activities/chain/abi';
import { ANVIL_DEV_MNEMONIC } from '../localnet/services/anvil';
import { startWorkerProcess } from '../localnet/services/worker';
import { activityRole } from '../temporal-config/task-queues';
import { monitorWorkflowId } from '../workflows/ids';
import { maxDepositsWithinLimit } from '../workflows/planning';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ETH, devWallet, startCreationNetwork, type RollupSpec } from '../test/harness/creation-network';
import { stepsOnQueue, workerNameOf } from '../test/harness/worker-steps';
import { measureProcesses } from './process-usage';
import { asBasisPoints, asRollupAdmin } from '../protocol/identifiers';

const CREATION_ONLY = process.argv.includes('--creation-only');
const args = process.argv.slice(2).filter((a) => a !== '--creation-only');
const ROLLUPS = Number(args[0] ?? 100);
const IDLE_S = Number(args[1] ?? 60);
if (!Number.isInteger(ROLLUPS) || ROLLUPS < 1 || !Number.isInteger(IDLE_S) || IDLE_S < 1) {
  console.error(
    'usage: npx tsx bench/scale-rollups.ts [rollups=100 (≥ 1)] [idleWindowSeconds=60 (≥ 1)] [--creation-only]',
  );
  process.exit(2);
}
const TASK_QUEUE = 'nexus-bot-scale-bench';
// 96 ETH at 5000 bps: exactly one validator fits (maxDepositsWithinLimit, checked below).
const FUNDING = 96n * ETH;
const LIMIT = 5000;
const FIRST_ACCOUNT = 10;
/** The validator plus one spare: a deposit that reverts (concurrent sends) consumes its key index. */
const BEACON_KEYS_PER_ROLLUP = 2;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}; ${ROLLUPS} rollups, two workers`);
  const perRollup = Number(
    maxDepositsWithinLimit({ bridgeBalanceWei: FUNDING, validatorCount: 0n, stakingLimitBps: asBasisPoints(LIMIT) }),
  );
  if (perRollup !== 1)
    throw new Error(`the funding fits ${perRollup} validators per rollup, not 1: adjust FUNDING or LIMIT`);
  const rollups: RollupSpec[] = Array.from({ length: ROLLUPS }, (_, i) => ({
    account: FIRST_ACCOUNT + i,
    name: `scale-${i}`,
    funding: FUNDING,
    limit: LIMIT,
  }));
  const t0 = Date.now();
  const net = await startCreationNetwork({
    rollups,
    taskQueue: TASK_QUEUE, // Genesis holds a spare key per rollup: a retried deposit's key must be on the beacon chain too to exit.
    ...(CREATION_ONLY
      ? {}
      : {
          beacon: {
            keysPerRollup: BEACON_KEYS_PER_ROLLUP,
            interopValidators: Math.max(16, ROLLUPS * BEACON_KEYS_PER_ROLLUP),
            secondsPerSlot: 2,
            readyTimeoutMs: 300_000,
          },
        }),
    // anvil funds its first 10 dev accounts; the rollup admins from index 10 on get ETH here.
    prepareChain: async (system) => {
      const provider = system.contracts.nexus.runner?.provider as ethers.JsonRpcProvider;
      for (const r of rollups) {
        const admin = ethers.HDNodeWallet.fromPhrase(
          ANVIL_DEV_MNEMONIC,
          undefined,
          `m/44'/60'/0'/0/${r.account}`,
        ).address;
        await provider.send('anvil_setBalance', [admin, ethers.toQuantity(1000n * ETH)]);
      }
    },
  });
  try {
    console.log(`network with ${ROLLUPS} registered rollups up in ${seconds(Date.now() - t0)}`);
    // Worker 1 (named creation-worker-<time> by the harness) has every role.
    const worker1 = await net.startWorker({ config: { roles: ['general', 'writer', 'salt'] } });
    // Worker 2: never the writer; its own journal and guard index (two processes must not share them).
    const base = net.workerConfig as { transactions: Record<string, unknown>; depositGuard: Record<string, unknown> };
    const worker2 = await startWorkerProcess({
      configFile: net.writeWorkerConfig({
        roles: ['general', 'salt'],
        transactions: { ...base.transactions, journalFile: join(net.dir, 'tx-journal-worker-2.json') },
        depositGuard: { ...base.depositGuard, indexDir: join(net.dir, 'deposit-guard-worker-2') },
      }),
      workerName: 'scale-worker-2',
      temporalAddress: net.temporal.address,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      logFile: join(net.dir, 'worker-2.log'),
      salt: net.salt,
      env: net.workerEnv,
      serviceName: 'nexus-bot worker 2',
    });
    const workers = [
      { name: 'worker 1 (general, writer, salt)', pid: worker1.pid },
      { name: 'worker 2 (general, salt)', pid: worker2.pid },
    ];
    try {
      const expected = ROLLUPS * perRollup;
      const count = async (event: string) =>
        (
          await net.provider.getLogs({
            address: net.system.addresses.nexus,
            topics: [nexusInterface.getEvent(event)?.topicHash as string],
            fromBlock: 0,
          })
        ).length;
      const waitFor = async (what: string, event: string, since: number, timeoutMs: number) => {
        let lastPrint = Date.now();
        for (;;) {
          const n = await count(event);
          if (n >= expected) return Date.now() - since;
          if (Date.now() - since > timeoutMs)
            throw new Error(`${what}: ${n} of ${expected} after ${seconds(timeoutMs)}`);
          if (Date.now() - lastPrint > 15_000) {
            console.log(`  ${what}: ${n} of ${expected} after ${seconds(Date.now() - since)}`);
            lastPrint = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      };

      const created = Date.now();
      await Promise.all(
        net.rollups.map((r) =>
          net.client.workflow.start(rollupMonitorWorkflow, {
            taskQueue: TASK_QUEUE,
            workflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
            args: [
              {
                rollupAdmin: asRollupAdmin(r.admin),
                keyPath: 'mnemonic',
                pollInterval: '5 seconds',
                maxBatch: 10,
                exitPollInterval: { min: '2 seconds', max: '10 seconds' },
              },
            ],
          }),
        ),
      );
      console.log(`creation: ${ROLLUPS} monitors started in ${seconds(Date.now() - created)}`);
      const deposited = await waitFor('deposited', 'ValidatorSubmitted', created, 60 * 60_000);
      console.log(`creation: ${expected} validators deposited in ${seconds(deposited)} after the monitors started`);
      const registered = await waitFor('registered (keyshares)', 'ValidatorShareSubmitted', created, 60 * 60_000);
      console.log(`creation: ${expected} validators registered in ${seconds(registered)} after the monitors started`);

      const exits = Date.now();
      if (!CREATION_ONLY)
        await Promise.all(
          rollups.map(async (r) => {
            const nexus = new ethers.Contract(
              net.system.addresses.nexus,
              ['function changeStakingLimit(uint16)'],
              devWallet(r.account, net.provider),
            );
            await (await nexus.changeStakingLimit(0)).wait();
          }),
        );
      if (!CREATION_ONLY) {
        console.log(`exits: ${ROLLUPS} limits set to 0 in ${seconds(Date.now() - exits)}`);
        const submitted = await waitFor('exits submitted to Nexus', 'ValidatorExitSubmitted', exits, 60 * 60_000);
        console.log(`exits: ${expected} exits submitted in ${seconds(submitted)} after the limits changed`);
        const done = await waitFor('exits accounted (ValidatorExited)', 'ValidatorExited', exits, 60 * 60_000);
        console.log(`exits: ${expected} validators exited and accounted in ${seconds(done)} after the limits changed`);
      }

      const steps = await stepsOnQueue(net.client, TASK_QUEUE);
      // By worker name, as the histories' ActivityTaskStarted events record it.
      for (const name of [...new Set(steps.map((s) => workerNameOf(s.worker) ?? '(not started)'))].sort()) {
        const mine = steps.filter((s) => (workerNameOf(s.worker) ?? '(not started)') === name);
        const byRole = (role: string) => mine.filter((s) => activityRole(s.activity) === role).length;
        console.log(
          `${name}: ${mine.length} activity tasks (general ${byRole('general')}, chain writer ${byRole('writer')}, salt ${byRole('salt')})`,
        );
      }

      await new Promise((resolve) => setTimeout(resolve, 15_000));
      const usage = await measureProcesses(
        workers.map((w) => w.pid),
        IDLE_S,
      );
      workers.forEach((w, i) =>
        console.log(
          `${w.name} idle after settling (${IDLE_S} s, ${ROLLUPS} monitors polling every 5 s): CPU ${usage[i].cpuPercent.toFixed(2)} % of one core, RSS mean ${usage[i].rssMeanMb.toFixed(0)} MB, max ${usage[i].rssMaxMb.toFixed(0)} MB`,
        ),
      );
    } finally {
      await worker2.stop();
    }
  } finally {
    await net.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
