// What one key index allocation costs as a rollup grows, for each store: N validators allocated for
// one rollup, `batch` keys per allocation (1 by default: the most writes), one writer. Prints the
// mean time per allocation at the start (the first allocations of an empty rollup) and at the end
// (the last ones, the rollup holding all the others), and for DynamoDB the requests and bytes sent
// per allocation, which do not grow (a fixed number of items per write).
// The file store allocates every one of them: it rewrites the rollup's whole file (with fsync) on
// every write. DynamoDB runs on moto_server, whose transactions copy the whole table before they
// apply (moto's own cost, not DynamoDB's: ~0.2 s per allocation at 1,000 items, growing with the
// table): allocating 10,000 one by one would take hours, so the items of the allocations between
// the first and the last window are written in bulk (BatchWriteItem, the items the store itself
// writes), and the state is read back and checked at the end.
//   npx tsx bench/index-store.ts [validators=10000] [batch=1] [--only file|dynamodb]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ethers } from 'ethers';
import { IndexStateStore } from '../activities/keys/index-state';
import type { IndexStore } from '../activities/keys/index-store';
import { DynamoDbIndexStore } from '../activities/keys/index-store-dynamodb';
import { allocationKey, encodeAllocation, keyOf } from '../activities/keys/index-store-dynamodb-items';
import { createIndexTable } from '../activities/keys/index-store-dynamodb-table';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../localnet/services/moto';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
const VALIDATORS = Number(args[0] ?? 10_000);
const BATCH = Number(args[1] ?? 1);
if (!Number.isInteger(VALIDATORS) || VALIDATORS < 1 || !Number.isInteger(BATCH) || BATCH < 1 || BATCH > 10_000) {
  throw new Error(
    `usage: npx tsx bench/index-store.ts [validators ≥ 1] [batch 1..10000] [--only file|dynamodb], got ${args.join(' ')}`,
  );
}
if (only !== undefined && only !== 'file' && only !== 'dynamodb')
  throw new Error(`--only: expected file or dynamodb, got "${only}"`);
const ALLOCATIONS = Math.ceil(VALIDATORS / BATCH);
/** Allocations timed at the start and at the end (fewer at the end on moto: each takes seconds there). */
const FILE_WINDOW = 100;
const DYNAMO_WINDOW = { first: 100, last: 20 };

const countOf = (i: number) => Math.min(BATCH, VALIDATORS - i * BATCH);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Allocations `from` to `to` - 1, one by one; the time of each. */
async function allocate(
  store: IndexStore,
  admin: string,
  from: number,
  to: number,
  after?: () => void,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = from; i < to; i++) {
    const t = performance.now();
    const a = await store.allocateIndices(admin, `creation-${i}`, countOf(i));
    times.push(performance.now() - t);
    if (a.start !== i * BATCH) throw new Error(`allocation ${i} started at ${a.start}, expected ${i * BATCH}`);
    after?.();
    if ((i + 1) % 1000 === 0) process.stderr.write(`  ${store.kind}: ${i + 1} of ${ALLOCATIONS} allocations\n`);
  }
  return times;
}

function print(name: string, first: number[], last: number[], totalS: number, extra: string): void {
  console.log(
    `${name.padEnd(9)} ${ALLOCATIONS} allocations in ${totalS.toFixed(1)} s; per allocation: ` +
      `first ${first.length} ${mean(first).toFixed(2)} ms, last ${last.length} ${mean(last).toFixed(2)} ms; ${extra}`,
  );
}

