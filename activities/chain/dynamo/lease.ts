// The chain-writer lease as a DynamoDB item (holder, epoch, expiresAt), taken and kept by
// conditional writes:
// - acquire: only when nobody holds it or the holder's expiry has passed; the epoch goes up by one.
// - renew (every ttl/3): only while holder and epoch are still ours; otherwise the lease is lost.
// - release: only while ours; the epoch stays, so the next holder's is higher still.
// Clocks: expiresAt is written from the holder's clock and compared with the taker's. Skew changes
// WHEN a take-over may happen, never safety: the fence (tx-journal.ts) refuses a stale epoch
// whatever the clocks say.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WriterLease } from '../writer-lease';
import { leasePk } from './table';

export interface DynamoWriterLeaseOptions {
  client: DynamoDBClient;
  table: string;
  /** The nonce stream (streamOf(bot address)). */
  stream: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** Renewal period; default ttlMs / 3. */
  renewEveryMs?: number;
  /** acquire()'s retry period while another process holds the lease; default 1000 ms. */
  pollMs?: number;
  /** This process's name in the lease item; default host:pid:random. */
  holder?: string;
}

export class DynamoWriterLease implements WriterLease {
  readonly holder: string;
  private state: { epoch: number; expiresAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly lostCallbacks = new Set<(reason: string) => void>();

  constructor(private readonly opts: DynamoWriterLeaseOptions) {
    if (!(opts.ttlMs > 0)) throw new Error(`lease ttlMs must be positive, got ${opts.ttlMs}`);
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  held(): { epoch: number } | undefined {
    return this.state && { epoch: this.state.epoch };
  }

  /** The fence of this holder: what the store's condition must find (undefined: not held). */
  fence(): { holder: string; epoch: number } | undefined {
    return this.state && { holder: this.holder, epoch: this.state.epoch };
  }

  onLost(cb: (reason: string) => void): () => void {
    this.lostCallbacks.add(cb);
    return () => this.lostCallbacks.delete(cb);
  }

  /** One attempt: the epoch when taken, undefined while another holder's lease runs. */
  async tryAcquire(): Promise<{ epoch: number } | undefined> {
    if (this.state) return { epoch: this.state.epoch };
    const now = Date.now();
    const expiresAt = now + this.opts.ttlMs;
    try {
      const out = await this.opts.client.send(
        new UpdateItemCommand({
          TableName: this.opts.table,
          Key: { pk: { S: leasePk(this.opts.stream) } },
          UpdateExpression: 'SET holder = :h, epoch = if_not_exists(epoch, :zero) + :one, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(holder) OR expiresAt < :now',
          ExpressionAttributeValues: {
            ':h': { S: this.holder },
            ':zero': { N: '0' },
            ':one': { N: '1' },
            ':exp': { N: String(expiresAt) },
            ':now': { N: String(now) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const epoch = Number(out.Attributes?.epoch?.N);
      if (!Number.isSafeInteger(epoch) || epoch < 1)
        throw new Error(`lease ${this.opts.stream}: the store returned no epoch`);
      this.state = { epoch, expiresAt };
      this.timer = setInterval(
        () => void this.renew(),
        this.opts.renewEveryMs ?? Math.max(1, Math.floor(this.opts.ttlMs / 3)),
      );
      this.timer.unref();
      return { epoch };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async acquire(opts: { signal?: AbortSignal } = {}): Promise<{ epoch: number }> {
    for (;;) {
      opts.signal?.throwIfAborted();
      const got = await this.tryAcquire();
      if (got) return got;
      await sleep(this.opts.pollMs ?? 1000, undefined, { signal: opts.signal });
    }
  }

  /** Extends the expiry while holder and epoch are still ours; the lease is lost otherwise. */
  async renew(): Promise<boolean> {
    const state = this.state;
    if (!state) return false;
    const expiresAt = Date.now() + this.opts.ttlMs;
    try {
      await this.opts.client.send(
        new UpdateItemCommand({
          TableName: this.opts.table,
          Key: { pk: { S: leasePk(this.opts.stream) } },
          UpdateExpression: 'SET expiresAt = :exp',
          ConditionExpression: 'holder = :h AND epoch = :e',
          ExpressionAttributeValues: {
            ':h': { S: this.holder },
            ':e': { N: String(state.epoch) },
            ':exp': { N: String(expiresAt) },
          },
        }),
      );
      if (this.state === state) state.expiresAt = expiresAt;
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        this.lost(`epoch ${state.epoch} is no longer the lease's (taken over or released)`);
      // The store did not answer: the lease may still be ours until its expiry.
      else if (Date.now() >= state.expiresAt)
        this.lost(`could not renew epoch ${state.epoch} before its expiry: ${(err as Error).message}`);
      return false;
    }
  }

  async release(): Promise<void> {
    const state = this.state;
    this.stop();
    if (!state) return;
    try {
      await this.opts.client.send(
        new UpdateItemCommand({
          TableName: this.opts.table,
          Key: { pk: { S: leasePk(this.opts.stream) } },
          UpdateExpression: 'REMOVE holder SET expiresAt = :zero',
          ConditionExpression: 'holder = :h AND epoch = :e',
          ExpressionAttributeValues: {
            ':h': { S: this.holder },
            ':e': { N: String(state.epoch) },
            ':zero': { N: '0' },
          },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err; // already someone else's
    }
  }

  /** Stops renewing without telling the store (tests: a process that pauses). */
  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private stop(): void {
    this.stopRenewing();
    this.state = undefined;
  }

  private lost(reason: string): void {
    this.stop();
    for (const cb of this.lostCallbacks) {
      try {
        cb(reason);
      } catch {
        // A failing listener must not stop the others.
      }
    }
  }
}
