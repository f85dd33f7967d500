// How the chain watcher learns that a new block exists, one per worker process: by an
// `eth_subscribe` `newHeads` subscription on the websocket endpoint (chain.wsUrl) when it has one
// and it answers, else by polling eth_blockNumber on the http endpoints (the failover provider).
//
// The http provider stays the truth: a subscription's head is only a hint to look now, and every
// wait starts and ends with eth_blockNumber over http. So a subscription that lies or lags can
// delay a look by at most the watcher's poll interval, never make it skip a block.
//
// A failing subscription is never silent: the first failure (refused, closed, wrong chain, no
// eth_subscribe, or a subscription that stays quiet while the chain moves) is one WARN that names
// the fallback; the subscription is tried again every resubscribeAfterMs (a failed retry is a
// DEBUG line) and its return is an INFO line.
//
// ethers' WebSocketProvider carries the socket and the JSON-RPC framing. Its own `on('block')`
// is not used: a refused `eth_subscribe` there is an unhandled rejection, and it never learns that
// the socket closed. The subscription is sent here and registered with `_register`, the
// provider's documented extension point for subscribers.
import { setTimeout as sleep } from 'node:timers/promises';
import { Network, WebSocketProvider, type SocketSubscriber, type WebSocketLike } from 'ethers';
import { describeRpcUrl } from './rpc';

export interface HeadFollowerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  debug?(message: string, fields?: Record<string, unknown>): void;
}

export interface HeadFollowerOptions {
  /** The http provider (failover): its eth_blockNumber is the head every wait trusts. */
  provider: { getBlockNumber(): Promise<number> };
  chainId: number | bigint;
  /** chain.wsUrl; absent: polling only. */
  wsUrl?: string;
  /** chain.headPollIntervalMs. */
  pollIntervalMs: number;
  /** How long connecting and subscribing may take before it counts as a failure; default 5 s. */
  connectTimeoutMs?: number;
  /** After a failure, the subscription is tried again this much later (at the next wait); default 60 s. */
  resubscribeAfterMs?: number;
  log: HeadFollowerLog;
}

export type HeadSource = 'subscription' | 'polling';

export interface HeadWaitResult {
  /** The http head at the end of the wait. */
  head: number;
  /** What ended the wait: a subscription head, a poll, or the deadline (head not past the block). */
  endedBy: HeadSource | 'deadline';
}

export interface HeadWaitOptions {
  /** Longest wait; the head is returned as it is then. */
  maxWaitMs: number;
  /** Called at least every HEARTBEAT_EVERY_MS while waiting (the activity heartbeat). */
  onWaiting?: () => void;
  /** Aborts the wait (the activity's cancellation). */
  signal?: AbortSignal;
}

/** A waiting activity heartbeats at least this often (its heartbeatTimeout is longer). */
export const HEARTBEAT_EVERY_MS = 5_000;

interface Subscription {
  provider: WebSocketProvider;
  /** Newest head the subscription delivered (or the http head when it started). */
  latest: number;
}

/** The bit of the `ws` socket ethers does not type: its close callback. */
type Socket = WebSocketLike & { onclose: null | ((event: { code?: number; reason?: unknown }) => void) };

export class HeadFollower {
  readonly #opts: HeadFollowerOptions;
  readonly #label: string | undefined;
  #subscription?: Subscription;
  #connecting?: Promise<void>;
  #failedAt?: number;
  /** A WARN was logged since the subscription last worked: further failures are DEBUG lines. */
  #warned = false;
  #closed = false;
  /** Waits in progress, told of each subscription head (undefined: the subscription is gone). */
  readonly #waiters = new Set<(head: number | undefined) => void>();

  constructor(opts: HeadFollowerOptions) {
    this.#opts = opts;
    this.#label = opts.wsUrl === undefined ? undefined : `ws ${describeRpcUrl(opts.wsUrl)}`;
  }

  /** How new blocks are followed right now. */
  get source(): HeadSource {
    return this.#subscription ? 'subscription' : 'polling';
  }

  /** Starts subscribing in the background (at worker start, so that a bad endpoint is reported at once). */
  start(): void {
    this.#maybeSubscribe(true);
  }

