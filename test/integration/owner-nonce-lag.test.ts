// Fault test (issue 13, items 3 and 9): the SSV registration activities against anvil, reading the
// chain through a loopback proxy that serves heads 20 blocks behind (test/harness/lagging-rpc-proxy.ts),
// as a lagging load-balanced RPC backend does. Such a backend answers an owner nonce that is
// already used; keyshares signed for it land and every SSV node ignores them. Shown here:
//   - the lagging backend really answers a used nonce to an unguarded read;
//   - with the registrar's view (the last registration's block, the floor) the read is refused
//     (OwnerNonceBackendBehindError, retried) until the backend has reached that block, and
//     nothing is sent meanwhile; then each registration completes;
//   - after mining, each key's ValidatorAdded is found at the nonce its keyshares were signed
//     for, and an independent check of every event on chain agrees: nothing lost or repeated;
//   - when another registration of the owner slips in just before the bot's transaction (SSVNetwork
//     called as the Nexus contract, by impersonation), the post-mining check reports the key
//     landed a nonce later than signed, with a signature that does not fit;
//   - the registrar workflow with these activities (time-skipping server, real worker): a DKG
//     reservation's keyshares registered through the lagging backend, each at its signed nonce
//     (Temporal retrying the refused reads), then a slipped-in registration halts it, and the
//     resume reads the chain again.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ethers } from 'ethers';
import { createCreationActivities } from '../../activities/creation-activities';
import { FailoverJsonRpcProvider } from '../../activities/chain/rpc';
import { TransactionManager } from '../../activities/chain/tx-manager';
import { buildKeyshares } from '../../activities/keys/keyshares';
import type { RegisteredKeyshares } from '../../activities/interface';
import type { KeysharesPayload } from '../../activities/types';
import type { NexusSystem, RegisteredRollup } from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { ETH, wallet } from '../contracts/helpers';
import { localProvider } from '../harness/local-provider';
import { signedForNonce } from '../fixtures/keyshares/checks';
import { generateOperators, randomBlsSecretKey } from '../fixtures/keyshares/material';
import { startLaggingRpcProxy, type LaggingRpcProxy } from '../harness/lagging-rpc-proxy';
import { nexusRegistrations, slipInRegistration } from '../harness/nexus-registrations';
import { useService } from '../harness/service';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { createRegistrarActivities } from '../../activities/registrar-client';
import { registrarStatusQuery, registrationRequestSignal, resumeRegistrationsUpdate } from '../../protocol/messages';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { ssvRegistrarWorkflow } from '../../workflows/ssv-registrar';
import { failureTypeOf } from '../harness/rejection';
import { deployRegistrationRollup, depositKeys } from '../harness/registration-rollup';
import { localCreationDeps } from '../harness/creation-deps';

const CHAIN_ID = 31337;
const LAG = 20;
const IDS4 = [1, 2, 3, 4];
const SLIP_IN_IDS = [5, 6, 7, 8];

