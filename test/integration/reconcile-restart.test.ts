// Reconciliation on the real parts (Temporal dev server, anvil with our contracts, moto, the worker
// as its own process): a creation's deposit is mined, then the worker dies and an operator stops
// the rollup (monitor and creation batch terminated) before any keyshares are registered. Those
// validators' 32 ETH sit deposited, known to no workflow. The monitor started again finds them on
// the chain and registers them, once each, in owner-nonce order; the creation goes on.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork, type RollupSpec } from '../harness/creation-network';
import { checkCommonInvariants } from '../harness/crash-run';
import { BLOCK_TIME, CrashWatcher, describeSnapshot, workerLogTail } from '../harness/crash-watcher';
import { asRollupAdmin } from '../../protocol/identifiers';

const ROLLUP: RollupSpec = { account: 2, name: 'rollup-reconcile', funding: 640n * ETH, limit: 5000 };
const TASK_QUEUE = 'nexus-bot-reconcile';
const DEADLINE_MS = 240_000;

describe('reconciliation: a rollup stopped and started with deposited keys not registered (Temporal + anvil + moto + worker process)', function () {
  this.timeout(480_000);
  let net: CreationNetwork;

  before(async function () {
    net = await startCreationNetwork({ rollups: [ROLLUP], blockTime: BLOCK_TIME, taskQueue: TASK_QUEUE });
  });
  after(async function () {
    await net?.stop();
  });

  it('the restarted monitor finds the deposited keys on chain and registers each once, in owner-nonce order; nothing is deposited twice', async () => {
    const admin = net.rollups[0].admin;
    const watcher = new CrashWatcher(net, 'mnemonic', () => false);
    const total = watcher.total();
    const startMonitor = () =>
      net.client.workflow.start(rollupMonitorWorkflow, {
        taskQueue: net.taskQueue,
        workflowId: monitorWorkflowId(asRollupAdmin(admin)),
        args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '2 seconds', maxBatch: 5 }],
      });

    const first = await net.startWorker();
    const monitor = await startMonitor();
    const seen = await watcher.waitAndFreeze('after-deposit-mined');
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    // The operator stops the rollup: the batch holding the deposited keys is gone with its memory.
    await monitor.terminate('operator: stop');
    await net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admin))).terminate('operator: stop');
    await watcher.resumeMining();

    await net.startWorker();
    const again = await startMonitor();
    let status: MonitorStatus | undefined;
    let found: MonitorStatus['reconciliation'];
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      status = await again.query(monitorStatusQuery).catch(() => status);
      if (status?.reconciliation?.differences.some((d) => /deposited key\(s\) without keyshares/.test(d)))
        found = status.reconciliation;
      const snap = await watcher.snapshot();
      const registered = snap.batches.reduce((n, b) => n + b.registered, 0);
      if (registered >= total && status?.phase === 'idle') break;
      if (Date.now() > deadline) {
        assert.fail(
          `not complete ${DEADLINE_MS / 1000} s after the restart (killed at: ${seen}): ${JSON.stringify(status)}\n${describeSnapshot(snap)}\n${workerLogTail(net)}`,
        );
      }
      await sleep(500);
    }
    assert.ok(
      found,
      `the restarted monitor never reported the deposited keys it found: ${JSON.stringify(status?.reconciliation)}`,
    );
    assert.match(found.actions.join('\n'), /mnemonic key\(s\) queued for keyshares registration/);
    // One deposit per key, each key registered exactly once, the i-th ValidatorAdded signed for nonce i.
    await checkCommonInvariants(net, total);
  });
});
