// The head follower on anvil (1-second blocks), without Temporal: how the chain watcher's wait for
// the next block ends (a newHeads subscription, a poll, the deadline), and that every way the
// subscription fails (the socket cut mid-way, an endpoint on another chain) is one WARN and
// polling, with the subscription taken up again later.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { HeadFollower, type HeadFollowerLog } from '../../activities/chain/head-follower';
import { startAnvil } from '../../localnet/services/anvil';
import { startRpcSwitch, type RpcSwitch } from '../harness/rpc-switch';
import { useService } from '../harness/service';

interface Line {
  level: 'INFO' | 'WARN' | 'DEBUG';
  message: string;
}

function recordingLog(): HeadFollowerLog & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'INFO', message }),
    warn: (message) => lines.push({ level: 'WARN', message }),
    debug: (message) => lines.push({ level: 'DEBUG', message }),
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('head follower (anvil, 1-second blocks)', function () {
  this.timeout(120_000);
  const anvil = useService('anvil', () => startAnvil({ blockTime: 1 }));
  let provider: ethers.JsonRpcProvider;
  const followers: HeadFollower[] = [];
  let proxy: RpcSwitch | undefined;

  before(() => {
    provider = new ethers.JsonRpcProvider(anvil().rpcUrl, anvil().chainId, { staticNetwork: true, cacheTimeout: -1 });
  });
  afterEach(async () => {
    for (const f of followers.splice(0)) await f.close();
    await proxy?.stop();
    proxy = undefined;
  });
  after(() => provider?.destroy());

  function follower(opts: { wsUrl?: string; chainId?: number; pollIntervalMs?: number; resubscribeAfterMs?: number }) {
    const log = recordingLog();
    const f = new HeadFollower({
      provider,
      chainId: opts.chainId ?? anvil().chainId,
      wsUrl: opts.wsUrl,
      pollIntervalMs: opts.pollIntervalMs ?? 200,
      resubscribeAfterMs: opts.resubscribeAfterMs,
      log,
    });
    followers.push(f);
    f.start();
    return { f, log };
  }

  it('subscribed: the wait ends at the next head by the subscription; INFO once, no WARN', async () => {
    const { f, log } = follower({ wsUrl: anvil().wsUrl, pollIntervalMs: 60_000 });
    await until('subscribed', () => f.source === 'subscription');
    const head = await provider.getBlockNumber();
    const ended = await f.waitForHeadAfter(head, { maxWaitMs: 10_000 });
    assert.deepEqual(ended.endedBy, 'subscription');
    assert.ok(ended.head > head);
    assert.deepEqual(log.lines, [{ level: 'INFO', message: 'new blocks: following the newHeads subscription' }]);
  });

  it('a block already past: no wait; a head that does not come: the deadline, with heartbeats meanwhile', async () => {
    const { f } = follower({});
    const head = await provider.getBlockNumber();
    assert.deepEqual(await f.waitForHeadAfter(head - 1, { maxWaitMs: 10_000 }), { head, endedBy: 'polling' });
    let beats = 0;
    const ended = await f.waitForHeadAfter(head + 1_000, { maxWaitMs: 1_500, onWaiting: () => beats++ });
    assert.equal(ended.endedBy, 'deadline');
    assert.ok(beats >= 1, 'no heartbeat while waiting');
  });

  it('an aborted wait (activity cancelled) rejects, subscribed or polling', async () => {
    const { f } = follower({ wsUrl: anvil().wsUrl });
    await until('subscribed', () => f.source === 'subscription');
    const abort = new AbortController();
    const waiting = f.waitForHeadAfter(Number.MAX_SAFE_INTEGER - 1, { maxWaitMs: 60_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(waiting, (err: Error) => err.name === 'AbortError' || /abort/i.test(err.message));
    const { f: polling } = follower({});
    const abortPoll = new AbortController();
    const pollWait = polling.waitForHeadAfter(Number.MAX_SAFE_INTEGER - 1, {
      maxWaitMs: 60_000,
      signal: abortPoll.signal,
    });
    setTimeout(() => abortPoll.abort(), 300);
    await assert.rejects(pollWait, (err: Error) => err.name === 'AbortError' || /abort/i.test(err.message));
  });

  it('the socket cut mid-way: one WARN, polling; the subscription again once the endpoint is back', async () => {
    proxy = await startRpcSwitch(anvil().rpcUrl);
    const { f, log } = follower({ wsUrl: proxy.url.replace(/^http/, 'ws'), resubscribeAfterMs: 1_000 });
    await until('subscribed', () => f.source === 'subscription');
    proxy.down();
    await until('fallen back', () => f.source === 'polling');
    const warnings = log.lines.filter((l) => l.level === 'WARN');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0].message,
      /^new blocks: the newHeads subscription on ws ws:\/\/127\.0\.0\.1:\d+ failed \(socket closed \(code \d+\)\); following new blocks by polling eth_blockNumber every 200 ms, and trying the subscription again every 1 s$/,
    );
    const head = await provider.getBlockNumber();
    assert.equal((await f.waitForHeadAfter(head, { maxWaitMs: 10_000 })).endedBy, 'polling');
    // Retries while the endpoint is still down are DEBUG lines, not more WARNs.
    await new Promise((r) => setTimeout(r, 1_200));
    await f.waitForHeadAfter(await provider.getBlockNumber(), { maxWaitMs: 10_000 });
    proxy.up();
    await new Promise((r) => setTimeout(r, 1_200));
    await f.waitForHeadAfter(await provider.getBlockNumber(), { maxWaitMs: 10_000 }); // starts the retry
    await until('subscribed again', () => f.source === 'subscription');
    assert.equal(
      (await f.waitForHeadAfter(await provider.getBlockNumber(), { maxWaitMs: 10_000 })).endedBy,
      'subscription',
    );
    assert.equal(log.lines.filter((l) => l.level === 'WARN').length, 1);
    assert.deepEqual(log.lines.at(-1), {
      level: 'INFO',
      message: 'new blocks: following the newHeads subscription again',
    });
  });

  it('an endpoint on another chain is never followed: one WARN naming both chain ids, polling', async () => {
    // The follower's chain is 1; anvil's is 31337 (the http provider here is anvil too, as a stand-in).
    const { f, log } = follower({ wsUrl: anvil().wsUrl, chainId: 1 });
    await until('the WARN', () => log.lines.some((l) => l.level === 'WARN'));
    assert.equal(f.source, 'polling');
    assert.match(
      log.lines[0].message,
      /failed \(it is on chain 31337, the bot on chain 1\); following new blocks by polling/,
    );
  });
});
