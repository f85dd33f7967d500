// Deposits of several rollups go out back to back (issue 15, item 1): the real `submitDeposits`
// activity of three rollups, started at once through ONE transaction manager (what the chain-writer
// worker does: its Worker runs up to the SDK's 100 activities at once, and the manager holds its
// nonce lock only around "take nonce, sign, journal, broadcast", never until a receipt). With
// anvil's mining held, all three transactions must reach the pool before any is mined, with
// consecutive nonces of the bot account, and then land in one block. If deposits were serialised
// (a lock held until the receipt), the second would wait for a block that never comes: the test
// fails while waiting for the pool.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ethers } from 'ethers';
import { nexusInterface } from '../../activities/chain/abi';
import { TransactionManager } from '../../activities/chain/tx-manager';
import { FileTxJournal } from '../../activities/chain/tx-journal-file';
import { creationContext } from '../../activities/creation-context';
import { createDepositActivities } from '../../activities/deposit-submission';
import type { PublicDepositData, SubmittedTransaction } from '../../activities/types';
import { registerRollup, type NexusSystem } from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { NEXUS_VALIDATOR_STATUSES } from '../../protocol/nexus';
import { ETH, makeValidators, wallet } from '../contracts/helpers';
import { localProvider } from '../harness/local-provider';
import { generateOperators } from '../fixtures/keyshares/material';
import { deployRegistrationRollup } from '../harness/registration-rollup';
import { useService } from '../harness/service';
import { localCreationDeps } from '../harness/creation-deps';

const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];
const KEYS_PER_ROLLUP = 2;
/** Far longer than three estimates, fee reads and journal writes take, even on a loaded machine. */
const POOL_WAIT_MS = 30_000;

