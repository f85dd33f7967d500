// The worker's idle cost with many monitored rollups, on the real parts (Temporal dev server,
// anvil with our contracts, moto, the worker as its own process: test/harness/creation-network.ts).
// N rollups are registered (staking limit 0, nothing to create or exit) and each gets its monitor;
// once every monitor has made its first plan, the worker's CPU time and resident memory are read
// from /proc over a window, at the default poll interval and at a short one.
// Run: npx tsx bench/idle-rollups.ts [rollups=100] [windowSeconds=120]
import { cpus } from 'node:os';
import { ethers } from 'ethers';
import { monitorWorkflowId } from '../workflows/ids';
import { monitorStatusQuery } from '../protocol/messages';
import { rollupMonitorWorkflow } from '../workflows/rollup-monitor';
import { ANVIL_DEV_MNEMONIC } from '../localnet/services/anvil';
import { startCreationNetwork, type RollupSpec } from '../test/harness/creation-network';
import { measureProcesses, type Usage } from './process-usage';
import { asRollupAdmin } from '../protocol/identifiers';

const args = process.argv.slice(2);
const ROLLUPS = Number(args[0] ?? 100);
const WINDOW_S = Number(args[1] ?? 120);
const TASK_QUEUE = 'nexus-bot-idle-bench';
/** CPU % of one core and RSS of one process over `seconds` (bench/process-usage.ts). */
async function measure(pid: number, seconds: number): Promise<Usage> {
  const [usage] = await measureProcesses([pid], seconds);
  return usage;
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`);
  const rollups: RollupSpec[] = Array.from({ length: ROLLUPS }, (_, i) => ({
    account: 10 + i,
    name: `idle-${i}`,
    funding: 0n,
    limit: 0,
    createMnemonic: false,
  }));
  const t0 = Date.now();
  const net = await startCreationNetwork({
    rollups,
    taskQueue: TASK_QUEUE,
    // anvil funds its first 10 dev accounts; the rollup admins from index 10 on get ETH here.
    prepareChain: async (system) => {
      const provider = system.contracts.nexus.runner?.provider as ethers.JsonRpcProvider;
      for (const r of rollups) {
        const admin = ethers.HDNodeWallet.fromPhrase(
          ANVIL_DEV_MNEMONIC,
          undefined,
          `m/44'/60'/0'/0/${r.account}`,
        ).address;
        await provider.send('anvil_setBalance', [admin, ethers.toQuantity(10n ** 20n)]);
      }
    },
  });
  try {
    console.log(`network with ${ROLLUPS} registered rollups up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const worker = await net.startWorker();
    const baseline = await measure(worker.pid, 20);
    console.log(
      `worker, no monitor running (20 s):           CPU ${baseline.cpuPercent.toFixed(2)} %, RSS mean ${baseline.rssMeanMb.toFixed(0)} MB`,
    );

    for (const [label, pollInterval] of [
      ['default poll interval (5 minutes)', undefined],
      ['poll interval 30 seconds', '30 seconds'],
    ] as const) {
      const started = Date.now();
      await Promise.all(
        net.rollups.map((r) =>
          net.client.workflow.start(rollupMonitorWorkflow, {
            taskQueue: TASK_QUEUE,
            workflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
            args: [
              { rollupAdmin: asRollupAdmin(r.admin), keyPath: 'mnemonic', ...(pollInterval ? { pollInterval } : {}) },
            ],
          }),
        ),
      );
      // Every monitor has looked once (its first plan) before the window starts.
      for (const r of net.rollups) {
        for (;;) {
          const status = await net.client.workflow
            .getHandle(monitorWorkflowId(asRollupAdmin(r.admin)))
            .query(monitorStatusQuery);
          if (status.lastPlan && status.phase === 'idle') break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      console.log(
        `${ROLLUPS} monitors started and through their first plan in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      const idle = await measure(worker.pid, WINDOW_S);
      console.log(
        `worker, ${ROLLUPS} idle monitors, ${label} (${WINDOW_S} s): CPU ${idle.cpuPercent.toFixed(2)} % of one core, RSS mean ${idle.rssMeanMb.toFixed(0)} MB, max ${idle.rssMaxMb.toFixed(0)} MB`,
      );
      await Promise.all(
        net.rollups.map((r) =>
          net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(r.admin))).terminate('bench: next setting'),
        ),
      );
    }
  } finally {
    await net.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
