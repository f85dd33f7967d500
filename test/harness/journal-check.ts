// The transaction journal after a run, read against the chain (issue 13 item 7): every record the
// journal calls mined is that very transaction on chain (hash, nonce, success), no two mined
// records share a bot-account nonce, and every transaction the bot account sent is in the journal:
// nothing was sent outside it, nothing it records was lost. A record still pending must have one
// attempt on chain: the record of a batch terminated while it waited for its receipt stays pending
// (the manager settles a record when its key is sent again), but its transaction must have landed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ethers } from 'ethers';
import { readTxJournalRecords, type TxRecord } from '../../activities/chain/tx-manager';

export async function checkTransactionJournal(
  provider: ethers.JsonRpcProvider,
  dir: string,
  botAddress: string,
): Promise<{ records: TxRecord[]; stalePending: string[] }> {
  return checkJournalRecords(provider, readTxJournalRecords(join(dir, 'tx-journal.json')), botAddress);
}

/** The same checks on records read from any journal (the file above, or the shared DynamoDB table). */
export async function checkJournalRecords(
  provider: ethers.JsonRpcProvider,
  records: TxRecord[],
  botAddress: string,
): Promise<{ records: TxRecord[]; stalePending: string[] }> {
  const stalePending: string[] = [];
  for (const r of records.filter((x) => x.status === 'pending')) {
    let landed: string | undefined;
    for (const a of r.attempts) if (await provider.getTransactionReceipt(a.hash)) landed = a.hash;
    assert.ok(
      landed,
      `journal record ${r.idempotencyKey} is pending after the run and none of its ${r.attempts.length} attempt(s) is on chain: lost`,
    );
    stalePending.push(r.idempotencyKey);
    r.status = 'mined';
    r.minedHash = landed;
    r.blockNumber = (await provider.getTransactionReceipt(landed))?.blockNumber;
  }
  const mined = records.filter((r) => r.status === 'mined');
  const nonces = new Map<number, string>();
  for (const r of mined) {
    assert.ok(r.minedHash, `journal record ${r.idempotencyKey} is mined without a hash`);
    const receipt = await provider.getTransactionReceipt(r.minedHash);
    assert.ok(receipt, `journal record ${r.idempotencyKey}: ${r.minedHash} is not on chain`);
    assert.equal(receipt.status, 1, `journal record ${r.idempotencyKey}: ${r.minedHash} reverted on chain`);
    assert.equal(
      receipt.blockNumber,
      r.blockNumber,
      `journal record ${r.idempotencyKey}: mined in block ${receipt.blockNumber}, journaled ${r.blockNumber}`,
    );
    const tx = await provider.getTransaction(r.minedHash);
    assert.equal(
      tx?.nonce,
      r.nonce,
      `journal record ${r.idempotencyKey}: nonce ${tx?.nonce} on chain, journaled ${r.nonce}`,
    );
    const other = nonces.get(r.nonce);
    assert.equal(other, undefined, `nonce ${r.nonce} is journaled mined twice: ${other} and ${r.idempotencyKey}`);
    nonces.set(r.nonce, r.idempotencyKey);
  }
  // The bot account's transaction count is the number of its mined transactions: all journaled.
  const sent = await provider.getTransactionCount(botAddress, 'latest');
  const landed = (status: string) => status === 'mined' || status === 'reverted';
  const minedOrReverted =
    records.filter((r) => landed(r.status)).length +
    records.flatMap((r) => r.previous ?? []).filter((p) => landed(p.status)).length;
  assert.equal(
    minedOrReverted,
    sent,
    `the bot account sent ${sent} transaction(s), the journal records ${minedOrReverted} mined or reverted`,
  );
  return { records, stalePending };
}
