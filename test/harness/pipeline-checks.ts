// What the pipelined-registration tests check on the chain and in the journal, for a suite's
// deployed system and its deposited keys (key index i → pubkeys[i]).
import assert from 'node:assert/strict';
import type { ethers } from 'ethers';
import { readTxJournalRecords, type TxRecord } from '../../activities/chain/tx-manager';
import type { NexusSystem } from '../../contracts/deploy';
import { signedForNonce } from '../fixtures/keyshares/checks';
import { nexusRegistrations } from './nexus-registrations';

export interface PipelineSuite {
  provider: ethers.JsonRpcProvider;
  system: NexusSystem;
  deployBlock: number;
  /** The bot account's address. */
  bot: string;
  journalPath: string;
  pubkeys: readonly string[];
}

export const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Transactions in the node's pool, ready to be mined. */
export const poolPending = async (provider: ethers.JsonRpcProvider) =>
  Number(((await provider.send('txpool_status', [])) as { pending: string }).pending);

export async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ok());) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function pipelineChecks(suite: () => PipelineSuite) {
  const botNonce = () => suite().provider.getTransactionCount(suite().bot, 'latest');
  const onChainRegistrations = () => nexusRegistrations(suite().provider, suite().system, suite().deployBlock);

  /** The journal's records of these keys' registrations (every attempt key). */
  const sharesRecords = (indices: number[]): TxRecord[] => {
    const mine = new Set(indices.map((i) => suite().pubkeys[i]));
    return readTxJournalRecords(suite().journalPath).filter(
      (r) => r.idempotencyKey.startsWith('shares:') && mine.has(r.idempotencyKey.split(':')[1]),
    );
  };

  /** Every key registered once, each ValidatorAdded of ours signed for the owner nonce it took; returns the registrations since `before`. */
  async function assertRegisteredInOrder(indices: number[], before: number) {
    const { system, pubkeys } = suite();
    const added = (await onChainRegistrations()).slice(before);
    const mine = new Set(indices.map((i) => pubkeys[i]));
    const ours = added.filter((r) => mine.has(r.pubkey));
    assert.deepEqual(
      ours.map((r) => r.pubkey),
      indices.map((i) => pubkeys[i]),
      'a key missing, registered twice or out of order',
    );
    added.forEach((r, p) => {
      if (mine.has(r.pubkey))
        assert.ok(
          signedForNonce(r, system.addresses.nexus, before + p),
          `${r.pubkey} at owner nonce ${before + p} is not signed for it`,
        );
    });
    for (const i of indices)
      assert.equal(await system.contracts.nexus.validators(pubkeys[i]), 2n, `key ${i} is not SHARE_DEPOSITED`);
    return added;
  }

  /** The bot account sent exactly the journal's mined and reverted transactions since `nonceBefore` (none pending, none dropped). */
  async function assertNoNonceGap(records: TxRecord[], nonceBefore: number) {
    const landed = (s: string) => s === 'mined' || s === 'reverted';
    const counted =
      records.filter((r) => landed(r.status)).length +
      records.flatMap((r) => r.previous ?? []).filter((p) => landed(p.status)).length;
    assert.deepEqual(
      records.filter((r) => !landed(r.status)).map((r) => `${r.idempotencyKey} ${r.status}`),
      [],
      'a journal record is neither mined nor reverted',
    );
    assert.equal(
      (await botNonce()) - nonceBefore,
      counted,
      'the bot account sent another number of transactions than the journal records mined or reverted',
    );
    const nonces = records.map((r) => r.nonce).sort((a, b) => a - b);
    assert.deepEqual(nonces, range(nonceBefore, nonces.length), 'the journaled bot-account nonces are not consecutive');
  }

  return { botNonce, onChainRegistrations, sharesRecords, assertRegisteredInOrder, assertNoNonceGap };
}