  /**
   * Waits until the chain's head is past `block`, at most `maxWaitMs`. Ends at a subscription
   * head, or at the first poll that sees one; the result's head is always read over http.
   */
  async waitForHeadAfter(block: number, opts: HeadWaitOptions): Promise<HeadWaitResult> {
    const deadline = Date.now() + opts.maxWaitMs;
    this.#maybeSubscribe(false);
    let hinted = false;
    for (;;) {
      const head = await this.#opts.provider.getBlockNumber();
      const sub = this.#subscription;
      if (head > block) {
        // A subscription that let two blocks pass unannounced is stale, even if its socket is open.
        if (sub && !hinted && head >= sub.latest + 2)
          this.#fail(sub, `no newHeads notification while the chain moved from block ${sub.latest} to ${head}`);
        return { head, endedBy: hinted ? 'subscription' : 'polling' };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { head, endedBy: 'deadline' };
      opts.onWaiting?.();
      const slice = Math.min(remaining, HEARTBEAT_EVERY_MS);
      if (sub && sub.latest <= block) {
        hinted = (await this.#nextSubscriptionHead(block, slice, opts.signal)) !== undefined;
      } else {
        // Polling, or the http endpoint lags behind a head the subscription already announced.
        await sleep(Math.min(this.#opts.pollIntervalMs, slice), undefined, { signal: opts.signal });
      }
    }
  }

  /** Closes the websocket (worker shutdown); waits in progress go on by polling. */
  async close(): Promise<void> {
    this.#closed = true;
    const sub = this.#subscription;
    this.#subscription = undefined;
    this.#notify(undefined);
    await this.#connecting?.catch(() => undefined);
    await sub?.provider.destroy();
  }

  /** Resolves at the next subscription head past `block`, or undefined after `timeoutMs` or when the subscription is lost. */
  #nextSubscriptionHead(block: number, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', aborted);
      };
      const done = (head: number | undefined) => {
        if (head !== undefined && head <= block) return;
        settle();
        resolve(head);
      };
      const aborted = () => {
        settle();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#waiters.add(done);
      if (signal?.aborted) aborted();
      else signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  #notify(head: number | undefined): void {
    for (const waiter of [...this.#waiters]) waiter(head);
  }

  #maybeSubscribe(first: boolean): void {
    if (this.#opts.wsUrl === undefined || this.#closed || this.#subscription || this.#connecting) return;
    const retryMs = this.#opts.resubscribeAfterMs ?? 60_000;
    if (!first && this.#failedAt !== undefined && Date.now() - this.#failedAt < retryMs) return;
    this.#connecting = this.#subscribe(this.#opts.wsUrl).finally(() => {
      this.#connecting = undefined;
    });
  }

  /** Connects, checks the chain id and subscribes; never throws (a failure is logged and means polling). */
  async #subscribe(url: string): Promise<void> {
    const network = Network.from(this.#opts.chainId);
    const provider = new WebSocketProvider(url, network, { staticNetwork: network });
    const socket = provider.websocket as Socket;
    let failNow: (reason: string) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
      failNow = (reason) => reject(new Error(reason));
    });
    failure.catch(() => undefined);
    // Set before the event loop turns, so that the `ws` socket never emits an unhandled 'error'.
    socket.onerror = (event: { message?: string; error?: unknown }) => {
      const reason = this.#redact(event?.message ?? String(event?.error ?? 'socket error'));
      if (this.#subscription?.provider === provider) this.#fail(this.#subscription, reason);
      else failNow(reason);
    };
    socket.onclose = (event) => {
      const reason = `socket closed (code ${event?.code ?? '?'})`;
      if (this.#subscription?.provider === provider) this.#fail(this.#subscription, reason);
      else failNow(reason);
    };
    const step = <T>(what: string, work: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: no answer within ${this.#opts.connectTimeoutMs ?? 5_000} ms`)),
          this.#opts.connectTimeoutMs ?? 5_000,
        );
      });
      return Promise.race([work, failure, timeout]).finally(() => clearTimeout(timer));
    };
    try {
      const chainId = BigInt(await step('eth_chainId', provider.send('eth_chainId', []) as Promise<string>));
      if (chainId !== network.chainId)
        throw new Error(`it is on chain ${chainId}, the bot on chain ${network.chainId}`);
      const id = await step('eth_subscribe newHeads', provider.send('eth_subscribe', ['newHeads']) as Promise<string>);
      const latest = await step('eth_blockNumber', this.#opts.provider.getBlockNumber());
      if (this.#closed) throw new Error('closed');
      const sub: Subscription = { provider, latest };
      // The one method a registered subscriber needs: each notification's payload (a block header).
      const subscriber = {
        _handleMessage: (header: { number?: unknown }) => {
          const head = typeof header?.number === 'string' ? Number.parseInt(header.number, 16) : Number.NaN;
          if (!Number.isSafeInteger(head) || this.#subscription !== sub) return;
          sub.latest = Math.max(sub.latest, head);
          this.#notify(head);
        },
      } as unknown as SocketSubscriber;
      this.#subscription = sub;
      provider._register(id, subscriber);
      const again = this.#warned;
      this.#warned = false;
      this.#failedAt = undefined;
      this.#opts.log.info(
        again
          ? 'new blocks: following the newHeads subscription again'
          : 'new blocks: following the newHeads subscription',
        { endpoint: this.#label },
      );
    } catch (err) {
      await provider.destroy();
      if (this.#closed) return;
      this.#report(this.#redact((err as Error)?.message ?? String(err)));
    }
  }

  /** The live subscription failed: back to polling until the next attempt. */
  #fail(sub: Subscription, reason: string): void {
    if (this.#subscription !== sub) return;
    this.#subscription = undefined;
    this.#notify(undefined);
    void sub.provider.destroy();
    if (!this.#closed) this.#report(reason);
  }

  #report(reason: string): void {
    this.#failedAt = Date.now();
    const retryS = Math.round((this.#opts.resubscribeAfterMs ?? 60_000) / 1000);
    if (this.#warned) {
      this.#opts.log.debug?.('new blocks: the newHeads subscription is still unavailable', {
        endpoint: this.#label,
        reason,
      });
      return;
    }
    this.#warned = true;
    this.#opts.log.warn(
      `new blocks: the newHeads subscription on ${this.#label} failed (${reason}); following new blocks by polling eth_blockNumber every ${this.#opts.pollIntervalMs} ms, and trying the subscription again every ${retryS} s`,
      { endpoint: this.#label, reason, fallback: 'polling', pollIntervalMs: this.#opts.pollIntervalMs },
    );
  }

  /** Error texts can quote the URL, whose path may hold an API key. */
  #redact(text: string): string {
    const url = this.#opts.wsUrl;
    return (url ? text.split(url).join(this.#label ?? '') : text).split('\n')[0].slice(0, 200);
  }
}
