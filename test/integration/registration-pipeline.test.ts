// Pipelined keyshares registrations (issue 15, item 1) on anvil at 1-s blocks with our contracts,
// operator and network fees on (so a registration's snapshot depends on the block the one before
// it lands in), and the mnemonic in Secrets Manager (moto):
// - several registrations of one batch are mined in one block, none reverts (the predicted
//   snapshots are the ones the chain stores);
// - a run of 20 where a registration in the middle reverts (another registration of the cluster
//   slips in while keys are in flight, so the snapshot it carries is stale): every key still
//   registered once, each ValidatorAdded signed for the owner nonce it took, and the bot account's
//   transaction count equals the mined and reverted transactions of the journal (no gap);
// - a worker process SIGKILLed with 10 registrations in flight (mining held, so they are): a new
//   process on the same journal finishes the batch without sending any key twice;
// - a registration dropped from the node's pool in the middle of a run, the ones behind it queued
//   while a block passes: the bot rebroadcasts it as signed, those behind it revert (their
//   snapshots were for the block it missed) and are sent again, no key twice, no nonce gap.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { buildKeysharesBatch } from '../../activities/keys/keyshares';
import type { RegistrationBatchProgress, RegistrationBatchResult } from '../../activities/registration-batch';
import { ETH } from '../contracts/helpers';
import { slipInRegistration } from '../harness/nexus-registrations';
import { range, until } from '../harness/pipeline-checks';
import { CLUSTER_IDS as IDS4, usePipelineSuite } from '../harness/pipeline-suite';

const KEYS = 53;

