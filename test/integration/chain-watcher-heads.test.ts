// The chain watcher follows new blocks (issue 15, item 4): on anvil with 2-second blocks, a
// StakingLimitChanged reaches the rollup's monitor within one block of the event's block, that is
// before the chain's head passes event block + 1. Three ways of learning of new blocks, each with
// the worker as its own process on the Temporal dev server:
//   - chain.wsUrl answers: eth_subscribe newHeads (the look that found the event ended by a
//     subscription head; polling is set to once a minute, so it cannot have been polling);
//   - no chain.wsUrl: polling eth_blockNumber (no head-follower line in the log);
//   - chain.wsUrl unreachable: polling, after exactly one WARN naming the fallback.
// The monitor is a stand-in under the monitor's workflow id, on a task queue nobody polls: its
// history records each `wake` signal with the server's time. The seconds are printed, not asserted.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ethers } from 'ethers';
import type { WatchResult } from '../../activities/watch';
import { freePort, type ServiceProcess } from '../../localnet/services/process';
import { chainWatcherWorkflow } from '../../workflows/chain-watcher';
import { monitorWorkflowId } from '../../workflows/ids';
import { wakeSignal } from '../../protocol/messages';
import { devWallet, ETH, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asRollupAdmin } from '../../protocol/identifiers';

const BLOCK_SECONDS = 2;

