// The items of the DynamoDB key index store (index-store-dynamodb.ts), to and from DynamoDB's
// attribute values. Every item read is checked: a wrong one is IndexStateCorruptError, never
// skipped (a skipped allocation would hand its indices out again).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { allocationSchema, MAX_INDEX, type IndexAllocation } from './index-store';

export type Item = Record<string, AttributeValue>;

export function partitionOf(admin: string): string {
  return `rollup#${admin}`;
}

export function allocationKey(requestId: string): string {
  return `alloc#${encodeURIComponent(requestId)}`;
}

/** The primary key of an item of the rollup's partition. */
export function keyOf(admin: string, sort: string): Item {
  return { pk: { S: partitionOf(admin) }, sk: { S: sort } };
}

/** Pubkeys per chunk item: 1,000 × 98 characters, about 100 KB of DynamoDB's 400 KB per item. */
export const PUBKEYS_PER_CHUNK = 1_000;

export function encodeAllocation(a: IndexAllocation): Item {
  return {
    type: { S: 'alloc' },
    requestId: { S: a.requestId },
    start: { N: String(a.start) },
    count: { N: String(a.count) },
    allocatedAt: { S: a.allocatedAt },
    ...(a.pubkeys ? { pubkeyChunks: { N: String(chunkCount(a.pubkeys.length)) } } : {}),
  };
}

/** The chunk items holding a request's pubkeys, in index order. */
export function pubkeyChunkItems(partition: string, requestId: string, pubkeys: readonly string[]): Item[] {
  const items: Item[] = [];
  for (let chunk = 0; chunk < chunkCount(pubkeys.length); chunk++) {
    items.push({
      pk: { S: partition },
      sk: { S: `pubkeys#${encodeURIComponent(requestId)}#${String(chunk).padStart(4, '0')}` },
      type: { S: 'pubkeys' },
      requestId: { S: requestId },
      chunk: { N: String(chunk) },
      pubkeys: { L: pubkeys.slice(chunk * PUBKEYS_PER_CHUNK, (chunk + 1) * PUBKEYS_PER_CHUNK).map((k) => ({ S: k })) },
    });
  }
  return items;
}

export function decodeHead(item: Item, corrupt: (why: string) => Error): { rollupAdmin: string; nextIndex: number } {
  const nextIndex = Number(item.nextIndex?.N);
  const rollupAdmin = item.rollupAdmin?.S;
  if (rollupAdmin === undefined || !Number.isSafeInteger(nextIndex) || nextIndex < 0 || nextIndex > MAX_INDEX + 1) {
    throw corrupt(`head item: expected rollupAdmin and a nextIndex in 0..2^32, got ${JSON.stringify(item)}`);
  }
  return { rollupAdmin, nextIndex };
}

/**
 * An allocation item with its pubkeys gathered from its chunk items (`chunksOf` gives the chunk
 * items of a request id). Its recorded chunk count must be complete.
 */
export function decodeAllocation(
  item: Item,
  chunksOf: (requestId: string) => Item[],
  corrupt: (why: string) => Error,
): IndexAllocation {
  const raw = {
    requestId: item.requestId?.S,
    start: item.start?.N === undefined ? undefined : Number(item.start.N),
    count: item.count?.N === undefined ? undefined : Number(item.count.N),
    allocatedAt: item.allocatedAt?.S,
  };
  const parsed = allocationSchema.safeParse(raw);
  if (!parsed.success)
    throw corrupt(
      `allocation item ${item.sk?.S}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const allocation: IndexAllocation = parsed.data;
  if (item.pubkeyChunks === undefined) return allocation;
  const expected = Number(item.pubkeyChunks.N);
  const chunks = chunksOf(allocation.requestId).sort((x, y) => Number(x.chunk?.N) - Number(y.chunk?.N));
  if (chunks.length !== expected || chunks.some((c, i) => Number(c.chunk?.N) !== i)) {
    throw corrupt(`allocation ${allocation.requestId} records ${expected} pubkey chunk(s), found ${chunks.length}`);
  }
  const pubkeys = chunks.flatMap((c) => (c.pubkeys?.L ?? []).map((v) => v.S ?? ''));
  const withKeys = allocationSchema.safeParse({ ...allocation, pubkeys });
  if (!withKeys.success || pubkeys.length !== allocation.count) {
    throw corrupt(
      `allocation ${allocation.requestId}: ${pubkeys.length} recorded pubkeys for ${allocation.count} indices, or a malformed one`,
    );
  }
  return withKeys.data;
}

/** Chunk items grouped by request id (one pass over a partition's items). */
export function chunksByRequest(items: readonly Item[]): (requestId: string) => Item[] {
  const byRequest = new Map<string, Item[]>();
  for (const item of items) {
    if (item.type?.S !== 'pubkeys' || item.requestId?.S === undefined) continue;
    const list = byRequest.get(item.requestId.S) ?? [];
    list.push(item);
    byRequest.set(item.requestId.S, list);
  }
  return (requestId) => byRequest.get(requestId) ?? [];
}

function chunkCount(keys: number): number {
  return Math.ceil(keys / PUBKEYS_PER_CHUNK);
}
