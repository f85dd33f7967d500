// The transaction journal at 10,000 validators of one rollup (issue 14): per validator a deposit
// record (depositValidatorRollup, one key) and a keyshares registration record
// (depositValidatorShares, 4 operators), each a real signed EIP-1559 transaction, journaled as the
// manager does (pending, then mined). Times per put at the start (empty journal) and at the end
// (all records of the validators in it), for:
//   - the version-1 whole-file journal (bench/whole-file-journal.ts: the journal before issue 14);
//   - the append-only file journal (FileTxJournal), which also migrates the version-1 file;
//   - the DynamoDB journal on moto (fenced writes, one TransactWriteItems per put).
// Prints figures; asserts nothing. Run: npx tsx bench/journal.ts [validators=10000] [samples=200]
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { ethers } from 'ethers';
import { nexusInterface } from '../activities/chain/abi';
import { FileTxJournal } from '../activities/chain/tx-journal-file';
import type { TxJournal, TxRecord } from '../activities/chain/tx-journal';
import { DynamoWriterLease } from '../activities/chain/dynamo/lease';
import { DynamoTxJournal, recordItem } from '../activities/chain/dynamo/tx-journal';
import { ensureWriterTable, streamOf } from '../activities/chain/dynamo/table';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../localnet/services/moto';
import { WholeFileTxJournal } from './whole-file-journal';

const VALIDATORS = Number(process.argv[2] ?? 10_000);
const SAMPLES = Number(process.argv[3] ?? 200);
const OLD_END_SAMPLES = 5; // each of these rewrites the whole file
const MOTO_END_SAMPLES = 10; // each of these makes moto copy the whole table
const GWEI = 10n ** 9n;
const hex = (bytes: number) => ethers.hexlify(ethers.randomBytes(bytes));

/** Two signed transactions of realistic size; records vary their hashes, not their bytes. */
async function templates(): Promise<{ deposit: string; shares: string; from: string }> {
  const wallet = ethers.Wallet.createRandom();
  const admin = ethers.Wallet.createRandom().address;
  const tx = (data: string, nonce: number) =>
    wallet.signTransaction({
      type: 2,
      chainId: 1n,
      nonce,
      to: ethers.Wallet.createRandom().address,
      data,
      value: 0n,
      gasLimit: 400_000n,
      maxFeePerGas: 60n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
  const deposit = nexusInterface.encodeFunctionData('depositValidatorRollup', [
    admin,
    [[hex(48), `0x01${'00'.repeat(11)}${admin.slice(2)}`, hex(96), hex(32)]],
  ]);
  // SSV keyshares for 4 operators: 96-byte signature + 4 × 48-byte share pubkeys + 4 × 256-byte encrypted shares.
  const shares = nexusInterface.encodeFunctionData('depositValidatorShares', [
    admin,
    [hex(48), [1n, 2n, 3n, 4n], hex(96 + 4 * 48 + 4 * 256), 10n ** 19n, [1n, 100_000n, 1n, true, 10n ** 19n]],
  ]);
  return { deposit: await tx(deposit, 1), shares: await tx(shares, 2), from: wallet.address };
}

function makeRecord(
  t: Awaited<ReturnType<typeof templates>>,
  i: number,
  kind: 'deposit' | 'shares',
  status: 'pending' | 'mined',
): TxRecord {
  const raw = kind === 'deposit' ? t.deposit : t.shares;
  const hash = ethers.id(`${kind}:${i}`);
  const now = Date.now();
  return {
    version: 1,
    idempotencyKey: `${kind}:0xrollupadmin:${ethers.id(`pubkey:${i}`).slice(0, 98)}`,
    label: kind === 'deposit' ? 'depositValidatorRollup' : 'depositValidatorShares',
    from: t.from,
    chainId: '1',
    to: ethers.Transaction.from(raw).to!,
    value: '0',
    dataHash: ethers.id(raw),
    nonce: 2 * i + (kind === 'shares' ? 1 : 0),
    gasLimit: '400000',
    attempts: [{ hash, maxFeePerGas: String(60n * GWEI), maxPriorityFeePerGas: String(GWEI), sentAt: now, raw }],
    status,
    createdAt: now,
    updatedAt: now,
    ...(status === 'mined' ? { minedHash: hash, blockNumber: 20_000_000 + i } : {}),
  };
}

/** Validator i journaled as the manager does: each of its two records put pending, then mined. */
function putsOf(t: Awaited<ReturnType<typeof templates>>, i: number): TxRecord[] {
  return [
    makeRecord(t, i, 'deposit', 'pending'),
    makeRecord(t, i, 'deposit', 'mined'),
    makeRecord(t, i, 'shares', 'pending'),
    makeRecord(t, i, 'shares', 'mined'),
  ];
}

interface Stats {
  n: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
}
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    median: s[Math.floor(s.length / 2)],
    p90: s[Math.floor(s.length * 0.9)],
    max: s[s.length - 1],
  };
}
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const row = (name: string, s: Stats) =>
  console.log(
    `  ${name.padEnd(44)} ${String(s.n).padStart(5)} puts  mean ${fmt(s.mean).padStart(7)} ms  median ${fmt(s.median).padStart(7)} ms  p90 ${fmt(s.p90).padStart(7)} ms  max ${fmt(s.max).padStart(7)} ms`,
  );

