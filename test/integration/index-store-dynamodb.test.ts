// The shared key index store in DynamoDB (activities/keys/index-store-dynamodb.ts) against a real
// emulator (moto_server, one per file): the table is made by the set-up function and checked at
// start; two store instances with their own clients (two workers) allocating for one rollup at
// once never overlap and leave no gap; retries are idempotent; pubkeys are recorded in chunks and
// read back in order; a rollup without state asks whenMissing before index 0 (a refusal writes
// nothing); `mnemonic import-index-state` copies a folder of state files into the table as it is,
// and `mnemonic keys --index-table` lists the pubkeys of the table's allocations.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ethers } from 'ethers';
import {
  IndexRequestConflictError,
  IndexStateCorruptError,
  IndexStateMissingError,
} from '../../activities/keys/errors';
import type { IndexAllocation } from '../../activities/keys/index-store';
import { IndexStateStore } from '../../activities/keys/index-state';
import { DynamoDbIndexStore } from '../../activities/keys/index-store-dynamodb';
import { createIndexTable, IndexTableError, verifyIndexTable } from '../../activities/keys/index-store-dynamodb-table';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { generateMnemonic, MnemonicVault } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { importIndexStateCommand } from '../../client/commands/index-state-import';
import { mnemonicCommand } from '../../client/commands/mnemonic';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { useService } from '../harness/service';

const TABLE = 'nexus-key-indices';
const newAdmin = () => ethers.Wallet.createRandom().address;
/**
 * The CLI commands make their clients as an operator's would, from the SDK's default credential
 * chain: moto's credentials in this process's environment; returns what puts the old ones back.
 */
function useMotoCredentials(): () => void {
  const saved = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
  };
  process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
const pubkey = (i: number) => `0x${i.toString(16).padStart(96, '0')}`;

