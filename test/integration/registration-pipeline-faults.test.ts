// Pipelined keyshares registrations when the node loses one in the middle of a run (issue 15,
// item 1: "if one reverts or is dropped, everything behind it is replaced or cancelled before any
// later registration; no nonce gap ever lands"), on the suite of registration-pipeline.test.ts:
// - dropped from the pool while those behind it wait queued, a block passing without it: the bot
//   rebroadcasts it as signed, those behind it revert (their snapshots were for the block it
//   missed) and are sent again, no key twice, no nonce gap;
// - dropped, and the node refuses the same bytes again (as one that evicted it for its fee): the
//   bot replaces it at its nonce with higher fees, and every key still lands once, in order;
// - dropped, and the node refuses that registration in every form (any fee): the bot gives it up as
//   dropped, registers the key again at the same bot nonce with new keyshares, and every key still
//   lands once, in order, with no nonce gap.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Transaction } from 'ethers';
import type { TxRecord } from '../../activities/chain/tx-manager';
import type { RegistrationBatchResult } from '../../activities/registration-batch';
import { ETH } from '../contracts/helpers';
import { slipInRegistration } from '../harness/nexus-registrations';
import { range, until } from '../harness/pipeline-checks';
import { CLUSTER_IDS as IDS4, usePipelineSuite } from '../harness/pipeline-suite';

const KEYS = 16;