describe('deposits of several rollups go out back to back (anvil, our contracts, mining held)', function () {
  this.timeout(180_000);
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));
  const dir = mkdtempSync(join(tmpdir(), 'deposits-back-to-back-'));

  let provider: ethers.JsonRpcProvider;
  let system: NexusSystem;
  let bot: string;
  const rollups: { admin: string; deposits: PublicDepositData[] }[] = [];
  let journal: FileTxJournal;
  let activities: ReturnType<typeof createDepositActivities>;

  before(async function () {
    this.timeout(120_000);
    provider = localProvider(anvil().rpcUrl, CHAIN_ID);
    // Rollup 1 (dev account 2) with the system; rollups 2 and 3 (accounts 3 and 4) on the same cluster.
    const setup = await deployRegistrationRollup(provider, {
      name: 'rollup-1',
      funding: 100n * ETH,
      operators: generateOperators(IDS4),
      clusterIds: IDS4,
      fees: 'none',
    });
    system = setup.system;
    bot = setup.bot.address;
    const registered = [setup.rollup];
    for (const account of [3, 4])
      registered.push(
        await registerRollup(system, {
          rollupAdmin: wallet(provider, account),
          name: `rollup-${account - 1}`,
          operatorCluster: 1,
          stakingLimit: 10_000,
          funding: 100n * ETH,
        }),
      );
    for (const r of registered) {
      const validators = await makeValidators(r.bridgeAddress, KEYS_PER_ROLLUP);
      rollups.push({
        admin: r.rollupAdmin,
        deposits: validators.map((v) => ({
          pubkey: v.pubKey,
          withdrawalCredentials: v.withdrawalAddress,
          signature: v.signature,
          depositDataRoot: v.depositRoot,
        })),
      });
    }

    // The writer worker's pieces: one manager on a journal file, the deposit activities on it.
    journal = new FileTxJournal(join(dir, 'tx-journal.jsonl'));
    const txManager = new TransactionManager({
      provider,
      signer: new ethers.Wallet(setup.bot.privateKey, provider),
      chainId: CHAIN_ID,
      maxFeePerGasCeiling: ethers.parseUnits('500', 'gwei'),
      maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'),
      confirmations: 1,
      stuckAfterMs: 120_000, // no replacement while mining is held
      feeBumpPercent: 10,
      maxFeeBumps: 3,
      pollIntervalMs: 50,
      journal,
    });
    activities = createDepositActivities(
      creationContext({
        ...localCreationDeps({
          provider: provider,
          txManager,
          addresses: system.addresses,
          deployBlock: setup.deployBlock,
        }),
      }),
    );
  });

  after(async () => {
    await journal?.close();
    provider?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const nonceOf = async (tag: 'latest' | 'pending') =>
    Number(await provider.send('eth_getTransactionCount', [bot, tag]));

  /** The bot's transactions in anvil's pool, by nonce. */
  async function botPool(): Promise<Map<number, string>> {
    const pool = (await provider.send('txpool_content', [])) as {
      pending: Record<string, Record<string, { hash: string }>>;
      queued: Record<string, Record<string, { hash: string }>>;
    };
    const out = new Map<number, string>();
    for (const part of [pool.pending, pool.queued])
      for (const [from, byNonce] of Object.entries(part ?? {}))
        if (from.toLowerCase() === bot.toLowerCase())
          for (const [nonce, tx] of Object.entries(byNonce)) out.set(Number(nonce), tx.hash);
    return out;
  }

  it('three rollups deposit at once: three consecutive nonces in the pool before any block, then one block', async () => {
    const first = await nonceOf('latest');
    assert.equal(await nonceOf('pending'), first, 'the bot has transactions in the pool before the test');
    await provider.send('evm_setAutomine', [false]);
    await provider.send('evm_setIntervalMining', [0]);
    const headBefore = await provider.getBlockNumber();
    const outcomes: (SubmittedTransaction | Error | undefined)[] = rollups.map(() => undefined);
    // One activity context each, as the worker runs each task.
    const running = rollups.map((r, i) =>
      new MockActivityEnvironment()
        .run(activities.submitDeposits, { rollupAdmin: r.admin, requestId: `b2b-${i}`, deposits: r.deposits })
        .then(
          (ok) => (outcomes[i] = ok as SubmittedTransaction), // run() does not infer the result type
          (err: unknown) => (outcomes[i] = err instanceof Error ? err : new Error(String(err))),
        ),
    );
    try {
      const deadline = Date.now() + POOL_WAIT_MS;
      let pool = await botPool();
      while (pool.size < rollups.length) {
        const failed = outcomes.find((o) => o instanceof Error);
        if (failed) assert.fail(`a deposit failed before all three were in the pool: ${failed.message}`);
        if (Date.now() > deadline)
          assert.fail(
            `${pool.size} of ${rollups.length} deposit transactions in the pool after ${POOL_WAIT_MS / 1000} s with ` +
              `mining held (nonces ${[...pool.keys()].join(', ') || 'none'}): the others wait for a receipt, ` +
              'so deposits of several rollups are serialised instead of going out back to back',
          );
        await sleep(50);
        pool = await botPool();
      }
      assert.deepEqual(
        [...pool.keys()].sort((x, y) => x - y),
        [first, first + 1, first + 2],
        'the three deposits do not hold the next three nonces of the bot account',
      );
      assert.equal(await provider.getBlockNumber(), headBefore, 'a block was mined while mining was held');
      await provider.send('evm_mine', []);
      const block = await provider.getBlock('latest');
      assert.equal(block?.number, headBefore + 1);
      assert.ok(block);
      await Promise.all(running);

      for (const [i, o] of outcomes.entries()) {
        assert.ok(o && !(o instanceof Error), `rollup ${i + 1}'s submitDeposits failed: ${String(o)}`);
        assert.equal(o.blockNumber, block.number, `rollup ${i + 1}'s deposit is not in the one mined block`);
        assert.ok(block.transactions.includes(o.txHash), `rollup ${i + 1}'s deposit ${o.txHash} is not in the block`);
      }
      const txs = await Promise.all(outcomes.map((o) => provider.getTransaction((o as SubmittedTransaction).txHash)));
      assert.deepEqual(
        txs.map((t) => t?.nonce).sort((x, y) => (x ?? 0) - (y ?? 0)),
        [first, first + 1, first + 2],
        'the mined deposits do not have consecutive nonces',
      );
      assert.deepEqual(
        txs.map((t) => t?.from),
        rollups.map(() => bot),
        'a deposit was sent from another account',
      );
      // No gap, nothing left behind: the account's count moved by exactly three.
      assert.equal(await nonceOf('latest'), first + 3, 'the bot account has a nonce gap or an extra transaction');
      assert.equal(await nonceOf('pending'), first + 3, 'bot transactions are still in the pool');

      // Nexus state through its public getter: every key of every rollup DEPOSITED, and each
      // transaction's ValidatorSubmitted events name its own rollup's keys.
      const nexus = new ethers.Contract(system.addresses.nexus, nexusInterface, provider);
      for (const [i, r] of rollups.entries()) {
        for (const d of r.deposits) {
          const status = NEXUS_VALIDATOR_STATUSES[Number(await nexus.validators(d.pubkey))];
          assert.equal(status, 'DEPOSITED', `rollup ${i + 1}'s key ${d.pubkey.slice(0, 12)}… is ${status}`);
        }
        const receipt = await provider.getTransactionReceipt((outcomes[i] as SubmittedTransaction).txHash);
        assert.equal(receipt?.status, 1);
        const submitted = (receipt?.logs ?? [])
          .map((l) => nexusInterface.parseLog(l))
          .filter((e) => e?.name === 'ValidatorSubmitted')
          .map((e) => ({ pubkey: String(e?.args[0]).toLowerCase(), admin: String(e?.args[1]) }));
        assert.deepEqual(
          submitted,
          r.deposits.map((d) => ({ pubkey: d.pubkey.toLowerCase(), admin: r.admin })),
          `rollup ${i + 1}'s transaction does not deposit exactly its own keys`,
        );
      }
    } finally {
      // Let anything still waiting for a receipt finish (a failed run), then leave automine on.
      await provider.send('evm_setAutomine', [true]);
      await provider.send('evm_mine', []);
      await Promise.race([Promise.all(running), sleep(30_000)]);
    }
  });
});
