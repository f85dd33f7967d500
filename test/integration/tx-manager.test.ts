// The bot's transaction stream (tx-manager.ts) against a real anvil with the local Nexus system:
// nonce assignment under concurrency, stuck transactions replaced with capped fee bumps, the fee
// ceiling, reverts at estimation and in mined transactions, idempotent retries across a "crashed"
// worker (file journal), nonce re-sync after an outside transaction, dropped transactions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { nexusInterface } from '../../activities/chain/abi';
import { ContractRevertError } from '../../activities/chain/revert';
import { bumpFees, raiseByPercent, suggestFees } from '../../activities/chain/fees';
import {
  FeeCeilingExceededError,
  FileTxJournal,
  MemoryTxJournal,
  TransactionDroppedError,
  TransactionManager,
  TransactionPendingError,
  toApplicationFailure,
  type TransactionManagerOptions,
  type TxEvent,
  type TxJournal,
  type TxRecord,
} from '../../activities/chain/tx-manager';
import { ETH, NEW_CLUSTER, useContractFixture } from '../contracts/helpers';
import { rejection } from '../harness/rejection';

const GWEI = 10n ** 9n;
const CHAIN_ID = 31337n;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('integration: transaction manager (real anvil)', function () {
  const fx = useContractFixture();
  let dir: string;
  let events: TxEvent[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tx-manager-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    events = [];
  });
  // Runs before the fixture's evm_revert (inner hooks first): leave a clean, automining chain.
  afterEach(async () => {
    await fx().provider.send('evm_setAutomine', [true]);
    await fx().provider.send('evm_mine', []);
  });

  const rpc = <T>(method: string, params: unknown[] = []) => fx().provider.send(method, params) as Promise<T>;
  const pendingNonce = async (address = fx().bot.address) =>
    Number(await rpc<string>('eth_getTransactionCount', [address, 'pending']));
  const nextBaseFee = async () => {
    const h = await rpc<{ baseFeePerGas: string[] }>('eth_feeHistory', ['0x1', 'latest', []]);
    return BigInt(h.baseFeePerGas[h.baseFeePerGas.length - 1]);
  };
  const txpoolCount = async () => {
    const status = await rpc<{ pending: string; queued: string }>('txpool_status');
    return Number(status.pending) + Number(status.queued);
  };

  function manager(overrides: Partial<TransactionManagerOptions> = {}): TransactionManager {
    return new TransactionManager({
      provider: fx().provider,
      signer: fx().bot,
      chainId: CHAIN_ID,
      maxFeePerGasCeiling: 100n * GWEI,
      maxPriorityFeePerGas: 1n * GWEI,
      confirmations: 1,
      stuckAfterMs: 300,
      feeBumpPercent: 20,
      maxFeeBumps: 3,
      pollIntervalMs: 50,
      journal: new MemoryTxJournal(),
      log: (e) => events.push(e),
      ...overrides,
    });
  }

  const transfer = (key: string, value = 1n) => ({
    to: fx().stranger.address,
    data: '0x',
    value,
    label: 'transfer',
    idempotencyKey: key,
  });
  const unknownKeyShares = () =>
    nexusInterface.encodeFunctionData('depositValidatorShares', [
      fx().rollupAdmin.address,
      {
        pubKey: '0x' + '77'.repeat(48),
        operatorIds: fx().operatorIds,
        sharesEncrypted: '0x',
        amount: ETH,
        cluster: NEW_CLUSTER,
      },
    ]);

  describe('sending', () => {
    it('20 concurrent sends: 20 mined transactions with consecutive nonces, no replacement or nonce error', async () => {
      const m = manager();
      const start = await pendingNonce();
      const t0 = Date.now();
      const sent = await Promise.all(
        Array.from({ length: 20 }, (_, i) => m.send(transfer(`concurrent-${i}`, BigInt(i + 1)))),
      );
      const mined = await Promise.all(sent.map((s) => m.waitForReceipt(s)));
      const elapsed = Date.now() - t0;
      const nonces = sent.map((s) => s.nonce).sort((a, b) => a - b);
      assert.deepEqual(
        nonces,
        Array.from({ length: 20 }, (_, i) => start + i),
      );
      for (const [i, r] of mined.entries()) {
        assert.equal(r.receipt.status, 1);
        assert.equal(r.hash, sent[i].hash);
        assert.equal(r.replacements, 0);
        const onChain = await fx().provider.getTransaction(r.hash);
        assert.equal(onChain?.nonce, sent[i].nonce);
        assert.equal(onChain?.value, BigInt(i + 1));
      }
      assert.equal(await pendingNonce(), start + 20);
      assert.deepEqual(
        events.filter((e) => e.event !== 'sent' && e.event !== 'mined'),
        [],
      );
      console.log(`      (20 sends mined in ${elapsed} ms)`);
    });

    it('dry run: a send is refused (DryRunRefusal, non-retryable) before it is signed, journaled or given a nonce', async () => {
      const journal = new MemoryTxJournal();
      const m = manager({ dryRun: true, journal });
      const start = await pendingNonce();
      await assert.rejects(m.sendAndWait(transfer('dry-run')), (err: Error) => {
        assert.equal(err.name, 'DryRunRefusal');
        assert.match(err.message, /^dry run: transfer to 0x[0-9a-fA-F]{40} not sent/);
        const failure = toApplicationFailure(err);
        assert.equal(failure?.type, 'DryRunRefusal');
        assert.equal(failure?.nonRetryable, true);
        return true;
      });
      assert.equal(await journal.get('dry-run'), undefined, 'a dry run journaled a transaction');
      assert.equal(await pendingNonce(), start, 'a dry run used a nonce');
    });

    it('a second send with the same key while the first is in flight shares it (one transaction)', async () => {
      const m = manager();
      const start = await pendingNonce();
      const [a, b] = await Promise.all([m.send(transfer('same-key')), m.send(transfer('same-key'))]);
      assert.equal(a.hash, b.hash);
      await m.waitForReceipt(a);
      assert.equal(await pendingNonce(), start + 1);
    });

    it('extraGas is added to the estimate after the margin (gas the estimate cannot see)', async () => {
      const m = manager();
      const estimate = await fx().provider.estimateGas({
        from: fx().bot.address,
        to: fx().stranger.address,
        data: '0x',
        value: 1n,
      });
      const sent = await m.send({ ...transfer('extra-gas'), extraGas: 50_000n });
      assert.equal(sent.gasLimit, raiseByPercent(estimate, 20) + 50_000n);
      assert.equal(
        (await fx().provider.getTransaction(sent.hash))?.gasLimit,
        sent.gasLimit,
        'the signed transaction has another limit',
      );
      await m.waitForReceipt(sent);
    });

    it('waits for the configured confirmations', async () => {
      const m = manager({ confirmations: 3 });
      const sent = await m.send(transfer('confirmations'));
      let done = false;
      const waiting = m.waitForReceipt(sent).then((r) => {
        done = true;
        return r;
      });
      await sleep(300);
      assert.equal(done, false, 'resolved with 1 confirmation of 3');
      await rpc('evm_mine');
      await sleep(200);
      assert.equal(done, false, 'resolved with 2 confirmations of 3');
      await rpc('evm_mine');
      const r = await waiting;
      assert.equal(r.hash, sent.hash);
    });
  });

  describe('fees', () => {
    it('fee arithmetic: ceiling, bump percent, minimum replacement bump', () => {
      const policy = { maxFeePerGasCeiling: 50n * GWEI, maxPriorityFeePerGas: 2n * GWEI, baseFeeMultiplier: 2n };
      assert.deepEqual(suggestFees(10n * GWEI, policy), {
        ok: true,
        baseFee: 10n * GWEI,
        fees: { maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 2n * GWEI },
      });
      assert.deepEqual(suggestFees(30n * GWEI, policy), {
        ok: true,
        baseFee: 30n * GWEI,
        fees: { maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 2n * GWEI },
      });
      assert.equal(suggestFees(51n * GWEI, policy).ok, false);
      assert.equal(raiseByPercent(100n, 12.5), 113n);
      const prev = { maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
      const b1 = bumpFees(prev, undefined, 20, 100n * GWEI);
      assert.deepEqual(b1, {
        ok: true,
        capped: false,
        fees: { maxFeePerGas: 48n * GWEI, maxPriorityFeePerGas: 2_400_000_000n },
      });
      // Capped at 46 gwei: still ≥ +10%, so a valid (capped) replacement.
      const b2 = bumpFees(prev, undefined, 20, 46n * GWEI);
      assert.deepEqual(b2, {
        ok: true,
        capped: true,
        fees: { maxFeePerGas: 46n * GWEI, maxPriorityFeePerGas: 2_400_000_000n },
      });
      // Capped at 43 gwei: below the nodes' +10% rule, so no replacement.
      assert.equal(bumpFees(prev, undefined, 20, 43n * GWEI).ok, false);
      // The market offer wins when it is above the bump.
      const b3 = bumpFees(prev, { maxFeePerGas: 90n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, 20, 100n * GWEI);
      assert.equal(b3.ok && b3.fees.maxFeePerGas, 90n * GWEI);
      assert.throws(() => manager({ feeBumpPercent: 5 }), /at least 10/);
    });

    it('base fee above the ceiling: FeeCeilingExceeded (retryable), nothing sent; with feeCeilingWaitMs it waits for the fee to fall', async () => {
      await rpc('anvil_setNextBlockBaseFeePerGas', [ethers.toQuantity(200n * GWEI)]);
      await rpc('evm_mine');
      assert.ok((await nextBaseFee()) > 100n * GWEI);
      const journal = new MemoryTxJournal();
      const m = manager({ journal });
      const start = await pendingNonce();
      const err = await rejection(m.send(transfer('over-ceiling')));
      assert.ok(err instanceof FeeCeilingExceededError, String(err));
      assert.equal(err.name, 'FeeCeilingExceeded');
      assert.equal(err.retryable, true);
      assert.equal(toApplicationFailure(err)?.type, 'FeeCeilingExceeded');
      assert.equal(toApplicationFailure(err)?.nonRetryable, false);
      assert.match(err.message, /base fee 175\.0 gwei is above the ceiling 100\.0 gwei/);
      assert.equal(await pendingNonce(), start);
      assert.equal(await journal.get('over-ceiling'), undefined);
      assert.ok(events.some((e) => e.event === 'fee-ceiling'));
      assert.ok(!events.some((e) => e.event === 'sent'));

      const patient = manager({ journal, feeCeilingWaitMs: 10_000 });
      const sending = patient.send(transfer('over-ceiling'));
      await sleep(300);
      await rpc('anvil_setNextBlockBaseFeePerGas', [ethers.toQuantity(1n * GWEI)]);
      await rpc('evm_mine');
      const sent = await sending;
      assert.ok(sent.maxFeePerGas <= 100n * GWEI);
      await patient.waitForReceipt(sent);
    });
  });

  describe('stuck transactions', () => {
    it('replaced with bumped fees up to the ceiling, then no further; the last replacement is mined; the journal has every hash', async () => {
      await rpc('evm_setAutomine', [false]);
      const base = await nextBaseFee();
      const tip = 1n * GWEI;
      const first = 2n * base + tip;
      const ceiling = 2n * first;
      const journalPath = join(dir, 'stuck.json');
      const m = manager({
        journal: new FileTxJournal(journalPath),
        maxFeePerGasCeiling: ceiling,
        feeBumpPercent: 50,
        maxFeeBumps: 5,
      });
      const sent = await m.send(transfer('stuck'));
      assert.equal(sent.maxFeePerGas, first);
      const waiting = m.waitForReceipt(sent);
      await until('the replacement to hit the ceiling', () => events.some((e) => e.event === 'replacement-capped'));
      const replaced = events.filter((e) => e.event === 'replaced');
      assert.equal(replaced.length, 2);
      assert.equal(replaced[0].replaces, sent.hash);
      assert.equal(BigInt(replaced[0].maxFeePerGas!), raiseByPercent(first, 50));
      assert.equal(BigInt(replaced[0].maxPriorityFeePerGas!), raiseByPercent(tip, 50));
      assert.equal(BigInt(replaced[1].maxFeePerGas!), ceiling, 'the second bump (2.25×) is capped at the ceiling (2×)');
      assert.equal(replaced[1].reason, 'capped at the ceiling');
      assert.equal(await txpoolCount(), 1, 'replacements take the place of the original in the pool');

      await rpc('evm_mine');
      const mined = await waiting;
      assert.equal(mined.hash, replaced[1].hash);
      assert.equal(mined.replacements, 2);
      assert.equal(mined.nonce, sent.nonce);
      const tx = await fx().provider.getTransaction(mined.hash);
      assert.equal(tx?.maxFeePerGas, ceiling);
      assert.equal(await fx().provider.getTransactionReceipt(sent.hash), null, 'the original was not mined');

      const record = await new FileTxJournal(journalPath).get('stuck');
      assert.ok(record);
      assert.deepEqual(
        record.attempts.map((a) => a.hash),
        [sent.hash, replaced[0].hash, replaced[1].hash],
      );
      assert.equal(record.status, 'mined');
      assert.equal(record.minedHash, mined.hash);
      assert.ok(record.attempts.every((a) => BigInt(a.maxFeePerGas) <= ceiling));
    });

    it('underpriced after a base fee jump: not mined, replaced at the market fee, the replacement is mined', async () => {
      await rpc('evm_setAutomine', [false]);
      const m = manager({ feeBumpPercent: 20 });
      const sent = await m.send(transfer('underpriced'));
      // The next block's base fee jumps above the transaction's max fee: the block leaves it out.
      const jump = sent.maxFeePerGas * 3n;
      await rpc('anvil_setNextBlockBaseFeePerGas', [ethers.toQuantity(jump)]);
      await rpc('evm_mine');
      assert.equal(
        await fx().provider.getTransactionReceipt(sent.hash),
        null,
        'an underpriced transaction is not mined',
      );
      const waiting = m.waitForReceipt(sent);
      await until('a replacement', () => events.some((e) => e.event === 'replaced'));
      const replaced = events.find((e) => e.event === 'replaced')!;
      assert.ok(BigInt(replaced.maxFeePerGas!) >= (await nextBaseFee()), 'the replacement pays the current base fee');
      await rpc('evm_mine');
      const mined = await waiting;
      assert.equal(mined.hash, replaced.hash);
      assert.equal(mined.receipt.status, 1);
    });

    it('a transaction whose nonce another transaction took is reported as dropped, and not re-sent without resendIfDropped', async () => {
      await rpc('evm_setAutomine', [false]);
      const journal = new MemoryTxJournal();
      const m = manager({ journal, stuckAfterMs: 60_000 });
      const sent = await m.send(transfer('dropped'));
      // The same key, outside the manager, replaces it in the pool with a higher fee.
      const other = await fx().bot.signTransaction({
        type: 2,
        chainId: CHAIN_ID,
        nonce: sent.nonce,
        to: fx().owner.address,
        value: 5n,
        gasLimit: 21_000n,
        maxFeePerGas: sent.maxFeePerGas * 2n,
        maxPriorityFeePerGas: sent.maxPriorityFeePerGas * 2n,
      });
      await rpc('eth_sendRawTransaction', [other]);
      await rpc('evm_mine');
      const err = await rejection(m.waitForReceipt(sent));
      assert.ok(err instanceof TransactionDroppedError, String(err));
      assert.equal(err.retryable, false);
      assert.deepEqual(err.hashes, [sent.hash]);
      assert.match(err.message, /nonce was used by another transaction/);
      assert.equal((await journal.get('dropped'))?.status, 'dropped');
      assert.ok(events.some((e) => e.event === 'dropped'));

      await rpc('evm_setAutomine', [true]);
      const again = await rejection(m.send(transfer('dropped')));
      assert.ok(again instanceof TransactionDroppedError);
      const resent = await m.send({ ...transfer('dropped'), resendIfDropped: true });
      assert.equal(resent.nonce, sent.nonce + 1);
      await m.waitForReceipt(resent);
      const record = await journal.get('dropped');
      assert.equal(record?.status, 'mined');
      assert.deepEqual(record?.previous?.[0].hashes, [sent.hash]);
    });

    it('waitForReceipt with a timeout: TransactionPending (retryable); a later wait resumes on the same hashes', async () => {
      await rpc('evm_setAutomine', [false]);
      const m = manager({ stuckAfterMs: 60_000 });
      const sent = await m.send(transfer('timeout'));
      const err = await rejection(m.waitForReceipt(sent, { timeoutMs: 200 }));
      assert.ok(err instanceof TransactionPendingError);
      assert.equal(toApplicationFailure(err)?.nonRetryable, false);
      await rpc('evm_mine');
      assert.equal((await m.waitForReceipt(sent)).hash, sent.hash);
    });
  });

  describe('reverts', () => {
    it('a revert at estimation is a ContractRevertError (decoded, non-retryable) and sends nothing', async () => {
      const journal = new MemoryTxJournal();
      const m = manager({ journal });
      const start = await pendingNonce();
      const err = await rejection(
        m.send({
          to: fx().system.addresses.nexus,
          data: unknownKeyShares(),
          label: 'depositValidatorShares',
          idempotencyKey: 'shares-unknown',
        }),
      );
      assert.ok(err instanceof ContractRevertError, String(err));
      assert.equal(err.name, 'ContractRevert');
      assert.equal(err.revertName, 'IncorrectValidatorStatus');
      assert.equal(err.type, 'Revert:IncorrectValidatorStatus');
      assert.equal(err.retryable, false);
      assert.equal(err.phase, 'estimate');
      assert.equal(toApplicationFailure(err)?.nonRetryable, true);
      assert.equal(await pendingNonce(), start, 'nonce unchanged');
      assert.equal(await journal.get('shares-unknown'), undefined);

      // A stranger's key: NotNexusBot.
      const stranger = manager({ signer: fx().stranger });
      const strangerStart = await pendingNonce(fx().stranger.address);
      const notBot = await rejection(
        stranger.send({
          to: fx().system.addresses.nexus,
          data: unknownKeyShares(),
          label: 'depositValidatorShares',
          idempotencyKey: 'not-bot',
        }),
      );
      assert.ok(notBot instanceof ContractRevertError);
      assert.equal(notBot.revertName, 'NotNexusBot');
      assert.equal(notBot.retryable, false);
      assert.equal(await pendingNonce(fx().stranger.address), strangerStart);
    });

    it('a mined transaction with status 0 is replayed and decoded; the journal keeps the result', async () => {
      const journal = new MemoryTxJournal();
      const m = manager({ journal });
      const start = await pendingNonce();
      const request = {
        to: fx().system.addresses.nexus,
        data: unknownKeyShares(),
        gasLimit: 300_000n,
        label: 'depositValidatorShares',
        idempotencyKey: 'shares-mined-revert',
      };
      const sent = await m.send(request);
      assert.equal(await pendingNonce(), start + 1, 'explicit gasLimit: sent without estimation');
      const err = await rejection(m.waitForReceipt(sent));
      assert.ok(err instanceof ContractRevertError, String(err));
      assert.equal(err.revertName, 'IncorrectValidatorStatus');
      assert.equal(err.phase, 'mined');
      assert.equal(err.txHash, sent.hash);
      const receipt = await fx().provider.getTransactionReceipt(sent.hash);
      assert.equal(receipt?.status, 0);
      const record = await journal.get('shares-mined-revert');
      assert.equal(record?.status, 'reverted');
      assert.equal(record?.revert?.name, 'IncorrectValidatorStatus');
      assert.ok(events.some((e) => e.event === 'reverted' && e.hash === sent.hash));
      // Waiting again reports the same revert from the journal.
      const again = await rejection(m.waitForReceipt('shares-mined-revert'));
      assert.ok(again instanceof ContractRevertError && again.revertName === 'IncorrectValidatorStatus');
      // A reverted transaction changed nothing, so the same key may be sent again: estimation stops it.
      const retried = await rejection(m.send({ ...request, gasLimit: undefined }));
      assert.ok(retried instanceof ContractRevertError && retried.phase === 'estimate');
      assert.equal(await pendingNonce(), start + 1);
    });
  });

  describe('idempotency and nonces', () => {
    it('a retried send with the same key after a crash (new manager, same file journal) returns the earlier transaction', async () => {
      const path = join(dir, 'crash.json');
      const a = manager({ journal: new FileTxJournal(path) });
      const first = await a.send(transfer('crash-mined', 42n));
      const minedA = await a.waitForReceipt(first);
      const start = await pendingNonce();

      // Worker "crashes"; a new one retries the activity with the same key.
      const b = manager({ journal: new FileTxJournal(path) });
      const retried = await b.send(transfer('crash-mined', 42n));
      assert.equal(retried.reused, true);
      assert.equal(retried.hash, first.hash);
      assert.equal(retried.status, 'mined');
      assert.equal((await b.waitForReceipt(retried)).hash, minedA.hash);
      assert.equal(await pendingNonce(), start, 'nothing new sent');

      // Pending at the crash: the new manager finds it and waits for it.
      await rpc('evm_setAutomine', [false]);
      const c = manager({ journal: new FileTxJournal(path), stuckAfterMs: 60_000 });
      const pending = await c.send(transfer('crash-pending'));
      const d = manager({ journal: new FileTxJournal(path), stuckAfterMs: 60_000 });
      const found = await d.send(transfer('crash-pending'));
      assert.equal(found.reused, true);
      assert.equal(found.hash, pending.hash);
      assert.equal(await txpoolCount(), 1);
      const waiting = d.waitForReceipt(found);
      await rpc('evm_mine');
      assert.equal((await waiting).hash, pending.hash);

      // The same key for another call is refused.
      const conflict = await rejection(d.send(transfer('crash-pending', 999n)));
      assert.equal((conflict as Error).name, 'IdempotencyConflict');
    });

    it('a crash between journal and broadcast: the retry finds the signed transaction and broadcasts it', async () => {
      const path = join(dir, 'crash-before-broadcast.json');
      const file = new FileTxJournal(path);
      let crashed = false;
      const crashing: TxJournal = {
        get: (k) => file.get(k),
        put: async (k, r: TxRecord) => {
          await file.put(k, r);
          if (!crashed) {
            crashed = true;
            throw new Error('worker killed');
          }
        },
      };
      const start = await pendingNonce();
      await assert.rejects(manager({ journal: crashing }).send(transfer('half-sent')), /worker killed/);
      assert.equal(await pendingNonce(), start, 'never broadcast');

      const b = manager({ journal: new FileTxJournal(path) });
      const found = await b.send(transfer('half-sent'));
      assert.equal(found.reused, true);
      const mined = await b.waitForReceipt(found);
      assert.equal(mined.hash, found.hash);
      assert.equal(mined.nonce, start);
      assert.ok(events.some((e) => e.event === 'rebroadcast' && e.hash === found.hash));
    });

    it('nonce re-sync: a transaction sent with the same key outside the manager (nonce too low → re-sync → success)', async () => {
      const m = manager();
      const first = await m.send(transfer('before-outside'));
      await m.waitForReceipt(first);
      // Outside the manager, with the nonce the manager would use next.
      const outside = await fx().bot.sendTransaction({ to: fx().owner.address, value: 1n, nonce: first.nonce + 1 });
      await outside.wait();
      const second = await m.send(transfer('after-outside'));
      assert.equal(second.nonce, first.nonce + 2);
      assert.equal((await m.waitForReceipt(second)).receipt.status, 1);
      const resync = events.find((e) => e.event === 'nonce-resync');
      assert.ok(resync, 'a nonce re-sync was logged');
      assert.equal(resync.reason, 'nonce-too-low');
      assert.equal(resync.nonce, first.nonce + 1);
    });

    it('logs carry hashes, nonces and fees, never calldata', async () => {
      const m = manager();
      const data = unknownKeyShares();
      const sent = await m.send({
        to: fx().system.addresses.nexus,
        data,
        gasLimit: 300_000n,
        label: 'depositValidatorShares',
        idempotencyKey: 'log-check',
      });
      await rejection(m.waitForReceipt(sent));
      const text = JSON.stringify(events);
      assert.ok(!text.includes(data.slice(10, 74)), 'calldata in a log event');
      const sentEvent = events.find((e) => e.event === 'sent')!;
      assert.equal(sentEvent.hash, sent.hash);
      assert.equal(sentEvent.nonce, sent.nonce);
      assert.equal(sentEvent.maxFeePerGas, sent.maxFeePerGas.toString());
    });
  });
});