describe('pipelined SSV registrations, a transaction lost by the node (anvil at 1-s blocks + moto)', function () {
  this.timeout(600_000);
  const s = usePipelineSuite('registration-pipeline-faults', KEYS);
  const { pubkeys, startWorker, input, pending } = s;
  const { botNonce, onChainRegistrations, sharesRecords, assertRegisteredInOrder, assertNoNonceGap } = s;

  /**
   * A pipelined run of `indices` with mining held, its third transaction dropped from the pool
   * once all are in it (`onDrop` first, as the node is about to lose it; `whileLost` after, mining
   * still held), then mining again until the batch ends.
   */
  async function runDroppingTheThird(
    indices: number[],
    onDrop: (dropped: string) => void,
    whileLost: (dropped: string, before: number) => Promise<void>,
  ) {
    // A run starts from the cluster's last registration: run alone (-g), the cluster has none yet.
    if ((await onChainRegistrations()).length === 0)
      await slipInRegistration(s.provider, s.system, IDS4, s.deployBlock, 10n * ETH);
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    await s.provider.send('evm_setIntervalMining', [0]);
    let batch: Promise<unknown> | undefined;
    let dropped: string | undefined;
    try {
      // A forgotten transaction is dropped after 5 s (not the default 2 min) should the rebroadcast fail.
      batch = new MockActivityEnvironment().run(
        startWorker(8, 5_000).activities.registerMnemonicKeysharesBatch,
        input(indices),
      );
      batch.catch(() => undefined); // awaited below, once mining runs again
      await until(
        `${indices.length} registrations in the pool`,
        async () => (await pending()) >= indices.length,
        30_000,
      );
      const sent = sharesRecords(indices).sort((a, b) => a.nonce - b.nonce);
      dropped = sent[2].attempts[0].hash;
      onDrop(dropped);
      assert.equal(await s.provider.send('anvil_dropTransaction', [dropped]), dropped);
      // anvil may drop the transactions behind it too; a node that evicts one keeps them, queued.
      for (const r of sent.slice(3))
        await s.provider.send('eth_sendRawTransaction', [r.attempts[0].raw]).catch((err: unknown) => {
          if (!String(err).includes('already imported')) throw err;
        });
      await whileLost(dropped, before);
    } finally {
      s.writes.refused.clear();
      s.writes.refuseWhen = undefined;
      await s.provider.send('evm_setIntervalMining', [1]);
    }
    const result = (await batch) as RegistrationBatchResult;
    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      indices.map((i) => pubkeys[i]),
    );
    await assertRegisteredInOrder(indices, before);
    assert.ok(dropped, 'no registration was dropped');
    return { before, nonceBefore, dropped, records: sharesRecords(indices) };
  }

  function assertEachMinedOnce(records: TxRecord[], indices: number[]): void {
    for (const i of indices)
      assert.equal(
        records.filter((r) => r.idempotencyKey.startsWith(`shares:${pubkeys[i]}:`) && r.status === 'mined').length,
        1,
        `key ${i} is not mined exactly once`,
      );
  }

  it('a registration dropped from the pool in the middle of a run: rebroadcast as signed, the ones behind it wait, no gap', async () => {
    const indices = range(0, 6);
    let release = () => {};
    const { nonceBefore, dropped, records } = await runDroppingTheThird(
      indices,
      () => {
        s.writes.holdSends = new Promise<void>((r) => (release = r));
      },
      async (lost, before) => {
        try {
          await until(
            'the bot rebroadcasting the dropped registration',
            () => Promise.resolve(s.writes.held.includes(lost)),
            10_000,
          );
          await s.provider.send('evm_mine', []); // a block without it: those behind it cannot be mined
          assert.equal(
            (await onChainRegistrations()).length - before,
            2,
            'not only the two before the dropped one landed',
          );
          const pool: unknown = await s.provider.send('txpool_status', []);
          assert.deepEqual(pool, { pending: '0x0', queued: '0x3' }, 'the three behind it are not waiting in the pool');
        } finally {
          release();
          s.writes.holdSends = undefined;
        }
      },
    );
    // The dropped key's one transaction was mined as signed: rebroadcast, never sent again (no new keyshares or nonce).
    assert.deepEqual(
      records
        .filter((r) => r.idempotencyKey.startsWith(`shares:${pubkeys[indices[2]]}:`))
        .map((r) => [r.status, r.minedHash, r.attempts.map((a) => a.hash)]),
      [['mined', dropped, [dropped]]],
      'the dropped registration was not rebroadcast as signed',
    );
    // Those behind it were built for the block it missed: the chain refused them, then they went again.
    assert.deepEqual(
      records
        .filter((r) => r.status === 'reverted')
        .map((r) => [pubkeys.indexOf(r.idempotencyKey.split(':')[1]), r.revert?.name])
        .sort(),
      indices.slice(3).map((i) => [i, 'IncorrectClusterState']),
      'not exactly the registrations behind the dropped one reverted',
    );
    assertEachMinedOnce(records, indices);
    await assertNoNonceGap(records, nonceBefore);
  });

  it('a dropped registration the node will not take back: replaced at its nonce with higher fees, the ones behind it wait, no gap', async () => {
    const indices = range(6, 5);
    const { nonceBefore, dropped, records } = await runDroppingTheThird(
      indices,
      // As a node whose pool evicted it for its fee answers the rebroadcast of the same bytes.
      (lost) => s.writes.refused.set(lost, 'transaction underpriced'),
      () =>
        until(
          'the bot replacing the refused registration at its nonce',
          async () => (sharesRecords([indices[2]])[0]?.attempts.length ?? 0) >= 2,
          20_000,
        ),
    );
    const [replaced] = records.filter((r) => r.idempotencyKey.startsWith(`shares:${pubkeys[indices[2]]}:`));
    assert.equal(replaced.status, 'mined', 'the refused registration was not mined');
    assert.notEqual(replaced.minedHash, dropped, 'mined as first signed: not replaced');
    assert.ok(
      replaced.attempts.every((a) => Transaction.from(a.raw).nonce === replaced.nonce),
      'an attempt of the replaced registration went out at another nonce',
    );
    assertEachMinedOnce(records, indices);
    await assertNoNonceGap(records, nonceBefore);
  });

  it('a dropped registration the node refuses at any fee: given up as dropped, registered again at its nonce, no gap', async () => {
    const indices = range(11, 5);
    let payload: string | undefined;
    const { nonceBefore, dropped, records } = await runDroppingTheThird(
      indices,
      (lost) => {
        const [record] = sharesRecords([indices[2]]);
        assert.equal(record.attempts[0].hash, lost);
        payload = Transaction.from(record.attempts[0].raw).data;
        // Its rebroadcast and every replacement carry the same keyshares: all refused.
        s.writes.refuseWhen = (tx) => (tx.data === payload ? 'transaction underpriced' : undefined);
      },
      () =>
        until(
          'the bot giving the refused registration up as dropped',
          async () => sharesRecords([indices[2]]).some((r) => r.status === 'dropped'),
          30_000,
        ),
    );
    const mine = records.filter((r) => r.idempotencyKey.startsWith(`shares:${pubkeys[indices[2]]}:`));
    const given = mine.filter((r) => r.status === 'dropped');
    const again = mine.filter((r) => r.status === 'mined');
    assert.equal(given.length, 1, 'not exactly one record of the key given up as dropped');
    assert.ok(given[0].attempts.some((a) => a.hash === dropped));
    assert.equal(again.length, 1, 'the key was not registered again exactly once');
    assert.equal(again[0].nonce, given[0].nonce, 'registered again at another bot nonce: the nonce it left is a gap');
    assert.notEqual(Transaction.from(again[0].attempts[0].raw).data, payload, 'sent again with the refused keyshares');
    assertEachMinedOnce(records, indices);
    // The dropped record's nonce went to the key's new registration: count that one, not both.
    await assertNoNonceGap(
      records.filter((r) => r.status !== 'dropped'),
      nonceBefore,
    );
  });
});
