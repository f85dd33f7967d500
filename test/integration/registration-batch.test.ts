// The batch registration activities (issue 15, item 3) on anvil with our contracts and a mnemonic
// in Secrets Manager (moto): one activity call registers a request's keys, in owner-nonce order,
// with one heartbeat per key listing the progress, and reads the vault once. A retry after a
// transport failure in the middle (the read backend cut just as the third key's transaction goes
// out: it is mined, but the attempt fails before it knows) resumes from the heartbeat, in a new
// transaction manager on the same journal file (a new process), sends nothing twice and finishes
// the rest. A DKG batch whose second key lands a nonce late (another registration of the owner
// slipped in) stops there: the third key is never sent.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ethers } from 'ethers';
import { createCreationActivities } from '../../activities/creation-activities';
import { FailoverJsonRpcProvider } from '../../activities/chain/rpc';
import { TransactionManager } from '../../activities/chain/tx-manager';
import { FileTxJournal } from '../../activities/chain/tx-journal-file';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { buildKeyshares } from '../../activities/keys/keyshares';
import { IndexStateStore } from '../../activities/keys/index-state';
import { MnemonicVault, generateMnemonic } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import type { RegistrationBatchProgress, RegistrationBatchResult } from '../../activities/registration-batch';
import type { NexusSystem, RegisteredRollup } from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { ETH, wallet } from '../contracts/helpers';
import { localProvider } from '../harness/local-provider';
import { signedForNonce } from '../fixtures/keyshares/checks';
import { generateOperators } from '../fixtures/keyshares/material';
import { startLaggingRpcProxy, type LaggingRpcProxy } from '../harness/lagging-rpc-proxy';
import { startRpcSwitch, type RpcSwitch } from '../harness/rpc-switch';
import { nexusRegistrations, slipInRegistration } from '../harness/nexus-registrations';
import { useService } from '../harness/service';
import { deployRegistrationRollup, depositKeys } from '../harness/registration-rollup';
import { localCreationDeps } from '../harness/creation-deps';

const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];
const SLIP_IN_IDS = [5, 6, 7, 8];
const SALT = 'batch-test-salt-7f3a';

