// The key index store in DynamoDB (keys.indexStore), shared by every worker host: losing one
// machine loses nothing, and the table is backed up by point-in-time recovery
// (index-store-dynamodb-table.ts). Same contract and same records as the file store
// (index-store.ts); a rollup's state is several items of one partition `rollup#<admin>`:
//   head                         {rollupAdmin, nextIndex, updatedAt}: exists once the rollup has state
//   alloc#<request id, encoded>  {requestId, start, count, allocatedAt, pubkeyChunks?}
//   pubkeys#<request>#<chunk>    {requestId, chunk, pubkeys: up to 1,000}: an item stays far below
//                                DynamoDB's 400 KB even for 10,000 keys
// An allocation reads the head and its own request's item, then writes both in one transaction:
// the head conditioned on the next index it read (or on its absence), the allocation on its
// absence. Two workers that read the same next index cannot both commit: the loser's transaction
// is cancelled and it tries again against the new state, so ranges never overlap and leave no gap.
// Every write touches a fixed number of items, whatever the number of allocations: O(1).
// Reading a whole state (exits, `mnemonic keys`, rebuild) queries the partition: O(allocations).
import {
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { getAddress } from 'ethers';
import { IndexStateCorruptError, IndexStateLockTimeoutError } from './errors';
import {
  canonicalAdmin,
  checkAllocateArguments,
  checkIndexSpace,
  checkState,
  indicesOf,
  previousAllocation,
  pubkeysToRecord,
  type AllocateOptions,
  type IndexAllocation,
  type IndexState,
  type IndexStore,
  type UpdateResult,
} from './index-store';
import {
  allocationKey,
  chunksByRequest,
  decodeAllocation,
  decodeHead,
  encodeAllocation,
  keyOf,
  partitionOf,
  pubkeyChunkItems,
  type Item,
} from './index-store-dynamodb-items';
import { CREATE_INDEX_TABLE_HINT } from './index-store-dynamodb-table';

export interface DynamoDbIndexStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** How long lost races are retried before a retryable IndexStateLockTimeoutError (default 30 s). */
  contentionTimeoutMs?: number;
}

/** Items per transaction of a rebuild: far below DynamoDB's 100 items and 4 MB per transaction. */
const TRANSACTION_ITEMS = 25;

export class DynamoDbIndexStore implements IndexStore {
  readonly kind = 'dynamodb';
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly contentionTimeoutMs: number;
  private races = 0;

  constructor(opts: DynamoDbIndexStoreOptions) {
    this.client = opts.client;
    this.table = opts.table;
    this.contentionTimeoutMs = opts.contentionTimeoutMs ?? 30_000;
  }

  /** Conditional writes lost to another writer and retried (how often workers contend). */
  get lostRaces(): number {
    return this.races;
  }

  stateLocation(rollupAdmin: string): string {
    return `item ${partitionOf(canonicalAdmin(rollupAdmin))}/head of DynamoDB table ${this.table}`;
  }

  async allocateIndices(
    rollupAdmin: string,
    requestId: string,
    count: number,
    opts: AllocateOptions = {},
  ): Promise<IndexAllocation> {
    const admin = canonicalAdmin(rollupAdmin);
    checkAllocateArguments(requestId, count);
    let asked = false;
    return this.retryLostRaces(admin, async () => {
      const [head, previous] = await Promise.all([this.readHead(admin), this.readAllocation(admin, requestId)]);
      if (previous) return previousAllocation(admin, requestId, count, previous);
      if (!head && !asked) {
        // Not under a lock: if another worker creates the head meanwhile, the transaction below
        // (conditioned on its absence) is cancelled and the next round sees it.
        await opts.whenMissing?.(this.stateLocation(admin));
        asked = true;
      }
      const nextIndex = head?.nextIndex ?? 0;
      checkIndexSpace(admin, nextIndex, count);
      const allocation: IndexAllocation = { requestId, start: nextIndex, count, allocatedAt: new Date().toISOString() };
      await this.transact([
        this.headWrite(admin, head?.nextIndex, nextIndex + count),
        this.newAllocation(admin, allocation),
      ]);
      return { ...allocation };
    });
  }