describe('keys: DynamoDbIndexStore (shared key index allocation, moto_server)', () => {
  const moto = useService('moto', () => startMoto({ serial: true }));
  const clients: DynamoDBClient[] = [];
  /** A client of its own, as each worker process has. */
  const client = () => {
    const c = new DynamoDBClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    clients.push(c);
    return c;
  };
  const store = () => new DynamoDbIndexStore({ client: client(), table: TABLE });

  before(async () => {
    assert.equal(await createIndexTable(client(), TABLE), 'created');
  });
  after(() => {
    for (const c of clients) c.destroy();
  });

  it('the set-up creates the table once; a missing or foreign table is refused with the command that creates it', async () => {
    assert.equal(await createIndexTable(client(), TABLE), 'exists', 'a second run leaves it as it is');
    await verifyIndexTable(client(), TABLE);
    const missing = await verifyIndexTable(client(), 'no-such-table').catch((e: unknown) => e);
    assert.ok(missing instanceof IndexTableError, String(missing));
    assert.match(missing.message, /table no-such-table does not exist .*nexus-bot mnemonic create-index-table/);
    // An allocation against a missing table is refused (non-retryable), never read as "no state".
    const err = await new DynamoDbIndexStore({ client: client(), table: 'no-such-table' })
      .allocateIndices(newAdmin(), 'r', 1)
      .catch((e: unknown) => e);
    assert.ok(err instanceof IndexStateCorruptError, String(err));
    assert.match(err.message, /does not exist; refusing to start from index 0/);
  });

  it('allocates consecutive ranges per rollup; a retry of a request gets its range; another count is a conflict', async () => {
    const s = store();
    const admin = newAdmin();
    assert.equal(await s.readStateIfPresent(admin), undefined);
    const a = await s.allocateIndices(admin, 'wf-1/activity-7', 3);
    const b = await s.allocateIndices(admin, 'req#b', 2);
    assert.deepEqual([a.start, a.count, b.start, b.count], [0, 3, 3, 2]);
    assert.deepEqual(
      await store().allocateIndices(admin, 'wf-1/activity-7', 3),
      a,
      'another worker retrying gets the same range',
    );
    const conflict = await s.allocateIndices(admin, 'req#b', 5).catch((e: unknown) => e);
    assert.ok(conflict instanceof IndexRequestConflictError, String(conflict));
    assert.deepEqual(await s.allocatedIndices(admin), [0, 1, 2, 3, 4]);
    const state = await s.readState(admin);
    assert.equal(state.rollupAdmin, admin.toLowerCase());
    assert.equal(state.nextIndex, 5);
    assert.equal(
      (await s.allocateIndices(newAdmin(), 'wf-1/activity-7', 1)).start,
      0,
      'another rollup has its own indices',
    );
  });

  it('two workers allocating for one rollup at once never get the same index and leave no gap', async function () {
    this.timeout(120_000);
    const admin = newAdmin();
    const workers = [store(), store()];
    const rounds = 25;
    // Each worker runs 3 allocations at a time, as concurrent activities do; both start together.
    const runs = workers.flatMap((w, wi) =>
      [0, 1, 2].map(async (lane) => {
        const got: IndexAllocation[] = [];
        for (let i = lane; i < rounds; i += 3) got.push(await w.allocateIndices(admin, `w${wi}-${i}`, 1 + (i % 3)));
        return got;
      }),
    );
    // Both workers also retry one shared request at once: one range, given to both.
    const shared = await Promise.all(workers.map((w) => w.allocateIndices(admin, 'shared-request', 4)));
    const got = [...(await Promise.all(runs)).flat(), shared[0]];
    assert.deepEqual(shared[0], shared[1]);

    const owner = new Map<number, string>();
    for (const a of got) {
      for (let i = a.start; i < a.start + a.count; i++) {
        assert.ok(!owner.has(i), `index ${i} given to ${owner.get(i)} and ${a.requestId}`);
        owner.set(i, a.requestId);
      }
    }
    const indices = [...owner.keys()].sort((x, y) => x - y);
    assert.deepEqual(
      indices,
      Array.from({ length: owner.size }, (_, i) => i),
      'no gap',
    );
    const state = await store().readState(admin);
    assert.equal(state.allocations.length, 2 * rounds + 1);
    assert.equal(state.nextIndex, owner.size);
    assert.ok(
      workers[0].lostRaces + workers[1].lostRaces > 0,
      'the workers did race (a conditional write was lost and retried)',
    );
  });

  it('records pubkeys idempotently, in chunks for large ranges, read back in index order', async () => {
    const s = store();
    const admin = newAdmin();
    const small = await s.allocateIndices(admin, 'small', 2);
    const large = await s.allocateIndices(admin, 'large', 2_500);
    await s.recordPubkeys(admin, 'small', [pubkey(1), pubkey(2)]);
    await s.recordPubkeys(admin, 'small', [pubkey(1).toUpperCase().replace('0X', '0x'), pubkey(2)]); // same keys: nothing to do
    const other = await s.recordPubkeys(admin, 'small', [pubkey(2), pubkey(1)]).catch((e: unknown) => e);
    assert.ok(other instanceof IndexRequestConflictError, String(other));
    const count = await s.recordPubkeys(admin, 'small', [pubkey(1)]).catch((e: unknown) => e);
    assert.ok(
      count instanceof IndexRequestConflictError && /allocated 2 indices, got 1/.test(count.message),
      String(count),
    );
    const none = await s.recordPubkeys(admin, 'never-allocated', [pubkey(1)]).catch((e: unknown) => e);
    assert.ok(none instanceof IndexRequestConflictError && /no allocation/.test(none.message), String(none));

    const keys = Array.from({ length: 2_500 }, (_, i) => pubkey(1_000 + i));
    await s.recordPubkeys(admin, 'large', keys);
    const state = await store().readState(admin);
    const byId = new Map(state.allocations.map((a) => [a.requestId, a]));
    assert.deepEqual(byId.get('small')?.pubkeys, [pubkey(1), pubkey(2)]);
    assert.deepEqual(byId.get('large')?.pubkeys, keys);
    assert.equal(byId.get('large')?.start, large.start);
    assert.equal(small.start, 0);
    // A retried allocation returns what the file store returns: the range and its recorded pubkeys.
    assert.deepEqual((await s.allocateIndices(admin, 'small', 2)).pubkeys, [pubkey(1), pubkey(2)]);
    const items = await client().send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `rollup#${admin.toLowerCase()}` } },
      }),
    );
    assert.equal(
      items.Items?.filter((i) => i.type?.S === 'pubkeys').length,
      1 + 3,
      '2,500 keys in 3 chunk items, 2 in one',
    );
  });

  it('two workers recording different pubkeys for one request at once: one list wins, the other is a conflict', async () => {
    const admin = newAdmin();
    const workers = [store(), store()];
    await workers[0].allocateIndices(admin, 'batch', 3);
    const lists = [
      [1, 2, 3],
      [4, 5, 6],
    ].map((l) => l.map(pubkey));
    const outcomes = await Promise.allSettled(workers.map((w, i) => w.recordPubkeys(admin, 'batch', lists[i])));
    const won = outcomes.findIndex((o) => o.status === 'fulfilled');
    assert.equal(
      outcomes.filter((o) => o.status === 'fulfilled').length,
      1,
      `exactly one list recorded: ${inspect(outcomes, { depth: 1 })}`,
    );
    const lost = outcomes[1 - won];
    assert.ok(
      lost.status === 'rejected' && lost.reason instanceof IndexRequestConflictError,
      inspect(lost, { depth: 1 }),
    );
    assert.deepEqual((await store().readState(admin)).allocations[0].pubkeys, lists[won]);
  });

  it('a rollup without state asks whenMissing before index 0; a refusal (deposits at Nexus) writes nothing', async () => {
    const s = store();
    const admin = newAdmin();
    const asked: string[] = [];
    const refuse = async (location: string) => {
      asked.push(location);
      throw new IndexStateMissingError(`missing ${location}`);
    };
    const err = await s.allocateIndices(admin, 'r1', 2, { whenMissing: refuse }).catch((e: unknown) => e);
    assert.ok(err instanceof IndexStateMissingError, `expected IndexStateMissingError, got ${inspect(err)}`);
    assert.deepEqual(asked, [s.stateLocation(admin)]);
    assert.match(asked[0], new RegExp(`^item rollup#${admin.toLowerCase()}/head of DynamoDB table ${TABLE}$`));
    assert.equal(await s.readStateIfPresent(admin), undefined, 'nothing was written');
    assert.equal(
      (
        await s.allocateIndices(admin, 'r1', 2, {
          whenMissing: async (l) => {
            asked.push(l);
          },
        })
      ).start,
      0,
    );
    assert.equal((await s.allocateIndices(admin, 'r2', 1, { whenMissing: refuse })).start, 2);
    assert.equal(asked.length, 2, 'not asked once the rollup has state');
  });

  it('updateState (the rebuild) adds allocations and raises the next index, and refuses to change or drop one', async () => {
    const s = store();
    const admin = newAdmin();
    const lower = admin.toLowerCase();
    const at = new Date(0).toISOString();
    const first = await s.updateState(admin, () => ({
      rollupAdmin: lower,
      nextIndex: 6,
      allocations: [0, 2, 5].map((i) => ({
        requestId: `rebuild:${i}-${i}`,
        start: i,
        count: 1,
        allocatedAt: at,
        pubkeys: [pubkey(i)],
      })),
    }));
    assert.equal(first.written, true);
    assert.equal(first.before, undefined);
    assert.deepEqual(await s.allocatedIndices(admin), [0, 2, 5]);
    assert.equal(
      (await s.allocateIndices(admin, 'after', 1)).start,
      6,
      'allocation goes on past the rebuilt next index',
    );
    assert.equal((await s.updateState(admin, () => undefined)).written, false);
    const changed = await s
      .updateState(admin, (cur) => cur && { ...cur, allocations: cur.allocations.slice(1) })
      .catch((e: unknown) => e);
    assert.match(String(changed), /may only add allocations/);
    const lowered = await s
      .updateState(admin, (cur) => cur && { ...cur, nextIndex: 1, allocations: [] })
      .catch((e: unknown) => e);
    assert.match(String(lowered), /cannot lower the next index/);
    assert.equal((await s.readState(admin)).nextIndex, 7, 'nothing written by the refused updates');
  });

  it('`mnemonic keys --index-table` re-derives the pubkeys of the indices the table holds', async () => {
    const folder = await fs.mkdtemp(join(tmpdir(), 'nexus-index-keys-'));
    const restore = useMotoCredentials();
    try {
      const admin = newAdmin();
      const mnemonic = generateMnemonic();
      const sm = new SecretsManagerClient({
        endpoint: moto().endpoint,
        region: MOTO_REGION,
        credentials: MOTO_CREDENTIALS,
      });
      await new MnemonicVault(sm, new SaltHolder('keys-salt')).createMnemonic(admin, { mnemonic });
      sm.destroy();
      await fs.writeFile(join(folder, 'salt'), 'keys-salt');
      const s = store();
      await s.allocateIndices(admin, 'a', 2);
      await s.allocateIndices(admin, 'b', 1);
      const lines: string[] = [];
      await mnemonicCommand(
        [
          'keys',
          admin,
          '--index-table',
          TABLE,
          '--json',
          '--salt-file',
          join(folder, 'salt'),
          '--aws-region',
          MOTO_REGION,
          '--aws-endpoint',
          moto().endpoint,
        ],
        (l) => lines.push(l),
      );
      const keys = await deriveSigningKeys(mnemonic, [0, 1, 2]);
      const expected = keys.map((k) => ({ index: k.index, path: k.path, pubkey: k.pubkeyHex }));
      wipeKeys(keys);
      assert.deepEqual(JSON.parse(lines.join('\n')), expected);
    } finally {
      restore();
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  it('import-index-state copies every rollup of a folder as it is; a re-run skips them; a differing state is refused, named', async () => {
    const folder = await fs.mkdtemp(join(tmpdir(), 'nexus-index-import-'));
    const restore = useMotoCredentials();
    try {
      const files = new IndexStateStore({ folder });
      const [a, b] = [newAdmin(), newAdmin()];
      await files.allocateIndices(a, 'wf-1', 2);
      await files.recordPubkeys(a, 'wf-1', [pubkey(7), pubkey(8)]);
      await files.allocateIndices(a, 'wf-2', 1);
      await files.allocateIndices(b, 'wf-1', 3);
      const lines: string[] = [];
      const run = () =>
        importIndexStateCommand(
          [
            '--index-state',
            folder,
            '--index-table',
            TABLE,
            '--aws-region',
            MOTO_REGION,
            '--aws-endpoint',
            moto().endpoint,
          ],
          (l) => lines.push(l),
        );
      await run();
      const sorted = (st: { allocations: IndexAllocation[] }) => ({
        ...st,
        allocations: [...st.allocations].sort((x, y) => x.start - y.start),
      });
      for (const admin of [a, b])
        assert.deepEqual(sorted(await store().readState(admin)), sorted(await files.readState(admin)));
      assert.equal(
        (await store().allocateIndices(a, 'after-import', 1)).start,
        3,
        'allocation goes on where the file left off',
      );
      assert.match(lines.join('\n'), /2 rollup state file\(s\) in .* → DynamoDB table nexus-key-indices/);

      lines.length = 0;
      const again = await run().catch((e: unknown) => e);
      assert.match(
        String(again),
        new RegExp(
          `1 rollup\\(s\\) not imported:\\s+${a}: the table holds another state for rollup ${a} \\(next index 4, 3 allocation\\(s\\); the file: 3, 2\\): nothing written for it`,
        ),
      );
      assert.match(lines.join('\n'), new RegExp(`${b}: already in the table, identical: skipped`));
    } finally {
      restore();
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
