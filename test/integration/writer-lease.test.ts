// One chain writer, enforced (issue 14): the writer lease and the fenced journal/nonce stream in
// DynamoDB (a real moto_server), and two transaction managers on purpose against a real anvil: the
// stale or lease-less writer is refused before anything reaches the chain, and a new holder
// continues the nonce stream where the old one stopped.
import assert from 'node:assert/strict';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ethers } from 'ethers';
import { startAnvil, ANVIL_DEV_MNEMONIC } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { DynamoWriterLease } from '../../activities/chain/dynamo/lease';
import { DynamoTxJournal } from '../../activities/chain/dynamo/tx-journal';
import { ensureWriterTable, leasePk, streamOf } from '../../activities/chain/dynamo/table';
import {
  MemoryTxJournal,
  TransactionManager,
  WriterFencedError,
  type TransactionManagerOptions,
  type TxEvent,
  type TxRecord,
} from '../../activities/chain/tx-manager';
import { useService } from '../harness/service';
import { FileTxJournal } from '../../activities/chain/tx-journal-file';
import { parseWorkerConfig } from '../../worker/config';
import { createTxStore } from '../../worker/tx-store';
import { rejection } from '../harness/rejection';

const GWEI = 10n ** 9n;

describe('integration: chain-writer lease and fenced journal (DynamoDB on moto, anvil)', function () {
  this.timeout(60_000);
  const moto = useService('moto', () => startMoto());
  const anvil = useService('anvil', () => startAnvil());
  let tables = 0;
  let table: string;
  const client = () =>
    new DynamoDBClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  const STREAM = streamOf('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');

  // A fresh table per test: leases and streams never leak between tests.
  beforeEach(async () => {
    table = `writer-${++tables}`;
    await ensureWriterTable(client(), table);
  });

  const lease = (holder: string, ttlMs = 60_000, stream = STREAM) =>
    new DynamoWriterLease({ client: client(), table, stream, ttlMs, holder, pollMs: 50 });
  // Bounded: a lease that never frees fails the test in 10 s with "aborted due to timeout".
  const take = (l: DynamoWriterLease) => l.acquire({ signal: AbortSignal.timeout(10_000) });
  const journal = (l: DynamoWriterLease, stream = STREAM) =>
    new DynamoTxJournal({ client: client(), table, stream, lease: l });
  const record = (key: string, nonce: number, status: TxRecord['status'] = 'pending'): TxRecord => ({
    version: 1,
    idempotencyKey: key,
    label: 'test',
    from: '0x0',
    chainId: '31337',
    to: '0x0',
    value: '0',
    dataHash: '0x',
    nonce,
    gasLimit: '21000',
    attempts: [{ hash: `0x${nonce}`, maxFeePerGas: '1', maxPriorityFeePerGas: '1', sentAt: 1, raw: '0x' }],
    status,
    createdAt: 1,
    updatedAt: 1,
  });
  const leaseItem = async () =>
    (
      await client().send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: leasePk(STREAM) } }, ConsistentRead: true }),
      )
    ).Item;

  describe('the lease (conditional writes)', () => {
    it('is taken once: a second holder waits; release lets it in with a higher epoch and the first loses its renewals', async () => {
      const a = lease('a');
      const b = lease('b');
      assert.deepEqual(await a.tryAcquire(), { epoch: 1 });
      assert.equal(await b.tryAcquire(), undefined, 'b took a held lease');
      assert.equal((await leaseItem())?.holder?.S, 'a');
      await a.release();
      assert.equal(a.held(), undefined);
      assert.deepEqual(await b.tryAcquire(), { epoch: 2 });
      assert.equal(await a.renew(), false, 'a released lease was renewed');
      await b.release();
    });

    it('take-over after expiry: the paused holder is not renewed, the new one gets epoch + 1, the old one learns it lost', async () => {
      const a = lease('a', 800);
      const b = lease('b', 60_000);
      const { epoch } = (await a.tryAcquire()) ?? assert.fail('a could not take a free lease');
      a.stopRenewing(); // the process "pauses"
      assert.equal(await b.tryAcquire(), undefined, 'taken before expiry');
      const took = await take(b);
      assert.equal(took.epoch, epoch + 1);
      const lost: string[] = [];
      a.onLost((why) => lost.push(why));
      assert.equal(await a.renew(), false);
      assert.match(lost.join(), /no longer the lease's/);
      assert.equal(a.held(), undefined);
      await b.release();
    });
  });

  describe('the fenced journal', () => {
    it("writes and reads records at the current epoch; a stale holder's put and claim are refused and change nothing", async () => {
      const a = lease('a', 800);
      await take(a);
      const ja = journal(a);
      await ja.put('k1', record('k1', 0));
      await ja.claim(1, record('k2', 1));
      assert.equal(await ja.next(), 2);
      assert.equal(await ja.keyAt(1), 'k2');
      assert.equal((await ja.get('k1'))?.nonce, 0);

      a.stopRenewing();
      const b = lease('b');
      await take(b);
      const stalePut = await rejection(ja.put('k1', record('k1', 0, 'mined')));
      assert.ok(stalePut instanceof WriterFencedError, String(stalePut));
      assert.equal(stalePut.type, 'WriterFenced');
      const staleClaim = await rejection(ja.claim(2, record('k3', 2)));
      assert.ok(staleClaim instanceof WriterFencedError);
      const jb = journal(b);
      assert.equal((await jb.get('k1'))?.status, 'pending', 'the stale put changed the record');
      assert.equal(await jb.get('k3'), undefined, 'the stale claim journaled a record');
      assert.equal(await jb.next(), 2, 'the stale claim moved the stream');
      await jb.claim(2, record('k3', 2));
      assert.equal(await jb.next(), 3);
      await b.release();
    });

    it('without a lease nothing is written', async () => {
      const err = await rejection(journal(lease('nobody')).put('k', record('k', 0)));
      assert.ok(err instanceof WriterFencedError);
      assert.match(err.message, /holds no writer lease/);
    });
  });

  describe('worker config selects the store', () => {
    // The worker takes AWS credentials from the SDK's default chain: moto's, for this test only.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    before(() => {
      process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    });
    after(() => {
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('transactions.dynamodb: a fenced DynamoDB journal and its lease (nothing written until the lease is held); journalFile: the file, no lease', async () => {
      const shared = createTxStore(
        parseWorkerConfig({
          transactions: { dynamodb: { table, leaseTtlSeconds: 5 } },
          aws: { region: MOTO_REGION, endpoint: moto().endpoint },
        }),
        '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      );
      assert.ok(shared.journal instanceof DynamoTxJournal && shared.nonceStore === shared.journal && shared.lease);
      assert.ok((await rejection(shared.journal.put('k', record('k', 0)))) instanceof WriterFencedError);
      await shared.lease.acquire({ signal: AbortSignal.timeout(10_000) });
      await shared.journal.put('k', record('k', 0));
      assert.equal((await journal(lease('reader')).get('k'))?.nonce, 0, 'not in the shared table');
      await shared.lease.release();
      const file = createTxStore(
        parseWorkerConfig({ transactions: { journalFile: '/tmp/never-written.json' } }),
        '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      );
      assert.ok(file.journal instanceof FileTxJournal);
      assert.equal(file.lease, undefined);
      assert.equal(file.nonceStore, undefined);
    });
  });

  describe('two writers on purpose (real anvil)', () => {
    let provider: ethers.JsonRpcProvider;
    let events: TxEvent[];
    before(() => {
      provider = new ethers.JsonRpcProvider(anvil().rpcUrl, undefined, {
        staticNetwork: true,
        cacheTimeout: -1,
        pollingInterval: 50,
      });
    });
    after(() => provider.destroy());

    // anvil account 1 (the stream above), a fresh chain state per test via snapshots.
    let snapshot: string;
    beforeEach(async () => {
      events = [];
      snapshot = (await provider.send('evm_snapshot', [])) as string;
    });
    afterEach(async () => {
      await provider.send('evm_setAutomine', [true]);
      await provider.send('evm_revert', [snapshot]);
    });

    const signer = () =>
      ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/1").connect(provider);
    const options = (j: DynamoTxJournal, who: string): TransactionManagerOptions => ({
      provider,
      signer: signer(),
      chainId: 31337,
      journal: j,
      nonceStore: j,
      maxFeePerGasCeiling: 500n * GWEI,
      maxPriorityFeePerGas: GWEI,
      confirmations: 1,
      stuckAfterMs: 60_000,
      feeBumpPercent: 20,
      maxFeeBumps: 3,
      pollIntervalMs: 50,
      log: (e) => events.push({ ...e, reason: `${who}: ${e.reason ?? ''}` }),
    });
    const manager = (j: DynamoTxJournal, who: string) => new TransactionManager(options(j, who));
    const to = (i: number) => ethers.getAddress(`0x${(0xbeef0000 + i).toString(16).padStart(40, '0')}`);
    const transfer = (key: string, i: number) => ({
      to: to(i),
      data: '0x',
      value: 1n,
      label: 'transfer',
      idempotencyKey: key,
    });
    const latestNonce = async () =>
      Number(await provider.send('eth_getTransactionCount', [signer().address, 'latest']));
    const pendingNonce = async () =>
      Number(await provider.send('eth_getTransactionCount', [signer().address, 'pending']));
    const received = async (i: number) => provider.getBalance(to(i));

    it('the stale first writer is fenced off and sends nothing; the second continues its nonce stream', async () => {
      const start = await pendingNonce();
      const leaseA = lease('writer-a', 800);
      const a = manager(journal(leaseA), 'a');
      await take(leaseA);
      await a.sendAndWait(transfer('a-1', 1));
      await a.sendAndWait(transfer('a-2', 2));

      leaseA.stopRenewing(); // writer A "pauses" past its lease
      const leaseB = lease('writer-b');
      const b = manager(journal(leaseB), 'b');
      const { epoch } = await take(leaseB);
      assert.equal(epoch, 2);
      const sentB = await b.send(transfer('b-1', 3));
      assert.equal(sentB.nonce, start + 2, 'the new holder did not continue the stream');
      await b.waitForReceipt(sentB);
      // Each attempt says which holder sent it (the epoch it was journaled under).
      assert.deepEqual(
        [(await b.record('a-1'))?.attempts[0].epoch, (await b.record('b-1'))?.attempts[0].epoch],
        [1, 2],
        "the attempts' writer epochs",
      );

      // A wakes up and sends: refused before it reaches the chain.
      const err = await rejection(a.send(transfer('a-late', 4)));
      assert.ok(err instanceof WriterFencedError, String(err));
      assert.match(err.message, /epoch 1\).*not this process's/, "refused by the store's condition");
      assert.equal(await latestNonce(), start + 3);
      assert.equal(await pendingNonce(), start + 3, 'a transaction of the fenced writer is pending');
      assert.equal(await received(4), 0n, "the fenced writer's transfer reached the chain");
      assert.equal(await b.record('a-late'), undefined, 'the fenced writer journaled its transaction');
      assert.ok(events.some((e) => e.event === 'fenced' && e.key === 'a-late'));
      await leaseB.release();
    });

    // The other way back: the writer paused while waiting for the receipt of its own pending
    // transaction. When it wakes it finds the transaction stuck and bumps its fee: the replacement
    // is a send from the bot key too, and must be refused before it reaches the node.
    it('a stale writer that comes back to its pending transaction is refused its fee bump: the node never sees the replacement', async () => {
      await provider.send('evm_setAutomine', [false]);
      const start = await pendingNonce();
      const leaseA = lease('writer-a', 800);
      const a = new TransactionManager({ ...options(journal(leaseA), 'a'), stuckAfterMs: 100 });
      await take(leaseA);
      const sent = await a.send(transfer('a-pending', 8));
      leaseA.stopRenewing(); // writer A "pauses" with its transaction in the pool
      const leaseB = lease('writer-b');
      await take(leaseB);

      // A wakes up: its transaction is stuck past stuckAfterMs, so it replaces it.
      const err = await rejection(a.waitForReceipt(sent));
      assert.ok(err instanceof WriterFencedError, String(err));
      const pool = (await provider.send('txpool_content', [])) as {
        pending: Record<string, Record<string, { hash: string }>>;
      };
      const ours =
        Object.entries(pool.pending).find(([from]) => from.toLowerCase() === signer().address.toLowerCase())?.[1] ?? {};
      assert.deepEqual(
        Object.values(ours).map((tx) => tx.hash),
        [sent.hash],
        "the fenced writer's replacement reached the node",
      );
      assert.deepEqual(
        (await journal(leaseB).get('a-pending'))?.attempts.map((x) => x.hash),
        [sent.hash],
        'the fenced writer journaled its replacement',
      );
      assert.ok(events.some((e) => e.event === 'replaced') === false, 'a replacement was reported sent');

      // The original transaction is still the one that lands.
      await provider.send('evm_mine', []);
      assert.equal((await provider.getTransactionReceipt(sent.hash))?.status, 1);
      assert.equal(await latestNonce(), start + 1);
      assert.equal(await received(8), 1n);
      await leaseB.release();
    });

    it('a manager whose shared nonce stream is not also its journal is refused at construction', () => {
      const j = journal(lease('writer-a'));
      assert.throws(
        () => new TransactionManager({ ...options(j, 'a'), journal: new MemoryTxJournal() }),
        /nonceStore must also be the journal/,
      );
    });

    it('a second writer without the lease (the first holds it) is fenced off and sends nothing', async () => {
      const start = await pendingNonce();
      const leaseA = lease('writer-a');
      await take(leaseA);
      const leaseB = lease('writer-b');
      assert.equal(await leaseB.tryAcquire(), undefined);
      const b = manager(journal(leaseB), 'b');
      const err = await rejection(b.send(transfer('b-early', 5)));
      assert.ok(err instanceof WriterFencedError, String(err));
      assert.equal(await pendingNonce(), start);
      assert.equal(await received(5), 0n);
      await leaseA.release();
    });

    it('a nonce the old holder claimed but never broadcast (crash) is sent as signed by the new holder, which continues after it', async () => {
      const start = await pendingNonce();
      const leaseA = lease('writer-a', 800);
      await take(leaseA);
      const ja = journal(leaseA);
      // The crash: the claim (nonce + signed record) is durable, the broadcast never happens.
      const crashing = Object.assign(Object.create(ja) as DynamoTxJournal, {
        claim: async (n: number, r: TxRecord) => {
          await ja.claim(n, r);
          throw new Error('worker killed');
        },
      });
      await assert.rejects(manager(crashing, 'a').send(transfer('a-crashed', 6)), /worker killed/);
      assert.equal(await pendingNonce(), start, 'broadcast before the crash');
      leaseA.stopRenewing();

      const leaseB = lease('writer-b');
      await take(leaseB);
      const b = manager(journal(leaseB), 'b');
      const sent = await b.send(transfer('b-after', 7));
      assert.equal(sent.nonce, start + 1);
      await b.waitForReceipt(sent);
      const crashed = await b.record('a-crashed');
      assert.equal(crashed?.nonce, start);
      const receipt = await provider.getTransactionReceipt(crashed.attempts[0].hash);
      assert.equal(receipt?.status, 1, 'the claimed transaction was not sent by the new holder');
      assert.equal(await received(6), 1n);
      await leaseB.release();
    });
  });
});