  async recordPubkeys(rollupAdmin: string, requestId: string, pubkeys: readonly string[]): Promise<void> {
    const admin = canonicalAdmin(rollupAdmin);
    const keys = pubkeys.map((k) => k.toLowerCase());
    await this.retryLostRaces(admin, async () => {
      const allocation = await this.readAllocation(admin, requestId);
      if (pubkeysToRecord(admin, requestId, allocation, keys) === 'same') return;
      const chunks = pubkeyChunkItems(partitionOf(admin), requestId, keys);
      await this.transact([
        {
          Update: {
            TableName: this.table,
            Key: keyOf(admin, allocationKey(requestId)),
            UpdateExpression: 'SET pubkeyChunks = :chunks',
            ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(pubkeyChunks)',
            ExpressionAttributeValues: { ':chunks': { N: String(chunks.length) } },
          },
        },
        ...chunks.map((Item) => ({
          Put: { TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(sk)' },
        })),
      ]);
    });
  }

  async readState(rollupAdmin: string): Promise<IndexState> {
    const admin = canonicalAdmin(rollupAdmin);
    return (await this.readStateIfPresent(admin)) ?? { rollupAdmin: admin, nextIndex: 0, allocations: [] };
  }

  async readStateIfPresent(rollupAdmin: string): Promise<IndexState | undefined> {
    const admin = canonicalAdmin(rollupAdmin);
    // The allocations first, the head after: a transaction that wrote an allocation this query saw
    // had moved the head already, so the head read next is never behind them (a query is not
    // isolated from transactions; a single-item read is).
    const items = await this.queryPartition(admin);
    const head = await this.readHead(admin);
    const corrupt = this.corruption(admin);
    const chunksOf = chunksByRequest(items);
    const allocations = items.filter((i) => i.type?.S === 'alloc').map((i) => decodeAllocation(i, chunksOf, corrupt));
    if (!head) {
      if (allocations.length > 0) throw corrupt(`${allocations.length} allocation(s) but no head item`);
      return undefined;
    }
    return checkState({ rollupAdmin: head.rollupAdmin, nextIndex: head.nextIndex, allocations }, admin, corrupt);
  }

  /**
   * The new state must keep every current allocation as it is and never lower the next index (what
   * a rebuild does): the head and the added allocations are written, conditioned on the head read.
   * More than TRANSACTION_ITEMS items go in several transactions, the head in the first: a crash
   * between them leaves the next index raised (no index reused) and some found indices not yet
   * recorded, which a second rebuild (--force) adds.
   */
  async updateState(
    rollupAdmin: string,
    update: (current: IndexState | undefined) => IndexState | undefined,
  ): Promise<UpdateResult> {
    const admin = canonicalAdmin(rollupAdmin);
    return this.retryLostRaces(admin, async () => {
      const before = await this.readStateIfPresent(admin);
      const next = update(before === undefined ? undefined : structuredClone(before));
      if (next === undefined) return { before, after: before, written: false };
      checkState(next, admin, this.corruption(admin));
      const added = addedAllocations(admin, before, next);
      const groups: TransactWriteItem[][] = [[this.headWrite(admin, before?.nextIndex, next.nextIndex)]];
      for (const allocation of added) {
        const items = [this.newAllocation(admin, allocation), ...this.newPubkeyChunks(admin, allocation)];
        if (groups[groups.length - 1].length + items.length > TRANSACTION_ITEMS) groups.push([]);
        groups[groups.length - 1].push(...items);
      }
      await this.transact(groups[0]); // a lost race here is retried from the read
      for (const group of groups.slice(1)) await this.transact(group, false);
      return { before, after: next, written: true };
    });
  }

  async allocatedIndices(rollupAdmin: string): Promise<number[]> {
    return indicesOf(await this.readState(rollupAdmin));
  }

  private headWrite(admin: string, expected: number | undefined, nextIndex: number): TransactWriteItem {
    const updatedAt = { S: new Date().toISOString() };
    if (expected === undefined) {
      return {
        Put: {
          TableName: this.table,
          Item: {
            ...keyOf(admin, 'head'),
            type: { S: 'head' },
            rollupAdmin: { S: admin },
            nextIndex: { N: String(nextIndex) },
            updatedAt,
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        },
      };
    }
    return {
      Update: {
        TableName: this.table,
        Key: keyOf(admin, 'head'),
        UpdateExpression: 'SET nextIndex = :next, updatedAt = :at',
        ConditionExpression: 'nextIndex = :expected',
        ExpressionAttributeValues: {
          ':next': { N: String(nextIndex) },
          ':expected': { N: String(expected) },
          ':at': updatedAt,
        },
      },
    };
  }

  private newAllocation(admin: string, allocation: IndexAllocation): TransactWriteItem {
    return {
      Put: {
        TableName: this.table,
        Item: { ...keyOf(admin, allocationKey(allocation.requestId)), ...encodeAllocation(allocation) },
        ConditionExpression: 'attribute_not_exists(sk)',
      },
    };
  }

  private newPubkeyChunks(admin: string, allocation: IndexAllocation): TransactWriteItem[] {
    if (!allocation.pubkeys) return [];
    return pubkeyChunkItems(partitionOf(admin), allocation.requestId, allocation.pubkeys).map((Item) => ({
      Put: { TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(sk)' },
    }));
  }

  private async readHead(admin: string): Promise<{ rollupAdmin: string; nextIndex: number } | undefined> {
    const item = await this.getItem(admin, 'head');
    return item && decodeHead(item, this.corruption(admin));
  }

  private async readAllocation(admin: string, requestId: string): Promise<IndexAllocation | undefined> {
    const item = await this.getItem(admin, allocationKey(requestId));
    if (!item) return undefined;
    const chunks = item.pubkeyChunks
      ? await this.queryPartition(admin, `pubkeys#${encodeURIComponent(requestId)}#`)
      : [];
    return decodeAllocation(item, () => chunks, this.corruption(admin));
  }

  private async getItem(admin: string, sort: string): Promise<Item | undefined> {
    const out = await this.call(admin, () =>
      this.client.send(new GetItemCommand({ TableName: this.table, Key: keyOf(admin, sort), ConsistentRead: true })),
    );
    return out.Item;
  }

  /** Every item of the rollup's partition (or those whose sort key starts with `prefix`), all pages. */
  private async queryPartition(admin: string, prefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call(admin, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            ConsistentRead: true,
            ExclusiveStartKey: start,
            KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
            ExpressionAttributeValues: {
              ':pk': { S: partitionOf(admin) },
              ...(prefix ? { ':prefix': { S: prefix } } : {}),
            },
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One transaction; a cancelled one is LostRace (retried by retryLostRaces) when `retryable`. */
  private async transact(items: TransactWriteItem[], retryable = true): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      const name = (err as Error).name;
      // Cancelled by a condition (another writer got there first) or a concurrent transaction:
      // a lost race. Any other reason (validation, throttling) is not hidden as one.
      const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      const raced =
        name === 'TransactionConflictException' ||
        (name === 'TransactionCanceledException' &&
          reasons.every((r) => ['None', 'ConditionalCheckFailed', 'TransactionConflict', undefined].includes(r.Code)));
      if (retryable && raced) throw new LostRace();
      if (name === 'ResourceNotFoundException') throw this.tableMissing();
      throw err;
    }
  }

  private async call<T>(admin: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') throw this.tableMissing();
      throw err;
    }
  }

  /** Runs `round` again (after a short random wait) while it loses races, up to contentionTimeoutMs. */
  private async retryLostRaces<T>(admin: string, round: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.contentionTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await round();
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
        this.races += 1;
        if (Date.now() > deadline) {
          throw new IndexStateLockTimeoutError(
            `the key index state of rollup ${getAddress(admin)} in DynamoDB table ${this.table} kept changing under ${attempt + 1} write attempts over ${this.contentionTimeoutMs} ms; nothing was written`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5 + attempt * 5, 100) * (0.5 + Math.random())));
      }
    }
  }

  private tableMissing(): IndexStateCorruptError {
    return new IndexStateCorruptError(
      `the key index DynamoDB table ${this.table} does not exist; refusing to start from index 0, which could reuse keys: ${CREATE_INDEX_TABLE_HINT}`,
    );
  }

  private corruption(admin: string): (why: string) => IndexStateCorruptError {
    return (why) =>
      new IndexStateCorruptError(
        `the key index state of rollup ${getAddress(admin)} in DynamoDB table ${this.table} is corrupt (${why}); it is never reset automatically, ` +
          "since that would reuse key indices: restore the table from its point-in-time backup, or delete the rollup's items " +
          `(partition ${partitionOf(admin)}) and run \`nexus-bot mnemonic rebuild ${getAddress(admin)}\``,
      );
  }
}