describe('chain watcher follows new blocks (anvil, 2-second blocks, dev server)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let worker: ServiceProcess | undefined;
  /** When this test first saw each block number (polling eth_blockNumber every 50 ms). */
  const firstSeen = new Map<number, number>();
  let watching = true;
  let observer: Promise<void> | undefined;
  let limit = 1000;

  before(async () => {
    // Deployed on automine (fast), then a block every 2 seconds.
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-watcher-heads',
      rollups: [{ account: 2, name: 'heads', funding: 320n * ETH, limit: 0 }],
    });
    await net.provider.send('evm_setAutomine', [false]);
    await net.provider.send('evm_setIntervalMining', [BLOCK_SECONDS]);
    observer = (async () => {
      while (watching) {
        const head = await net.provider.getBlockNumber().catch(() => undefined);
        if (head !== undefined && !firstSeen.has(head)) firstSeen.set(head, Date.now());
        await sleep(50);
      }
    })();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  after(async () => {
    watching = false;
    await observer;
    await net?.stop();
  });

  /** The worker's log lines written since `offset`, parsed. */
  function logLines(offset: number): { level: string; msg: string; [k: string]: unknown }[] {
    return readFileSync(net.workerLog, 'utf8')
      .slice(offset)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string });
  }

  async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() - started > timeoutMs) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }

  /**
   * Starts the worker with this chain section, the watcher and the monitor stand-in; changes the
   * staking limit and returns the blocks and times of the event and the wake.
   */
  async function limitChangeReachesMonitor(name: string, chain: Record<string, unknown>) {
    const [rollup] = net.rollups;
    const logOffset = statSync(net.workerLog, { throwIfNoEntry: false })?.size ?? 0;
    worker = await net.startWorker({ config: { chain: { ...(net.workerConfig.chain as object), ...chain } } });
    const standIn = await net.client.workflow.start('monitorStandIn', {
      taskQueue: `${net.taskQueue}-nobody-polls`,
      workflowId: monitorWorkflowId(asRollupAdmin(rollup.admin)),
    });
    const watcher = await net.client.workflow.start(chainWatcherWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: `watcher-${name}`,
      args: [{ pollInterval: '30 seconds' }],
    });
    try {
      // The watcher has looked once and now waits for the next block.
      await waitUntil("the watcher's first look", 60_000, async () => {
        const events = (await watcher.fetchHistory()).events ?? [];
        return events.some((e) => e.activityTaskCompletedEventAttributes) ? true : undefined;
      });
      // Sent just after a block, as most transactions are: it is mined in the next one.
      const before = await net.provider.getBlockNumber();
      await waitUntil('a new block', 10_000, async () =>
        (await net.provider.getBlockNumber()) > before ? true : undefined,
      );
      limit += 100;
      const nexus = net.system.contracts.nexus.connect(devWallet(2, net.provider)) as ethers.Contract;
      const receipt = await (await nexus.getFunction('changeStakingLimit')(limit)).wait();
      const eventBlock = receipt!.blockNumber;
      const wakeAt = await waitUntil('the wake signal', 60_000, async () => {
        const events = (await standIn.fetchHistory()).events ?? [];
        const signal = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === wakeSignal.name);
        if (!signal) return undefined;
        const payload = signal.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
        const reason = (JSON.parse(Buffer.from(payload ?? []).toString()) as { reason: string }).reason;
        assert.match(reason, new RegExp(`staking limit changed to ${limit} bps \\(block ${eventBlock}\\)`));
        return Number(signal.eventTime?.seconds) * 1000 + Math.floor((signal.eventTime?.nanos ?? 0) / 1e6);
      });
      // Which look found it, and how its wait for the block ended.
      const looks = ((await watcher.fetchHistory()).events ?? []).filter((e) => e.activityTaskCompletedEventAttributes);
      const results = looks.map(
        (e) =>
          JSON.parse(
            Buffer.from(e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data ?? []).toString(),
          ) as WatchResult,
      );
      const found = results.find((r) => r.wake.length > 0);
      const lines = logLines(logOffset);
      const eventSeen = firstSeen.get(eventBlock);
      const passed = firstSeen.get(eventBlock + 2);
      console.log(
        `      ${name}: event in block ${eventBlock}; wake ${((wakeAt - (eventSeen ?? wakeAt)) / 1000).toFixed(2)} s after the test saw that block; block ${eventBlock + 2} ${passed === undefined ? 'not yet mined' : `seen ${((passed - wakeAt) / 1000).toFixed(2)} s after the wake`}; wait ended by ${found?.waitEndedBy}`,
      );
      return { eventBlock, wakeAt, passed, found, lines };
    } finally {
      await watcher.terminate('case over').catch(() => undefined);
      await standIn.terminate('case over').catch(() => undefined);
    }
  }

  function assertWithinOneBlock(r: { eventBlock: number; wakeAt: number; passed?: number }): void {
    assert.ok(
      r.passed === undefined || r.wakeAt < r.passed,
      `the wake arrived ${((r.wakeAt - (r.passed ?? 0)) / 1000).toFixed(2)} s after the head passed block ${r.eventBlock + 1} (the event's block + 1)`,
    );
  }

  it('by eth_subscribe newHeads when chain.wsUrl answers: the wake arrives before the head passes the event block + 1', async () => {
    // Polling once a minute: only the subscription can make the one-block bound.
    const r = await limitChangeReachesMonitor('subscription', { wsUrl: net.anvil.wsUrl, headPollIntervalMs: 60_000 });
    assertWithinOneBlock(r);
    assert.equal(r.found?.waitEndedBy, 'subscription');
    assert.ok(
      r.lines.some((l) => l.level === 'INFO' && l.msg === 'new blocks: following the newHeads subscription'),
      'no INFO line for the subscription',
    );
    assert.deepEqual(
      r.lines.filter((l) => l.level === 'WARN' && l.msg.startsWith('new blocks:')),
      [],
    );
  });

  it('by polling eth_blockNumber without chain.wsUrl: within one block too, and nothing about a subscription is logged', async () => {
    const r = await limitChangeReachesMonitor('polling', { headPollIntervalMs: 250 });
    assertWithinOneBlock(r);
    assert.equal(r.found?.waitEndedBy, 'polling');
    assert.deepEqual(
      r.lines.filter((l) => l.msg.startsWith('new blocks:')).map((l) => l.msg),
      [],
    );
  });

  it('an unreachable chain.wsUrl: one WARN naming the endpoint and the fallback, then polling within one block', async () => {
    const port = await freePort();
    const r = await limitChangeReachesMonitor('unreachable-ws', {
      wsUrl: `ws://127.0.0.1:${port}`,
      headPollIntervalMs: 250,
    });
    assertWithinOneBlock(r);
    assert.equal(r.found?.waitEndedBy, 'polling');
    const warnings = r.lines.filter((l) => l.level === 'WARN' && l.msg.startsWith('new blocks:'));
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(
      warnings[0].msg,
      new RegExp(
        `newHeads subscription on ws ws://127\\.0\\.0\\.1:${port} failed \\(.*ECONNREFUSED.*\\); following new blocks by polling eth_blockNumber every 250 ms`,
      ),
    );
  });
});