/** Times `count` puts of the validators from `first` on (4 puts per validator). */
async function timePuts(
  journal: TxJournal,
  t: Awaited<ReturnType<typeof templates>>,
  first: number,
  count: number,
): Promise<number[]> {
  const ms: number[] = [];
  for (let i = first; ms.length < count; i++) {
    for (const r of putsOf(t, i)) {
      if (ms.length >= count) break;
      const started = performance.now();
      await journal.put(r.idempotencyKey, r);
      ms.push(performance.now() - started);
    }
  }
  return ms;
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}; ${VALIDATORS} validators = ${2 * VALIDATORS} records (${4 * VALIDATORS} puts); ${SAMPLES} timed puts per phase`,
  );
  const t = await templates();
  const sample = makeRecord(t, 0, 'shares', 'mined');
  console.log(
    `record sizes (JSON): deposit ${JSON.stringify(makeRecord(t, 0, 'deposit', 'mined')).length} B, keyshares ${JSON.stringify(sample).length} B`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'));
  try {
    // The journal of all validators as the version-1 journal wrote it (its puts would produce this very file).
    const records: Record<string, TxRecord> = {};
    for (let i = 0; i < VALIDATORS; i++) for (const r of putsOf(t, i)) records[r.idempotencyKey] = r;
    const full = join(dir, 'full-v1.json');
    writeFileSync(full, JSON.stringify({ version: 1, records }, null, 1));
    console.log(`version-1 file with every record: ${(statSync(full).size / 1e6).toFixed(1)} MB`);

    console.log('\nwhole-file journal (version 1, before issue 14)');
    row(
      'start (empty journal)',
      stats(await timePuts(new WholeFileTxJournal(join(dir, 'old-start.json')), t, 0, SAMPLES)),
    );
    copyFileSync(full, join(dir, 'old-end.json'));
    const old = new WholeFileTxJournal(join(dir, 'old-end.json'));
    await old.get('x'); // load outside the timing
    row(`end (${2 * VALIDATORS} records)`, stats(await timePuts(old, t, VALIDATORS, OLD_END_SAMPLES)));

    console.log('\nappend-only file journal (version 2)');
    const start = new FileTxJournal(join(dir, 'new-start.json'));
    row('start (empty journal)', stats(await timePuts(start, t, 0, SAMPLES)));
    await start.close();
    copyFileSync(full, join(dir, 'new-end.json'));
    const migrating = performance.now();
    const end = new FileTxJournal(join(dir, 'new-end.json'));
    await end.get('x');
    console.log(
      `  open + migration of the version-1 file (= one compaction of ${2 * VALIDATORS} records): ${fmt(performance.now() - migrating)} ms, ${(statSync(join(dir, 'new-end.json')).size / 1e6).toFixed(1)} MB`,
    );
    row(`end (${2 * VALIDATORS} records)`, stats(await timePuts(end, t, VALIDATORS, SAMPLES)));
    await end.close();

    console.log('\nDynamoDB journal on moto (fenced TransactWriteItems per put)');
    const moto = await startMoto();
    try {
      const client = new DynamoDBClient({
        endpoint: moto.endpoint,
        region: MOTO_REGION,
        credentials: MOTO_CREDENTIALS,
      });
      await ensureWriterTable(client, 'bench-writer');
      const lease = new DynamoWriterLease({ client, table: 'bench-writer', stream: streamOf(t.from), ttlMs: 600_000 });
      await lease.acquire();
      const dynamo = new DynamoTxJournal({ client, table: 'bench-writer', stream: streamOf(t.from), lease });
      row('start (empty table)', stats(await timePuts(dynamo, t, 0, SAMPLES)));
      // Load the final version of every record with BatchWriteItem (25 a request, unfenced: a bulk
      // load, not the journal's path). Not with fenced puts: moto_server copies the whole table for
      // every TransactWriteItems (its rollback; moto 5.2.5 dynamodb/models transact_write_items),
      // so each put costs O(table) on moto, unlike DynamoDB, and 20,000 of them take hours. Nor
      // concurrently: moto answers concurrent writes with 500 "dictionary changed size during iteration".
      const loading = performance.now();
      const all = Object.values(records);
      for (let i = 0; i < all.length; i += 25) {
        let items: WriteRequest[] | undefined = all
          .slice(i, i + 25)
          .map((r) => ({ PutRequest: { Item: recordItem(streamOf(t.from), r) } }));
        while (items?.length)
          items = (await client.send(new BatchWriteItemCommand({ RequestItems: { 'bench-writer': items } })))
            .UnprocessedItems?.['bench-writer'];
      }
      console.log(`  loaded ${all.length} records in ${fmt((performance.now() - loading) / 1000)} s (BatchWriteItem)`);
      row(
        `end (${2 * VALIDATORS} records; moto copies the table per put)`,
        stats(await timePuts(dynamo, t, VALIDATORS, MOTO_END_SAMPLES)),
      );
      await lease.release();
      client.destroy();
    } finally {
      await moto.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
