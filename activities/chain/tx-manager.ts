// The bot account's single transaction stream (DESIGN.md invariant 5), and the journal that makes a
// retried send idempotent (invariant 1).
//
// - Nonces are assigned in one place: a mutex around "take nonce, sign, journal, broadcast". The
//   next nonce starts from eth_getTransactionCount(pending) and is re-read after the node rejects a
//   nonce ("nonce too low", "replacement transaction underpriced") or a transaction is dropped.
// - Fees are EIP-1559 from the next block's base fee plus the configured tip, never above the
//   configured ceiling. With the base fee above the ceiling nothing is sent: FeeCeilingExceededError
//   (retryable), after waiting up to `feeCeilingWaitMs` (default 0: fail fast and let Temporal's
//   retry backoff do the waiting without holding an activity slot).
// - Gas is estimated first (plus a margin); a revert at estimation is decoded and thrown as
//   ContractRevertError before a nonce is taken: nothing is sent.
// - waitForReceipt() watches every hash of the nonce (original and replacements), replaces a
//   transaction not mined after `stuckAfterMs` with the same nonce and calldata and fees raised by
//   `feeBumpPercent` (at most `maxFeeBumps` times, never above the ceiling), checks the receipt's
//   status (a status-0 receipt is replayed with eth_call to decode the revert), and waits for
//   `confirmations` blocks.
// - Every send carries an idempotencyKey. The journal maps it to the nonce and every signed attempt
//   BEFORE the broadcast, so a retried activity (same key, even in a new process) finds the earlier
//   transaction (pending, mined or dropped) instead of sending a new one.
//
// IMPORTANT for callers: the journal protects against the common crash (worker dies between send
// and result). It is not the truth: chain state is. Before sending a state-changing call, the
// activity must ALSO check contract state (e.g. Nexus.validators(pubkey) is INACTIVE before
// depositValidatorRollup, DEPOSITED before depositValidatorShares), because the journal may be lost,
// a transaction may be dropped, or another process may have acted.
//
// One sender per bot key at a time. With the default stores (file or memory journal) that is this
// one instance: two managers for the same key in two processes would each keep their own nonce
// counter. With a shared FencedNonceStore (options.nonceStore, dynamo/) several workers may each
// build a manager: only the holder of the writer lease (writer-lease.ts) gets nonces and journal
// writes, and a stale holder is refused (WriterFencedError) before it broadcasts.
//
// Files: tx-manager-base.ts (state, fees, broadcast), tx-wait.ts (receipts, replacements),
// tx-journal*.ts (journals), tx-errors.ts, tx-types.ts; this file sends.
import { ethers } from 'ethers';
import { asContractRevert } from './revert';
import { raiseByPercent } from './fees';
import type { TxRecord } from './tx-journal';
import {
  DryRunRefusalError,
  IdempotencyConflictError,
  InsufficientFundsError,
  TransactionDroppedError,
  TransactionRejectedError,
  WriterFencedError,
} from './tx-errors';
import { wei, type MinedTransaction, type SendRequest, type SentTransaction, type WaitOptions } from './tx-types';
import { TxReceiptWaiter } from './tx-wait';

// The pieces live in their own files; this module keeps exporting them for existing importers.
export * from './tx-journal';
export * from './tx-errors';
export * from './tx-types';
export { FileTxJournal, readTxJournalRecords } from './tx-journal-file';

export class TransactionManager extends TxReceiptWaiter {
  private readonly sending = new Map<string, Promise<SentTransaction>>();

  /**
   * Sends `request` once per idempotencyKey. A key the journal already has returns that transaction
   * (`reused: true`, nothing sent) unless it reverted (a reverted transaction changed nothing, so a
   * new one is estimated and sent) or was dropped (TransactionDroppedError unless resendIfDropped).
   * Throws ContractRevertError when estimation reverts, FeeCeilingExceededError when the base fee is
   * above the ceiling; in both cases nothing is sent and no nonce is used.
   */
  send(request: SendRequest): Promise<SentTransaction> {
    const key = request.idempotencyKey;
    if (!key) return Promise.reject(new Error('send: idempotencyKey is required'));
    if (this.opts.dryRun) return Promise.reject(new DryRunRefusalError(request.label, request.to));
    const inFlight = this.sending.get(key);
    if (inFlight) return inFlight;
    const p = this.sendOnce(request).finally(() => this.sending.delete(key));
    this.sending.set(key, p);
    return p;
  }