describe('batch SSV registration activities (anvil + moto)', function () {
  this.timeout(240_000);
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));
  const moto = useService('moto', () => startMoto());
  const operators = generateOperators([...IDS4, ...SLIP_IN_IDS]);
  const dir = mkdtempSync(join(tmpdir(), 'registration-batch-'));
  const journalPath = join(dir, 'tx-journal.jsonl');

  let provider: ethers.JsonRpcProvider; // the test's own, straight to anvil
  let reads: RpcSwitch; // the bot's reads, which the test can cut
  let writes: LaggingRpcProxy; // the bot's transactions (a hook before a broadcast)
  let system: NexusSystem;
  let rollup: RegisteredRollup;
  let deployBlock: number;
  let mnemonic: string;
  let vaultReads = 0;
  const pubkeys: string[] = []; // key index i → pubkey (deposited, waiting for keyshares)
  const cleanup: (() => void)[] = [];

  before(async function () {
    this.timeout(180_000);
    provider = localProvider(anvil().rpcUrl, CHAIN_ID);
    const setup = await deployRegistrationRollup(provider, {
      name: 'rollup-batch',
      funding: 500n * ETH,
      operators,
      clusterIds: IDS4,
      fees: 'none',
    });
    ({ system, rollup, deployBlock } = setup);
    mnemonic = generateMnemonic();
    await vault().createMnemonic(rollup.rollupAdmin, { mnemonic });
    // Thirteen mnemonic keys deposited, waiting for their keyshares.
    const keys = await deriveSigningKeys(
      mnemonic,
      Array.from({ length: 13 }, (_, i) => i),
    );
    try {
      pubkeys.push(
        ...(await depositKeys(
          setup,
          keys.map((k) => k.secretKey),
        )),
      );
    } finally {
      wipeKeys(keys);
    }
    reads = await startRpcSwitch(anvil().rpcUrl);
    writes = await startLaggingRpcProxy(anvil().rpcUrl);
  });

  // A failed test must not leave the read backend cut or a hook armed for the next one.
  afterEach(() => {
    reads?.up();
    if (writes) writes.beforeSend = undefined;
  });

  after(async () => {
    for (const c of cleanup) c();
    provider?.destroy();
    await reads?.stop();
    await writes?.close();
  });

  function vault(): MnemonicVault {
    const sm = new SecretsManagerClient({
      endpoint: moto().endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    return new MnemonicVault(sm, new SaltHolder(SALT));
  }

  /** The worker's activities as a fresh process builds them: new providers, a manager on the same journal file, a vault that counts its reads. */
  function startWorker() {
    const reader = new FailoverJsonRpcProvider({ urls: [reads.url], chainId: CHAIN_ID, requestTimeoutMs: 5_000 });
    const writer = localProvider(writes.url, CHAIN_ID);
    cleanup.push(
      () => reader.destroy(),
      () => writer.destroy(),
    );
    const txManager = new TransactionManager({
      provider: writer,
      signer: wallet(writer, 1),
      chainId: CHAIN_ID,
      maxFeePerGasCeiling: ethers.parseUnits('500', 'gwei'),
      maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'),
      confirmations: 1,
      stuckAfterMs: 60_000,
      feeBumpPercent: 10,
      maxFeeBumps: 3,
      pollIntervalMs: 50,
      journal: new FileTxJournal(journalPath),
    });
    const counted = vault();
    const readMnemonic = counted.readMnemonic.bind(counted);
    counted.readMnemonic = (admin: string) => {
      vaultReads++;
      return readMnemonic(admin);
    };
    const activities = createCreationActivities({
      ...localCreationDeps({ provider: reader, txManager, addresses: system.addresses, deployBlock: deployBlock }),
      vault: counted,
      indexStore: new IndexStateStore({ folder: join(dir, 'index'), createFolder: true }),
    });
    return { activities, txManager };
  }

  /** An activity environment that records the progress heartbeats (as the Web UI shows them). */
  function activityEnv(info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) {
    const env = new MockActivityEnvironment(info);
    const beats: RegistrationBatchProgress[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(structuredClone(d as RegistrationBatchProgress)));
    return { env, beats };
  }

  const mnemonicInput = (indices: number[]) => ({
    rollupAdmin: rollup.rollupAdmin,
    operatorCluster: 1,
    keys: indices.map((i) => ({ pubkey: pubkeys[i], keyIndex: i })),
  });
  const botNonce = () => provider.getTransactionCount(wallet(provider, 1).address, 'latest');
  const status = (pubkey: string) => system.contracts.nexus.validators(pubkey) as Promise<bigint>;

  /** The distinct progress counts heartbeated, in order (the 20-s timer repeats the last one). */
  const progressOf = (beats: RegistrationBatchProgress[]) =>
    beats.map((b) => b.done).filter((d, i, all) => i === 0 || d !== all[i - 1]);

  function assertNoMnemonic(text: string, what: string): void {
    const words = mnemonic.split(' ');
    for (let i = 0; i + 1 < words.length; i++)
      assert.ok(!text.includes(`${words[i]} ${words[i + 1]}`), `mnemonic words in ${what}`);
  }

  it('registers four keys in owner-nonce order in one call, one heartbeat per key, the vault read once', async () => {
    const { activities } = startWorker();
    const { env, beats } = activityEnv();
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    vaultReads = 0;
    const result = (await env.run(
      activities.registerMnemonicKeysharesBatch,
      mnemonicInput([0, 1, 2, 3]),
    )) as RegistrationBatchResult;

    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      pubkeys.slice(0, 4),
    );
    assert.deepEqual(
      result.registered.map((r) => [r.ownerNonce, r.landed?.ownerNonce, r.landed?.signatureValid]),
      [0, 1, 2, 3].map((i) => [before + i, before + i, true]),
    );
    assert.equal(result.stopped, undefined);
    const added = (await onChainRegistrations()).slice(before);
    assert.deepEqual(
      added.map((r) => r.pubkey),
      pubkeys.slice(0, 4),
      'not each key once, in order',
    );
    added.forEach((r, i) =>
      assert.ok(signedForNonce(r, system.addresses.nexus, before + i), `key ${i} not signed for nonce ${before + i}`),
    );
    assert.equal((await botNonce()) - nonceBefore, 4, 'not one transaction per key');
    assert.deepEqual(progressOf(beats), [0, 1, 2, 3, 4], 'not one progress heartbeat per key');
    for (const b of beats)
      assert.deepEqual(
        b.registered.map((r) => r.pubkey.toLowerCase()),
        pubkeys.slice(0, b.done),
        'a heartbeat does not list the keys done',
      );
    assert.equal(beats.at(-1)?.total, 4);
    assert.equal(vaultReads, 1, 'the vault was not read once per batch');
    assertNoMnemonic(JSON.stringify({ result, beats }), 'the result or heartbeats');
  });

  it('a retry after a transport failure at the third key resumes from the heartbeat in a new process: nothing sent twice, the rest registered', async () => {
    const indices = [4, 5, 6, 7, 8, 9];
    const before = (await onChainRegistrations()).length;
    const nonceBefore = await botNonce();
    vaultReads = 0;

    // First attempt: once two keys are done, the read backend goes away as the third key's transaction goes out.
    const first = startWorker();
    const one = activityEnv();
    one.env.on('heartbeat', (d: unknown) => {
      if ((d as RegistrationBatchProgress).done === 2 && !writes.beforeSend && !reads.isDown)
        writes.beforeSend = async () => reads.down();
    });
    const failure = await (
      one.env.run(first.activities.registerMnemonicKeysharesBatch, mnemonicInput(indices)) as Promise<unknown>
    ).then(
      () => assert.fail('the first attempt did not fail'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof ApplicationFailure, `not an ApplicationFailure: ${String(failure)}`);
    assert.equal(failure.type, 'RpcUnavailableError', `unexpected failure: ${failure.type}: ${failure.message}`);
    assert.equal(failure.nonRetryable, false, 'a transport failure must be retried');
    const carried = (failure.details?.[0] as RegistrationBatchResult).registered;
    assert.deepEqual(
      carried.map((r) => r.pubkey.toLowerCase()),
      pubkeys.slice(4, 6),
      'the failure does not carry the keys registered before it',
    );
    assert.deepEqual(progressOf(one.beats), [0, 1, 2]);
    assert.equal(
      await status(pubkeys[6]),
      2n,
      "the third key's transaction was not mined (the failure came too early to test a lost answer)",
    );
    assert.equal(vaultReads, 1);
    assertNoMnemonic(JSON.stringify({ failure: failure.message, details: failure.details }), 'the failure');

    // Temporal's retry: a new process (manager on the same journal), the last heartbeat's details.
    reads.up();
    const second = startWorker();
    const two = activityEnv({ attempt: 2, heartbeatDetails: one.beats.at(-1) });
    const result = (await two.env.run(
      second.activities.registerMnemonicKeysharesBatch,
      mnemonicInput(indices),
    )) as RegistrationBatchResult;
    assert.deepEqual(
      result.registered.map((r) => r.pubkey.toLowerCase()),
      indices.map((i) => pubkeys[i]),
    );
    assert.deepEqual(
      result.registered.slice(0, 2),
      carried,
      'the keys of the first attempt were not taken from its heartbeat',
    );
    // The third key was found registered (its answer was lost): where it landed, no second transaction.
    assert.deepEqual(
      [result.registered[2].ownerNonce, result.registered[2].txHash, result.registered[2].landed?.ownerNonce],
      [-1, undefined, before + 2],
    );
    assert.deepEqual(progressOf(two.beats), [2, 3, 4, 5, 6]);

    const added = (await onChainRegistrations()).slice(before);
    assert.deepEqual(
      added.map((r) => r.pubkey),
      indices.map((i) => pubkeys[i]),
      'a key lost or registered twice',
    );
    added.forEach((r, i) =>
      assert.ok(
        signedForNonce(r, system.addresses.nexus, before + i),
        `key ${indices[i]} not signed for nonce ${before + i}`,
      ),
    );
    assert.equal((await botNonce()) - nonceBefore, indices.length, 'a transaction was sent twice (or one is missing)');
    const journaled = (
      await Promise.all(
        indices.map((i) => second.txManager.record(`shares:${pubkeys[i]}:${before + indices.indexOf(i)}:1`)),
      )
    ).filter(Boolean);
    assert.equal(journaled.length, 0, 'a second journal attempt exists for a key');
    assert.equal(vaultReads, 2, 'the vault was not read once per attempt');
  });

  it('a DKG batch stops after a key that landed a nonce late: nothing is sent after it', async () => {
    const { activities } = startWorker();
    const { env, beats } = activityEnv();
    const before = (await onChainRegistrations()).length;
    // Keys 10, 11 and 12 (deposited above), signed for the next three nonces, as a ceremony hands them over.
    const keys = await deriveSigningKeys(mnemonic, [10, 11, 12]);
    const batch = [];
    try {
      for (const [i, key] of keys.entries()) {
        const payload = await buildKeyshares({
          secretKey: key.secretKey,
          operators: operators.filter((o) => IDS4.includes(o.id)),
          owner: system.addresses.nexus,
          ownerNonce: before + i,
        });
        batch.push({ ...payload, ownerNonce: before + i });
      }
    } finally {
      wipeKeys(keys);
    }
    // Another registration of the Nexus owner slips in just before the second key's transaction.
    env.on('heartbeat', (d: unknown) => {
      if ((d as RegistrationBatchProgress).done === 1 && !writes.beforeSend) writes.beforeSend = slipIn;
    });
    const nonceBefore = await botNonce();
    const result = (await env.run(activities.registerDkgKeysharesBatch, {
      rollupAdmin: rollup.rollupAdmin,
      keyshares: batch,
    })) as RegistrationBatchResult;
    assert.equal(result.registered.length, 2, `expected a stop after the second key, got ${result.registered.length}`);
    assert.deepEqual(
      [
        result.registered[1].ownerNonce,
        result.registered[1].landed?.ownerNonce,
        result.registered[1].landed?.signatureValid,
      ],
      [before + 1, before + 2, false],
    );
    assert.match(result.stopped ?? '', /landed at owner nonce \d+ but its keyshares are signed for \d+/);
    assert.equal(await status(pubkeys[12]), 1n, 'the key after the halting one was sent');
    assert.equal((await botNonce()) - nonceBefore, 2);
    assert.deepEqual(progressOf(beats), [0, 1, 2]);
  });

  const slipIn = () => slipInRegistration(provider, system, SLIP_IN_IDS, deployBlock);
  const onChainRegistrations = () => nexusRegistrations(provider, system, deployBlock);
});