describe('pipelined SSV registrations (anvil at 1-s blocks + moto)', function () {
  this.timeout(600_000);
  const s = usePipelineSuite('registration-pipeline', KEYS);
  const { pubkeys, operators, startWorker, input, config, pending } = s;
  const { botNonce, onChainRegistrations, sharesRecords, assertRegisteredInOrder, assertNoNonceGap } = s;

  it('sends several registrations into one block, each on the snapshot the one before leaves (none reverts)', async () => {
    const indices = range(0, 8);
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    const env = new MockActivityEnvironment();
    const beats: RegistrationBatchProgress[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(structuredClone(d as RegistrationBatchProgress)));
    const result = (await env.run(
      startWorker(8).activities.registerMnemonicKeysharesBatch,
      input(indices),
    )) as RegistrationBatchResult;

    assert.deepEqual(
      result.registered.map((r) => [r.pubkey.toLowerCase(), r.landed?.ownerNonce, r.landed?.signatureValid]),
      indices.map((i, k) => [pubkeys[i], before + k, true]),
    );
    assert.equal(result.stopped, undefined);
    const added = await assertRegisteredInOrder(indices, before);
    const perBlock = new Map<number, number>();
    for (const r of added) perBlock.set(r.blockNumber, (perBlock.get(r.blockNumber) ?? 0) + 1);
    const most = Math.max(...perBlock.values());
    assert.ok(
      most >= 3,
      `at most ${most} registration(s) in one block: not pipelined (blocks ${JSON.stringify([...perBlock])})`,
    );
    const records = sharesRecords(indices);
    assert.deepEqual(
      records.filter((r) => r.status === 'reverted').map((r) => `${r.idempotencyKey}: ${r.revert?.name}`),
      [],
      'a predicted snapshot was wrong',
    );
    await assertNoNonceGap(records, nonceBefore);
    assert.deepEqual(
      beats.map((b) => b.done).filter((d, i, all) => i === 0 || d !== all[i - 1]),
      range(0, 9),
      'not one progress heartbeat per key',
    );
  });

  it('a registration that reverts in the middle of a run of 20 leaves no nonce gap and no key unregistered', async () => {
    const indices = range(8, 20);
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    const env = new MockActivityEnvironment();
    // Once two keys are done (up to eight more in flight), a registration of the same cluster slips
    // in (mined) just before the bot's next broadcast, about the tenth: that registration carries
    // a snapshot the chain no longer holds.
    env.on('heartbeat', (d: unknown) => {
      if ((d as RegistrationBatchProgress).done === 2 && !s.writes.beforeSend) {
        s.writes.beforeSend = () => slipInRegistration(s.provider, s.system, IDS4, s.deployBlock, 10n * ETH);
      }
    });
    const result = (await env.run(
      startWorker(8).activities.registerMnemonicKeysharesBatch,
      input(indices),
    )) as RegistrationBatchResult;

    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      indices.map((i) => pubkeys[i]),
    );
    assert.equal(result.stopped, undefined);
    const added = await assertRegisteredInOrder(indices, before);
    assert.equal(added.length, indices.length + 1, 'not the 20 keys and the slipped-in one');
    const records = sharesRecords(indices);
    const reverted = records.filter((r) => r.status === 'reverted');
    assert.ok(reverted.length > 0, 'no registration reverted: the test did not make one stale');
    const firstReverted = Math.min(
      ...reverted.map((r) => indices.indexOf(pubkeys.indexOf(r.idempotencyKey.split(':')[1]))),
    );
    assert.ok(
      firstReverted > 2 && firstReverted <= 10,
      `the first revert is key ${firstReverted} of the run, not in the middle`,
    );
    for (const r of reverted)
      assert.equal(r.revert?.name, 'IncorrectClusterState', `${r.idempotencyKey} reverted for another reason`);
    // Only the stale one and those in flight behind it (depth 8): nothing is sent behind a failure.
    assert.ok(reverted.length <= 8, `${reverted.length} registrations reverted: sends went on behind the failure`);
    await assertNoNonceGap(records, nonceBefore);
  });

  it('a worker SIGKILLed with 10 registrations in flight: a new process finishes the batch without a double send', async () => {
    const indices = range(28, 16);
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    // Mining is held: what went out first is mined by hand, then ten go out and stay in flight.
    await s.provider.send('evm_setIntervalMining', [0]);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../harness/pipeline-batch-child.ts')], {
      env: {
        ...process.env,
        PIPELINE_BATCH_CONFIG: JSON.stringify(config(10, s.anvilUrl())),
        PIPELINE_BATCH_INPUT: JSON.stringify(input(indices)),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ? null : code)),
    );
    try {
      await until('the first registration sent', async () => (await pending()) >= 1);
      await s.provider.send('evm_mine', []);
      await until('10 registrations in flight', async () => (await pending()) >= 10);
      assert.ok(child.kill('SIGKILL'), `the worker process is gone already: ${stderr}`);
      assert.equal(await exited, null, `the worker ended before the SIGKILL: ${stderr}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await s.provider.send('evm_setIntervalMining', [1]);
    }
    const inFlight = sharesRecords(indices).filter((r) => r.status === 'pending').length;
    assert.ok(inFlight >= 10, `only ${inFlight} registration(s) journaled pending at the SIGKILL`);

    // Temporal's retry in a new process: the same journal file, the same batch.
    const result = (await new MockActivityEnvironment({ attempt: 2 }).run(
      startWorker(10).activities.registerMnemonicKeysharesBatch,
      input(indices),
    )) as RegistrationBatchResult;
    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      indices.map((i) => pubkeys[i]),
    );
    await assertRegisteredInOrder(indices, before);
    assert.equal((await botNonce()) - nonceBefore, indices.length, 'not one transaction per key: one was sent twice');
    const records = sharesRecords(indices);
    assert.deepEqual(
      records.map((r) => r.idempotencyKey.split(':').slice(1).join(':')).filter((k) => !k.endsWith(':0')),
      [],
      'a key was journaled twice',
    );
    assert.equal(records.length, indices.length);
    // The records of the registrations in flight at the kill stay pending: each must have landed.
    for (const r of records.filter((x) => x.status === 'pending')) {
      const receipt = await s.provider.getTransactionReceipt(r.attempts.at(-1)?.hash ?? '');
      assert.equal(receipt?.status, 1, `${r.idempotencyKey} pending in the journal and not mined`);
    }
  });

  it("a batch's first key needs no block of its own: with mining held, all four registrations wait in the pool together", async () => {
    const indices = range(44, 4);
    const before = (await onChainRegistrations()).length;
    await s.provider.send('evm_setIntervalMining', [0]);
    let batch: Promise<unknown> | undefined;
    try {
      batch = new MockActivityEnvironment().run(
        startWorker(8).activities.registerMnemonicKeysharesBatch,
        input(indices),
      );
      batch.catch(() => undefined); // awaited below, once mining runs again
      await until(
        'four registrations in the pool before any block (the first key waited for its own)',
        async () => (await pending()) >= 4,
        30_000,
      );
    } finally {
      await s.provider.send('evm_setIntervalMining', [1]);
    }
    const result = (await batch) as RegistrationBatchResult;
    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      indices.map((i) => pubkeys[i]),
    );
    const added = await assertRegisteredInOrder(indices, before);
    assert.equal(
      new Set(added.map((r) => r.blockNumber)).size,
      1,
      `the four registrations landed in blocks ${added.map((r) => r.blockNumber).join(', ')}`,
    );
    assert.deepEqual(
      sharesRecords(indices)
        .filter((r) => r.status === 'reverted')
        .map((r) => r.idempotencyKey),
      [],
      'a predicted snapshot was wrong',
    );
  });

  it('a DKG batch, signed for consecutive owner nonces as a ceremony hands it over: all in the pool together, one block, none reverted', async () => {
    const indices = range(48, 5);
    // A run starts from the cluster's last registration: run alone (-g), the cluster has none yet.
    if ((await onChainRegistrations()).length === 0)
      await slipInRegistration(s.provider, s.system, IDS4, s.deployBlock, 10n * ETH);
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    // What a ceremony hands over: each key's keyshares signed for the owner nonce reserved for it.
    const keys = await deriveSigningKeys(s.mnemonic, indices);
    let keyshares;
    try {
      const payloads = await buildKeysharesBatch(
        keys.map((k, i) => ({
          secretKey: k.secretKey,
          operators: operators.filter((o) => IDS4.includes(o.id)),
          owner: s.system.addresses.nexus,
          ownerNonce: before + i,
        })),
      );
      keyshares = payloads.map((p, i) => ({ ...p, ownerNonce: before + i }));
    } finally {
      wipeKeys(keys);
    }
    await s.provider.send('evm_setIntervalMining', [0]);
    let batch: Promise<unknown> | undefined;
    try {
      batch = new MockActivityEnvironment().run(startWorker(8).activities.registerDkgKeysharesBatch, {
        rollupAdmin: s.rollup.rollupAdmin,
        keyshares,
      });
      batch.catch(() => undefined); // awaited below, once mining runs again
      await until('five DKG registrations in the pool before any block', async () => (await pending()) >= 5, 30_000);
    } finally {
      await s.provider.send('evm_setIntervalMining', [1]);
    }
    const result = (await batch) as RegistrationBatchResult;
    assert.deepEqual(
      result.registered.map((r) => [r.pubkey.toLowerCase(), r.landed?.ownerNonce, r.landed?.signatureValid]),
      indices.map((i, k) => [pubkeys[i], before + k, true]),
    );
    assert.equal(result.stopped, undefined);
    const added = await assertRegisteredInOrder(indices, before);
    assert.equal(
      new Set(added.map((r) => r.blockNumber)).size,
      1,
      `the five registrations landed in blocks ${added.map((r) => r.blockNumber).join(', ')}`,
    );
    const records = sharesRecords(indices);
    assert.deepEqual(
      records.filter((r) => r.status === 'reverted').map((r) => r.idempotencyKey),
      [],
      'a predicted snapshot was wrong',
    );
    await assertNoNonceGap(records, nonceBefore);
  });
});