describe('SSV owner nonce through an RPC backend 20 blocks behind (anvil + loopback proxy)', function () {
  this.timeout(180_000);
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));
  const operators = generateOperators([...IDS4, ...SLIP_IN_IDS]);

  let provider: ethers.JsonRpcProvider; // the test's own, straight to anvil
  let reads: LaggingRpcProxy; // the bot's reads
  let writes: LaggingRpcProxy; // the bot's transactions (no lag; a hook before a broadcast)
  let reader: FailoverJsonRpcProvider;
  let writer: ethers.JsonRpcProvider;
  let system: NexusSystem;
  let rollup: RegisteredRollup;
  let deployBlock: number;
  let activities: ReturnType<typeof createCreationActivities>;
  const keys: { secretKey: Uint8Array; pubkey: string }[] = [];
  const env = new MockActivityEnvironment();
  const mine = (blocks: number) => provider.send('anvil_mine', [ethers.toQuantity(blocks)]);
  const head = () => provider.getBlockNumber();

  before(async function () {
    this.timeout(120_000);
    provider = localProvider(anvil().rpcUrl, CHAIN_ID);
    const setup = await deployRegistrationRollup(provider, {
      name: 'rollup-lag',
      funding: 300n * ETH,
      operators,
      clusterIds: IDS4,
      fees: 'none',
    });
    ({ system, rollup, deployBlock } = setup);
    // Seven deposited keys waiting for their keyshares.
    const secretKeys = Array.from({ length: 7 }, () => randomBlsSecretKey());
    const pubkeys = await depositKeys(setup, secretKeys);
    keys.push(...secretKeys.map((secretKey, i) => ({ secretKey, pubkey: pubkeys[i] })));
    await mine(LAG + 5); // the lagged head stays after the deployment

    reads = await startLaggingRpcProxy(anvil().rpcUrl);
    writes = await startLaggingRpcProxy(anvil().rpcUrl);
    reader = new FailoverJsonRpcProvider({ urls: [reads.url], chainId: CHAIN_ID });
    writer = localProvider(writes.url, CHAIN_ID);
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
    });
    activities = createCreationActivities({
      ...localCreationDeps({ provider: reader, txManager, addresses: system.addresses, deployBlock: deployBlock }),
    });
  });

  after(async () => {
    reader?.destroy();
    writer?.destroy();
    provider?.destroy();
    await reads?.close();
    await writes?.close();
  });

  /** Keyshares of key `i`, signed for `nonce`, as a DKG ceremony hands them over. */
  async function keysharesOf(i: number, nonce: number): Promise<KeysharesPayload> {
    const payload = await buildKeyshares({
      secretKey: keys[i].secretKey,
      operators: operators.filter((o) => IDS4.includes(o.id)),
      owner: system.addresses.nexus,
      ownerNonce: nonce,
    });
    return { ...payload, ownerNonce: nonce };
  }

  const register = (keyshares: KeysharesPayload, view: { minOwnerNonce?: number; lastRegistrationBlock?: number }) =>
    env.run(activities.registerDkgKeyshares, {
      rollupAdmin: rollup.rollupAdmin,
      keyshares,
      ...view,
    }) as Promise<RegisteredKeyshares>;
  const readNonce = (input: { atLeast?: number; lastRegistrationBlock?: number }) =>
    env.run(activities.readSsvOwnerNonce, input) as Promise<number>;

  /**
   * The registrar's retries (Temporal's, here by hand): refused while the backend lags, nothing
   * sent meanwhile, the chain moving on (a block every 200 ms) until the backend has caught up.
   */
  async function registerOnceCaughtUp(i: number, nonce: number, lastRegistrationBlock: number) {
    const keyshares = await keysharesOf(i, nonce);
    const miner = setInterval(() => void mine(1).catch(() => undefined), 200);
    let refused = 0;
    try {
      for (;;) {
        try {
          const done = await register(keyshares, { minOwnerNonce: nonce, lastRegistrationBlock });
          return { done, refused };
        } catch (err) {
          assert.equal(failureTypeOf(err), 'OwnerNonceBackendBehindError', `unexpected failure: ${String(err)}`);
          assert.equal(await nexusStatus(keys[i].pubkey), 1n, 'something was sent while the backend lagged');
          refused++;
          assert.ok(refused <= 100, 'still refused long after the backend caught up');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      clearInterval(miner);
    }
  }

  const nexusStatus = (pubkey: string) => system.contracts.nexus.validators(pubkey) as Promise<bigint>;

  it('refuses the nonce read until the backend reaches the last registration, then every key lands at the nonce it was signed for', async () => {
    const first = await register(await keysharesOf(0, 0), {});
    assert.deepEqual([first.ownerNonce, first.landed?.ownerNonce, first.landed?.signatureValid], [0, 0, true]);
    const b0 = first.landed?.blockNumber ?? -1;

    reads.lag = LAG;
    // What the lagging backend says to a read without the registrar's view: a nonce already used.
    assert.equal(await readNonce({}), 0, 'the proxy does not lag (the unguarded read saw the registration)');
    await assert.rejects(
      readNonce({ lastRegistrationBlock: b0 }),
      (err: Error) =>
        failureTypeOf(err) === 'OwnerNonceBackendBehindError' &&
        new RegExp(`before block ${b0} of the last SSV registration`).test(err.message),
    );
    await assert.rejects(readNonce({ atLeast: 1 }), (err: Error) => failureTypeOf(err) === 'OwnerNonceBehindError');

    const second = await registerOnceCaughtUp(1, 1, b0);
    assert.ok(second.refused >= 1, 'the registration was never refused while the backend lagged');
    assert.ok((await head()) - LAG >= b0, 'registered before the backend reached the last registration');
    assert.deepEqual(
      [second.done.ownerNonce, second.done.landed?.ownerNonce, second.done.landed?.signatureValid],
      [1, 1, true],
    );
    const third = await registerOnceCaughtUp(2, 2, second.done.landed?.blockNumber ?? -1);
    // (Not refused: the second registration waited for the backend to reach its own block.)
    assert.deepEqual(
      [third.done.ownerNonce, third.done.landed?.ownerNonce, third.done.landed?.signatureValid],
      [2, 2, true],
    );
    assert.ok(reads.laggedAnswers > 0);

    // A retry of a registration already mined finds where it landed (signed nonce unknown: -1).
    await mine(LAG);
    const again = await register(await keysharesOf(1, 1), {
      minOwnerNonce: 3,
      lastRegistrationBlock: third.done.landed?.blockNumber,
    });
    assert.deepEqual(
      [again.ownerNonce, again.txHash, again.landed?.ownerNonce, again.landed?.signatureValid],
      [-1, undefined, 1, true],
    );

    // Independently, from the chain itself: each key once, the i-th event signed for nonce i.
    const added = await onChainRegistrations();
    assert.deepEqual(
      added.map((r) => r.pubkey),
      keys.slice(0, 3).map((k) => k.pubkey),
      'a key lost or registered twice',
    );
    added.forEach((r, i) =>
      assert.ok(signedForNonce(r, system.addresses.nexus, i), `ValidatorAdded #${i} is not signed for nonce ${i}`),
    );
  });

  it('after mining, finds a key that landed a nonce later than signed (another registration of the owner slipped in first)', async () => {
    reads.lag = 0;
    const before = (await onChainRegistrations()).length;
    const keyshares = await keysharesOf(3, before);
    writes.beforeSend = slipIn;
    const done = await register(keyshares, { minOwnerNonce: before, lastRegistrationBlock: await head() });
    assert.equal(writes.beforeSend, undefined, 'the slip-in did not run');
    assert.equal(done.ownerNonce, before, 'signed for the nonce read before the slip-in');
    assert.equal(done.landed?.ownerNonce, before + 1, 'the post-mining check did not see the key land a nonce later');
    assert.equal(done.landed?.signatureValid, false, 'the signature fits the nonce the key landed at?');
    const added = await onChainRegistrations();
    assert.equal(added[before + 1].pubkey, keys[3].pubkey);
    assert.ok(!signedForNonce(added[before + 1], system.addresses.nexus, before + 1));
  });

  describe('the registrar workflow with these activities (time-skipping server, real worker)', () => {
    const testEnv = useTimeSkippingEnv();

    it('waits out the lagging backend with each key at its signed nonce, then halts on a slipped-in registration until resumed', async () => {
      const env = testEnv();
      const taskQueue = `owner-nonce-lag-${Date.now()}`;
      const registrarWorkflowId = `${taskQueue}-registrar`;
      const worker = {
        ...activities,
        ...createRegistrarActivities({ client: env.client, taskQueue, registrarWorkflowId }),
      };
      let miner: NodeJS.Timeout | undefined;
      await withTestWorker(env.address, { taskQueue, activities: worker }, async () => {
        // The creation that holds the reservations (a workflow that just waits).
        const holder = await env.client.workflow.start(selfCheckWorkflow, {
          taskQueue,
          workflowId: `${taskQueue}-holder`,
          args: [{ wait: '3 hours' }],
        });
        const reserve = (requestId: string, count: number) => ({
          kind: 'dkg-reserve' as const,
          requestId,
          requester: holder.workflowId,
          rollupAdmin: rollup.rollupAdmin,
          count,
        });
        const registrar = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
          taskQueue,
          workflowId: registrarWorkflowId,
          args: [{}],
          signal: registrationRequestSignal,
          signalArgs: [reserve('c1', 2)],
        });
        const status = () => registrar.query(registrarStatusQuery);
        const until = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
          const deadline = Date.now() + 90_000;
          for (;;) {
            const value = await check();
            if (value !== undefined) return value;
            if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(await status())}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        };
        const first = (await until('the reservation', async () => (await status()).reservation)).firstNonce;
        const chainBefore = (await onChainRegistrations()).length;
        assert.equal(first, chainBefore);

        // Now the backend serves heads 20 blocks behind, before the registrations in the test above.
        reads.lag = LAG;
        const laggedBefore = reads.laggedAnswers;
        await registrar.signal(registrationRequestSignal, {
          kind: 'dkg-register',
          requestId: 'c1',
          requester: holder.workflowId,
          rollupAdmin: rollup.rollupAdmin,
          keyshares: [await keysharesOf(4, first), await keysharesOf(5, first + 1)],
        });
        miner = setInterval(() => void mine(1).catch(() => undefined), 250);
        await until('both registrations', async () =>
          (await status()).processed >= 2 &&
          (await status()).lastRegistrationBlock !== undefined &&
          (await onChainRegistrations()).length === chainBefore + 2
            ? true
            : undefined,
        );
        const added = await onChainRegistrations();
        assert.deepEqual(
          added.slice(chainBefore).map((r) => r.pubkey),
          [keys[4].pubkey, keys[5].pubkey],
        );
        added
          .slice(chainBefore)
          .forEach((r, i) =>
            assert.ok(
              signedForNonce(r, system.addresses.nexus, first + i),
              `key ${4 + i} does not stand at the nonce it was signed for`,
            ),
          );
        assert.ok(reads.laggedAnswers > laggedBefore, 'the backend never lagged during the registrations');
        assert.equal((await status()).halted, undefined);

        // Another registration of the Nexus owner slips in before the next one: the registrar halts.
        await registrar.signal(registrationRequestSignal, reserve('c2', 1));
        const second = (
          await until('the second reservation', async () => {
            const held = (await status()).reservation;
            return held?.requestId === 'c2' ? held : undefined;
          })
        ).firstNonce;
        assert.equal(second, first + 2);
        writes.beforeSend = slipIn;
        await registrar.signal(registrationRequestSignal, {
          kind: 'dkg-register',
          requestId: 'c2',
          requester: holder.workflowId,
          rollupAdmin: rollup.rollupAdmin,
          keyshares: [await keysharesOf(6, second)],
        });
        const halt = await until('the halt', async () => (await status()).halted);
        assert.deepEqual([halt.pubkey, halt.signedFor, halt.landedAt], [keys[6].pubkey, second, second + 1]);
        const resumed = await registrar.executeUpdate(resumeRegistrationsUpdate, {
          args: [{ reason: 'test: the slipped-in registration was ours' }],
        });
        assert.deepEqual(
          [resumed.resumed, resumed.ownerNonce],
          [true, second + 2],
          'the resume did not read the chain',
        );
        assert.equal((await status()).halted, undefined);
        await registrar.terminate('test over');
        await holder.terminate('test over').catch(() => undefined); // its wait may be over (skipped time)
      }).finally(() => clearInterval(miner));
    });
  });

  const slipIn = () => slipInRegistration(provider, system, SLIP_IN_IDS, deployBlock);
  const onChainRegistrations = () => nexusRegistrations(provider, system, deployBlock);
});
