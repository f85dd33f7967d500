// The transaction journal and nonce stream in DynamoDB, shared by every worker of a deployment and
// fenced by the chain-writer lease (writer-lease.ts). Each write is one TransactWriteItems whose
// first item checks the lease item: holder and epoch are this process's and its expiry has not
// passed. If not, DynamoDB writes nothing and the manager gets WriterFencedError before it
// broadcasts anything. One write per put: O(1) in the number of records.
import {
  GetItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { CorruptTxJournalError } from '../tx-journal-file';
import type { TxJournal, TxRecord } from '../tx-journal';
import { WriterFencedError } from '../tx-errors';
import type { FencedNonceStore } from '../writer-lease';
import type { DynamoWriterLease } from './lease';
import { leasePk, noncePk, txPk } from './table';

/** The item of a journal record (also for tools that load a table in bulk, e.g. bench/journal.ts). */
export function recordItem(stream: string, record: TxRecord): Record<string, AttributeValue> {
  return {
    pk: { S: txPk(stream, record.idempotencyKey) },
    rec: { S: JSON.stringify(record) },
    nonce: { N: String(record.nonce) },
    status: { S: record.status },
  };
}

export interface DynamoTxJournalOptions {
  client: DynamoDBClient;
  table: string;
  stream: string;
  /** The lease whose epoch fences every write. */
  lease: DynamoWriterLease;
}

export class DynamoTxJournal implements TxJournal, FencedNonceStore {
  constructor(private readonly opts: DynamoTxJournalOptions) {}

  epoch(): number | undefined {
    return this.opts.lease.held()?.epoch;
  }

  async get(key: string): Promise<TxRecord | undefined> {
    const { Item } = await this.opts.client.send(
      new GetItemCommand({
        TableName: this.opts.table,
        Key: { pk: { S: txPk(this.opts.stream, key) } },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    let record: TxRecord;
    try {
      record = JSON.parse(Item.rec?.S ?? '') as TxRecord;
    } catch {
      throw new CorruptTxJournalError(`DynamoDB ${this.opts.table}: the record of ${key} is not JSON`);
    }
    if (record?.idempotencyKey !== key || !Array.isArray(record.attempts))
      throw new CorruptTxJournalError(`DynamoDB ${this.opts.table}: ${key} holds no transaction record of that key`);
    return record;
  }

  put(key: string, record: TxRecord): Promise<void> {
    if (record.idempotencyKey !== key)
      return Promise.reject(new Error(`put: record of ${record.idempotencyKey} under key ${key}`));
    return this.write((fence) => [fence, this.putRecord(record)]);
  }

  async next(): Promise<number | undefined> {
    const { Item } = await this.opts.client.send(
      new GetItemCommand({
        TableName: this.opts.table,
        Key: { pk: { S: leasePk(this.opts.stream) } },
        ConsistentRead: true,
      }),
    );
    return Item?.nextNonce?.N === undefined ? undefined : Number(Item.nextNonce.N);
  }

  claim(nonce: number, record: TxRecord): Promise<void> {
    return this.write((fence) => [
      this.setNext(fence, nonce + 1),
      this.putRecord(record),
      {
        Put: {
          TableName: this.opts.table,
          Item: { pk: { S: noncePk(this.opts.stream, nonce) }, key: { S: record.idempotencyKey } },
        },
      },
    ]);
  }

  unclaim(nonce: number, record: TxRecord): Promise<void> {
    return this.write((fence) => [this.setNext(fence, nonce), this.putRecord(record)]);
  }

  async keyAt(nonce: number): Promise<string | undefined> {
    const { Item } = await this.opts.client.send(
      new GetItemCommand({
        TableName: this.opts.table,
        Key: { pk: { S: noncePk(this.opts.stream, nonce) } },
        ConsistentRead: true,
      }),
    );
    return Item?.key?.S;
  }

  // -------------------------------------------------------------------------------------------

  private putRecord(record: TxRecord): TransactWriteItem {
    return {
      Put: {
        TableName: this.opts.table,
        Item: recordItem(this.opts.stream, record),
      },
    };
  }

  /** The fence as an Update of the lease item that also sets the stream's next nonce. */
  private setNext(fence: TransactWriteItem, next: number): TransactWriteItem {
    const check = fence.ConditionCheck!;
    return {
      Update: {
        TableName: check.TableName,
        Key: check.Key,
        ConditionExpression: check.ConditionExpression,
        UpdateExpression: 'SET nextNonce = :next',
        ExpressionAttributeValues: { ...check.ExpressionAttributeValues, ':next': { N: String(next) } },
      },
    };
  }

  /** Runs the items with the lease check first; a failed check is WriterFencedError. */
  private async write(items: (fence: TransactWriteItem) => TransactWriteItem[]): Promise<void> {
    const held = this.opts.lease.fence();
    if (!held) throw new WriterFencedError(this.opts.stream, undefined, 'this process holds no writer lease');
    const fence: TransactWriteItem = {
      ConditionCheck: {
        TableName: this.opts.table,
        Key: { pk: { S: leasePk(this.opts.stream) } },
        ConditionExpression: 'holder = :h AND epoch = :e AND expiresAt > :now',
        ExpressionAttributeValues: {
          ':h': { S: held.holder },
          ':e': { N: String(held.epoch) },
          ':now': { N: String(Date.now()) },
        },
      },
    };
    try {
      await this.opts.client.send(new TransactWriteItemsCommand({ TransactItems: items(fence) }));
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        throw new WriterFencedError(
          this.opts.stream,
          held.epoch,
          "the store's writer epoch is not this process's (lease expired, taken over or released)",
        );
      }
      throw err;
    }
  }
}