  /** send() then waitForReceipt(). */
  async sendAndWait(request: SendRequest, wait?: WaitOptions): Promise<MinedTransaction> {
    return this.waitForReceipt(await this.send(request), wait);
  }

  /** The journal record of a key (for status commands and tests). */
  record(key: string): Promise<TxRecord | undefined> {
    return this.journal.get(key);
  }

  // -------------------------------------------------------------------------------------------

  private checkConflict(record: TxRecord, request: SendRequest, dataHash: string): void {
    if (record.from !== this.address)
      throw new IdempotencyConflictError(record.idempotencyKey, `sent from ${record.from}`);
    if (record.to.toLowerCase() !== request.to.toLowerCase())
      throw new IdempotencyConflictError(record.idempotencyKey, `to ${record.to}`);
    if (record.dataHash !== dataHash) throw new IdempotencyConflictError(record.idempotencyKey, 'other calldata');
    if (BigInt(record.value) !== (request.value ?? 0n))
      throw new IdempotencyConflictError(record.idempotencyKey, `value ${record.value}`);
  }

  private toSent(record: TxRecord, reused: boolean): SentTransaction {
    const last = record.attempts[record.attempts.length - 1];
    return {
      idempotencyKey: record.idempotencyKey,
      label: record.label,
      from: record.from,
      to: record.to,
      nonce: record.nonce,
      hash: last.hash,
      hashes: record.attempts.map((a) => a.hash),
      gasLimit: BigInt(record.gasLimit),
      maxFeePerGas: BigInt(last.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(last.maxPriorityFeePerGas),
      status: record.status,
      reused,
    };
  }

  private async sendOnce(request: SendRequest): Promise<SentTransaction> {
    const { idempotencyKey: key, label } = request;
    const to = ethers.getAddress(request.to);
    const data = ethers.hexlify(request.data);
    const value = request.value ?? 0n;
    const dataHash = ethers.keccak256(data);
    await this.checkChain();

    const existing = await this.journal.get(key);
    let previous: TxRecord['previous'];
    if (existing && existing.status !== 'failed') {
      this.checkConflict(existing, request, dataHash);
      if (existing.status === 'pending' || existing.status === 'mined') {
        const sent = this.toSent(existing, true);
        this.emit({
          event: 'reused',
          key,
          label,
          hash: sent.hash,
          hashes: sent.hashes,
          nonce: sent.nonce,
          status: existing.status,
        });
        return sent;
      }
      if (existing.status === 'dropped' && !request.resendIfDropped) {
        throw new TransactionDroppedError(
          key,
          existing.nonce,
          existing.attempts.map((a) => a.hash),
          existing.error ?? 'dropped earlier',
        );
      }
      // reverted (changed nothing) or dropped with resendIfDropped: a new transaction, history kept.
      previous = [
        ...(existing.previous ?? []),
        {
          nonce: existing.nonce,
          hashes: existing.attempts.map((a) => a.hash),
          status: existing.status,
          revertName: existing.revert?.name,
          error: existing.error,
        },
      ];
    } else if (existing) {
      previous = existing.previous;
    }

    // Estimate before taking a nonce: a revert here sends nothing.
    let gasLimit = request.gasLimit;
    if (gasLimit === undefined) {
      try {
        const estimate = await this.provider.estimateGas({ from: this.address, to, data, value });
        gasLimit = raiseByPercent(estimate, this.gasMarginPercent) + (request.extraGas ?? 0n);
      } catch (err) {
        const revert = asContractRevert(err, { phase: 'estimate', label });
        if (revert) {
          this.emit({
            event: 'reverted',
            key,
            label,
            revert: revert.revertName,
            reason: 'at estimation; nothing sent',
          });
          throw revert;
        }
        throw err;
      }
    }
    const fees = await this.feesForNewTransaction(label);

    return this.nonceLock.run(async () => {
      for (let resyncs = 0; ; resyncs++) {
        if (this.nextNonce === undefined || (this.nonceStore && this.nonceStore.epoch() !== this.nonceEpoch)) {
          this.nextNonce = await this.startNonce(key, label);
        }
        const nonce = this.nextNonce;
        const raw = await this.signer.signTransaction({
          type: 2,
          chainId: this.chainId,
          nonce,
          to,
          data,
          value,
          gasLimit,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        });
        const hash = ethers.keccak256(raw);
        const now = Date.now();
        const record: TxRecord = {
          version: 1,
          idempotencyKey: key,
          label,
          from: this.address,
          chainId: this.chainId.toString(),
          to,
          value: value.toString(),
          dataHash,
          nonce,
          gasLimit: gasLimit.toString(),
          attempts: [
            {
              hash,
              maxFeePerGas: wei(fees.maxFeePerGas),
              maxPriorityFeePerGas: wei(fees.maxPriorityFeePerGas),
              sentAt: now,
              raw,
              ...this.attemptEpoch(),
            },
          ],
          status: 'pending',
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          ...(previous ? { previous } : {}),
        };
        // Journal first: a crash after the broadcast must find this hash on retry. With a shared
        // stream, taking the nonce and journaling are one write, refused to a stale writer.
        await this.fenced(key, label, () =>
          this.nonceStore ? this.nonceStore.claim(nonce, record) : this.journal.put(key, record),
        );
        const { outcome, message } = await this.broadcast(raw);
        if (outcome === 'accepted' || outcome === 'known') {
          this.nextNonce = nonce + 1;
          this.emit({
            event: 'sent',
            key,
            label,
            hash,
            nonce,
            maxFeePerGas: wei(fees.maxFeePerGas),
            maxPriorityFeePerGas: wei(fees.maxPriorityFeePerGas),
            gasLimit: gasLimit.toString(),
          });
          return this.toSent(record, false);
        }
        // Refused: nothing was sent under this record.
        this.nextNonce = undefined;
        const why = `${outcome}: ${message}`;
        const failed: TxRecord = { ...record, status: 'failed', error: why, updatedAt: Date.now() };
        await this.fenced(key, label, () =>
          this.nonceStore ? this.nonceStore.unclaim(nonce, failed) : this.journal.put(key, failed),
        );
        if ((outcome === 'nonce-too-low' || outcome === 'underpriced') && resyncs < this.maxNonceResyncs) {
          // Our counter is behind the account (a transaction sent outside this manager, or a
          // pending one we do not know): re-read the pending nonce and try again.
          this.emit({ event: 'nonce-resync', key, label, nonce, reason: outcome });
          continue;
        }
        if (outcome === 'insufficient-funds')
          throw new InsufficientFundsError(label, nonce, 'insufficient funds for gas × price + value');
        throw new TransactionRejectedError(label, nonce, why);
      }
    });
  }

  /**
   * The first nonce of a send after a (re)start or a new writer epoch. One worker: the node's
   * pending count. Shared stream: the stream's next nonce, reconciled with the node: a nonce the
   * last holder claimed (and journaled with its signed transaction) that the node does not have is
   * sent again as signed (the same transaction, so never a second one); the first claimed nonce
   * with no pending record to send is a gap, and the stream continues from there.
   */
  private async startNonce(key: string, label: string): Promise<number> {
    const pending = await this.rpcNonce('pending');
    const store = this.nonceStore;
    if (!store) return pending;
    const epoch = store.epoch();
    if (epoch === undefined) {
      this.emit({ event: 'fenced', key, label, reason: 'no writer lease held' });
      throw new WriterFencedError(this.address.toLowerCase(), undefined, 'this process holds no writer lease');
    }
    const stored = (await store.next()) ?? 0;
    let nonce = pending;
    for (; nonce < stored; nonce++) {
      const claimedBy = await store.keyAt(nonce);
      const record = claimedBy === undefined ? undefined : await this.journal.get(claimedBy);
      if (!record || record.status !== 'pending' || record.nonce !== nonce) break;
      const last = record.attempts[record.attempts.length - 1];
      const { outcome, message } = await this.broadcast(last.raw);
      this.emit({
        event: 'rebroadcast',
        key: record.idempotencyKey,
        label: record.label,
        hash: last.hash,
        nonce,
        reason: `claimed before writer epoch ${epoch}: ${outcome} ${message}`.trim(),
      });
      if (outcome !== 'accepted' && outcome !== 'known') break;
    }
    this.nonceEpoch = epoch;
    this.emit({
      event: 'nonce-resync',
      nonce,
      reason: `writer epoch ${epoch}: stream next ${stored}, node pending ${pending}`,
    });
    return nonce;
  }

  /** Runs a journal write; a fenced one forgets the nonce counter and is reported before it is rethrown. */
  private async fenced(key: string, label: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (err instanceof WriterFencedError) {
        this.nextNonce = undefined;
        this.emit({ event: 'fenced', key, label, reason: err.message });
      }
      throw err;
    }
  }
}