/** A conditional write lost to another writer: read again and retry. */
class LostRace extends Error {
  override readonly name = 'LostRace';
}

/** The allocations `next` adds to `before`; anything else a DynamoDB update cannot do atomically is refused. */
function addedAllocations(admin: string, before: IndexState | undefined, next: IndexState): IndexAllocation[] {
  if (before && next.nextIndex < before.nextIndex)
    throw new Error(
      `rollup ${admin}: an index state update cannot lower the next index (${before.nextIndex} → ${next.nextIndex})`,
    );
  const current = new Map((before?.allocations ?? []).map((a) => [a.requestId, a]));
  const kept = new Set<string>();
  const added: IndexAllocation[] = [];
  for (const a of next.allocations) {
    const old = current.get(a.requestId);
    if (!old) added.push(a);
    else if (!sameAllocation(old, a))
      throw new Error(`rollup ${admin}: an index state update may only add allocations, and it changes ${a.requestId}`);
    else kept.add(a.requestId);
  }
  if (kept.size !== current.size)
    throw new Error(`rollup ${admin}: an index state update may only add allocations, and it removes some`);
  return added;
}

function sameAllocation(a: IndexAllocation, b: IndexAllocation): boolean {
  return (
    a.requestId === b.requestId &&
    a.start === b.start &&
    a.count === b.count &&
    a.allocatedAt === b.allocatedAt &&
    (a.pubkeys ?? []).join() === (b.pubkeys ?? []).join()
  );
}