async function benchFile(admin: string): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'index-store-bench-'));
  try {
    const store = new IndexStateStore({ folder });
    const started = performance.now();
    const times = await allocate(store, admin, 0, ALLOCATIONS);
    print(
      'file',
      times.slice(0, FILE_WINDOW),
      times.slice(-FILE_WINDOW),
      (performance.now() - started) / 1000,
      `state file ${(statSync(store.statePath(admin)).size / 1024).toFixed(0)} KiB at the end`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function benchDynamo(admin: string): Promise<void> {
  const moto = await startMoto({ serial: true });
  const client = new DynamoDBClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  try {
    // Bytes and requests sent, counted at the wire (after signing).
    let bytes = 0;
    let requests = 0;
    client.middlewareStack.add(
      (next) => async (input) => {
        const body = (input.request as { body?: string | { byteLength?: number } }).body;
        bytes += typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
        requests += 1;
        return next(input);
      },
      { step: 'finalizeRequest', name: 'countBytes' },
    );
    // Time per command (moto's own cost shows in TransactWriteItems: it copies the table).
    const perCommand = new Map<string, number[]>();
    client.middlewareStack.add(
      (next, context) => async (input) => {
        const t = performance.now();
        try {
          return await next(input);
        } finally {
          const name = (context as { commandName?: string }).commandName ?? '?';
          perCommand.set(name, [...(perCommand.get(name) ?? []), performance.now() - t]);
        }
      },
      { step: 'initialize', name: 'timeCommands' },
    );
    const commandTimes = () =>
      [...perCommand].map(([name, ts]) => `${name.replace(/Command$/, '')} ${mean(ts).toFixed(1)} ms`).join(', ');
    const table = 'bench-key-indices';
    await createIndexTable(client, table);
    const store = new DynamoDbIndexStore({ client, table });
    const sent: { bytes: number; requests: number }[] = [];
    let mark = { bytes: 0, requests: 0 };
    const count = () => {
      sent.push({ bytes: bytes - mark.bytes, requests: requests - mark.requests });
      mark = { bytes, requests };
    };
    const started = performance.now();
    // Few allocations (large batches): all of them one by one, the windows overlapping.
    const bulk = ALLOCATIONS > DYNAMO_WINDOW.first + DYNAMO_WINDOW.last;
    const firstEnd = bulk ? DYNAMO_WINDOW.first : ALLOCATIONS;
    const lastStart = bulk ? ALLOCATIONS - DYNAMO_WINDOW.last : ALLOCATIONS;
    const all = await allocate(store, admin, 0, firstEnd, count);
    const first = all.slice(0, DYNAMO_WINDOW.first);
    const firstCommands = commandTimes();
    if (bulk) {
      await prefill(client, table, admin, firstEnd, lastStart);
      perCommand.clear();
    }
    const firstSent = sent[1] ?? sent[0]; // the very first allocation also creates the head item
    mark = { bytes, requests };
    const last = bulk ? await allocate(store, admin, lastStart, ALLOCATIONS, count) : all.slice(-DYNAMO_WINDOW.last);
    const lastSent = sent[sent.length - 1];
    const lastCommands = bulk ? commandTimes() : firstCommands;
    const state = await store.readState(admin);
    if (state.nextIndex !== VALIDATORS || state.allocations.length !== ALLOCATIONS)
      throw new Error(`end state: next index ${state.nextIndex}, ${state.allocations.length} allocations`);
    print(
      'dynamodb',
      first,
      last,
      (performance.now() - started) / 1000,
      `sent per allocation: ${firstSent.requests} requests / ${firstSent.bytes} bytes at the start, ${lastSent.requests} requests / ${lastSent.bytes} bytes ` +
        `at the end; ${bulk ? `allocations ${firstEnd}-${lastStart - 1} written in bulk` : 'every allocation made one by one'} (moto_server, serial)`,
    );
    console.log(`          per request at the start: ${firstCommands}; at the end: ${lastCommands}`);
  } finally {
    client.destroy();
    await moto.stop();
  }
}

/** The items allocations `from` to `to` - 1 would have written, 25 per BatchWriteItem, then the head moved past them. */
async function prefill(client: DynamoDBClient, table: string, admin: string, from: number, to: number): Promise<void> {
  const lower = admin.toLowerCase();
  const allocatedAt = new Date().toISOString();
  for (let i = from; i < to; i += 25) {
    const items = [];
    for (let j = i; j < Math.min(i + 25, to); j++) {
      const allocation = { requestId: `creation-${j}`, start: j * BATCH, count: countOf(j), allocatedAt };
      items.push({
        PutRequest: { Item: { ...keyOf(lower, allocationKey(allocation.requestId)), ...encodeAllocation(allocation) } },
      });
    }
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
    if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error('moto left items unprocessed');
  }
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: keyOf(lower, 'head'),
      UpdateExpression: 'SET nextIndex = :n',
      ExpressionAttributeValues: { ':n': { N: String(to * BATCH) } },
    }),
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; ${VALIDATORS} validators for one rollup, ${BATCH} per allocation`);
  const admin = ethers.Wallet.createRandom().address;
  if (only !== 'dynamodb') await benchFile(admin);
  if (only !== 'file') await benchDynamo(admin);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
