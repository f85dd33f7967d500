// Waiting for a sent transaction: receipts and confirmations, replacement of a stuck transaction
// with capped fee bumps, rebroadcast of one the node forgot, dropped and reverted transactions.
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { ContractRevertError, asContractRevert, type DecodedRevert } from './revert';
import { bumpFees, type Eip1559Fees } from './fees';
import type { TxAttempt, TxRecord } from './tx-journal';
import { TransactionDroppedError, TransactionPendingError } from './tx-errors';
import { wei, type MinedTransaction, type SentTransaction, type WaitOptions } from './tx-types';
import { TxManagerBase } from './tx-manager-base';

type ReplaceResult = { kind: 'sent' | 'underpriced'; fees: Eip1559Fees } | { kind: 'capped' } | { kind: 'refused' };

export abstract class TxReceiptWaiter extends TxManagerBase {
  private readonly waiting = new Map<string, Promise<MinedTransaction>>();

  /**
   * Waits until one of the key's hashes is mined with `confirmations` blocks, replacing it while
   * stuck. Throws ContractRevertError (status 0, decoded by replaying the call),
   * TransactionDroppedError, or TransactionPendingError when `timeoutMs` runs out.
   */
  waitForReceipt(tx: SentTransaction | string, wait: WaitOptions = {}): Promise<MinedTransaction> {
    const key = typeof tx === 'string' ? tx : tx.idempotencyKey;
    const inFlight = this.waiting.get(key);
    if (inFlight) return inFlight;
    const p = this.waitLoop(key, wait).finally(() => this.waiting.delete(key));
    this.waiting.set(key, p);
    return p;
  }

  protected async findReceipt(record: TxRecord): Promise<ethers.TransactionReceipt | undefined> {
    for (const attempt of [...record.attempts].reverse()) {
      const receipt = await this.provider.getTransactionReceipt(attempt.hash);
      if (receipt) return receipt;
    }
    return undefined;
  }

  protected async isKnown(record: TxRecord): Promise<boolean> {
    for (const attempt of [...record.attempts].reverse()) {
      const tx = (await this.provider.send('eth_getTransactionByHash', [attempt.hash])) as unknown;
      if (tx) return true;
    }
    return false;
  }

  /** The receipt after `confirmations` blocks, or undefined if it was reorganised away meanwhile. */
  protected async confirmed(
    receipt: ethers.TransactionReceipt,
    deadline: number | undefined,
    record: TxRecord,
  ): Promise<ethers.TransactionReceipt | undefined> {
    if (this.opts.confirmations <= 1) return receipt;
    for (;;) {
      const head = Number(await this.provider.send('eth_blockNumber', []));
      if (head - receipt.blockNumber + 1 >= this.opts.confirmations) {
        const again = await this.provider.getTransactionReceipt(receipt.hash);
        return again && again.blockHash === receipt.blockHash ? again : undefined;
      }
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new TransactionPendingError(
          record.idempotencyKey,
          record.nonce,
          record.attempts.map((a) => a.hash),
        );
      }
      await sleep(this.pollIntervalMs);
    }
  }

  /** Replays a status-0 transaction with eth_call (before, then at its block) to get the revert data. */
  protected async replayRevert(record: TxRecord, receipt: ethers.TransactionReceipt): Promise<DecodedRevert> {
    const attempt = record.attempts.find((a) => a.hash === receipt.hash) ?? record.attempts[0];
    const tx = ethers.Transaction.from(attempt.raw);
    for (const blockTag of [receipt.blockNumber - 1, receipt.blockNumber]) {
      try {
        await this.provider.call({
          from: this.address,
          to: tx.to,
          data: tx.data,
          value: tx.value,
          gasLimit: tx.gasLimit,
          blockTag,
        });
      } catch (err) {
        const revert = asContractRevert(err, { phase: 'mined' });
        if (revert) return revert.decoded;
      }
    }
    if (receipt.gasUsed >= tx.gasLimit)
      return { kind: 'out-of-gas', name: 'OutOfGas', selector: '0x', args: [], data: '0x' };
    return { kind: 'unreproducible', name: 'UnknownRevert', selector: '0x', args: [], data: '0x' };
  }

  protected async markDropped(record: TxRecord, reason: string): Promise<never> {
    const hashes = record.attempts.map((a) => a.hash);
    record.status = 'dropped';
    record.error = reason;
    record.updatedAt = Date.now();
    await this.journal.put(record.idempotencyKey, record);
    this.emit({
      event: 'dropped',
      key: record.idempotencyKey,
      label: record.label,
      hashes,
      nonce: record.nonce,
      reason,
    });
    // The nonce may be free again (forgotten) or used by someone else: re-read it either way.
    this.nonceLock
      .run(() => Promise.resolve(this.resyncNonce(`dropped ${record.idempotencyKey}`)))
      .catch(() => undefined);
    throw new TransactionDroppedError(record.idempotencyKey, record.nonce, hashes, reason);
  }

  protected async waitLoop(key: string, wait: WaitOptions): Promise<MinedTransaction> {
    let record = await this.journal.get(key);
    if (!record) throw new Error(`waitForReceipt: no transaction recorded for ${key}`);
    if (record.status === 'failed')
      throw new Error(`waitForReceipt: ${key} was never sent (${record.error ?? 'refused'})`);
    if (record.status === 'dropped') {
      throw new TransactionDroppedError(
        key,
        record.nonce,
        record.attempts.map((a) => a.hash),
        record.error ?? 'dropped earlier',
      );
    }
    if (record.status === 'reverted' && record.revert && record.minedHash) {
      const r = record.revert;
      throw new ContractRevertError(
        { kind: r.kind, name: r.name, selector: r.selector, args: r.args, reason: r.reason, data: '0x' },
        { phase: 'mined', label: record.label, txHash: record.minedHash, blockNumber: record.blockNumber },
      );
    }
    const deadline = wait.timeoutMs === undefined ? undefined : Date.now() + wait.timeoutMs;
    let baseline: Eip1559Fees = {
      maxFeePerGas: BigInt(record.attempts[record.attempts.length - 1].maxFeePerGas),
      maxPriorityFeePerGas: BigInt(record.attempts[record.attempts.length - 1].maxPriorityFeePerGas),
    };
    // A restarted worker continues the schedule from the journal (an old transaction is bumped at once).
    let lastSentAt = record.attempts[record.attempts.length - 1].sentAt;
    let bumps = record.attempts.length - 1;
    let capped = false;
    let unknownSince: number | undefined;
    let rebroadcast = false;

    for (;;) {
      const receipt = await this.findReceipt(record);
      if (receipt) {
        const final = await this.confirmed(receipt, deadline, record);
        if (!final) continue; // reorganised away: look again
        record.minedHash = final.hash;
        record.blockNumber = final.blockNumber;
        record.updatedAt = Date.now();
        if (final.status === 0) {
          const decoded = await this.replayRevert(record, final);
          record.status = 'reverted';
          record.revert = {
            kind: decoded.kind,
            name: decoded.name,
            selector: decoded.selector,
            reason: decoded.reason,
            args: decoded.args.map(String),
          };
          await this.journal.put(key, record);
          this.emit({
            event: 'reverted',
            key,
            label: record.label,
            hash: final.hash,
            nonce: record.nonce,
            blockNumber: final.blockNumber,
            revert: decoded.name,
            gasUsed: wei(final.gasUsed),
            effectiveGasPrice: wei(final.gasPrice), // a reverted transaction pays its gas too
          });
          throw new ContractRevertError(decoded, {
            phase: 'mined',
            label: record.label,
            txHash: final.hash,
            blockNumber: final.blockNumber,
          });
        }
        const wasMined = record.status === 'mined';
        record.status = 'mined';
        await this.journal.put(key, record);
        const mined: MinedTransaction = {
          idempotencyKey: key,
          label: record.label,
          nonce: record.nonce,
          hash: final.hash,
          hashes: record.attempts.map((a) => a.hash),
          receipt: final,
          blockNumber: final.blockNumber,
          gasUsed: final.gasUsed,
          effectiveGasPrice: final.gasPrice,
          replacements: record.attempts.length - 1,
        };
        if (!wasMined) {
          this.emit({
            event: 'mined',
            key,
            label: record.label,
            hash: final.hash,
            nonce: record.nonce,
            blockNumber: final.blockNumber,
            gasUsed: wei(final.gasUsed),
            effectiveGasPrice: wei(final.gasPrice),
            bumps: mined.replacements,
          });
        }
        return mined;
      }

      // Not mined. Is the nonce used by something else?
      if ((await this.rpcNonce('latest')) > record.nonce) {
        if (await this.findReceipt(record)) continue; // mined between the two reads
        await this.markDropped(record, 'its nonce was used by another transaction from the same account');
      }

      // Does the node still know it? Nodes evict transactions (pool limits, restarts, and some,
      // like anvil, drop a transaction whose max fee fell below the base fee).
      let bumpNow = false;
      if (!(await this.isKnown(record))) {
        unknownSince ??= Date.now();
        if (!rebroadcast) {
          rebroadcast = true;
          const last = record.attempts[record.attempts.length - 1];
          const { outcome, message } = await this.broadcast(last.raw);
          const reason = `${outcome}: ${message}`;
          this.emit({ event: 'rebroadcast', key, label: record.label, hash: last.hash, nonce: record.nonce, reason });
          if (outcome === 'accepted' || outcome === 'known') unknownSince = undefined;
          // Refused as it is (e.g. its max fee is below the base fee now): re-send it with new fees.
          else if (outcome !== 'nonce-too-low') bumpNow = true;
        } else if (Date.now() - unknownSince >= this.unknownDroppedAfterMs) {
          await this.markDropped(
            record,
            `the node does not know any of its hashes (for ${Date.now() - unknownSince} ms, after a rebroadcast)`,
          );
        }
      } else {
        unknownSince = undefined;
        rebroadcast = false;
        bumpNow = Date.now() - lastSentAt >= this.opts.stuckAfterMs;
      }
      if (bumpNow && !capped && bumps < this.opts.maxFeeBumps) {
        const result = await this.replace(record, baseline, bumps + 1);
        bumps++;
        lastSentAt = Date.now();
        if (result.kind === 'capped') capped = true;
        if (result.kind === 'sent' || result.kind === 'underpriced') baseline = result.fees;
        if (result.kind === 'sent') {
          unknownSince = undefined;
          rebroadcast = false;
        }
      }

      if (deadline !== undefined && Date.now() >= deadline) {
        throw new TransactionPendingError(
          key,
          record.nonce,
          record.attempts.map((a) => a.hash),
        );
      }
      await sleep(this.pollIntervalMs);
      record = (await this.journal.get(key)) ?? record;
    }
  }

  /**
   * Sends a replacement (same nonce, calldata, gas limit) with bumped fees: 'sent' (the new
   * baseline), 'capped' when the ceiling leaves no valid bump, 'underpriced' (the next bump starts
   * from these fees, so it goes higher) or 'refused' when the node refused it (the loop decides
   * next round whether the nonce was mined or used).
   */
  protected async replace(record: TxRecord, baseline: Eip1559Fees, bumpNumber: number): Promise<ReplaceResult> {
    const key = record.idempotencyKey;
    const market = await this.marketFees();
    const bump = bumpFees(
      baseline,
      market.ok ? market.fees : undefined,
      this.opts.feeBumpPercent,
      this.policy.maxFeePerGasCeiling,
    );
    const last = record.attempts[record.attempts.length - 1];
    if (!bump.ok) {
      this.emit({
        event: 'replacement-capped',
        key,
        label: record.label,
        hash: last.hash,
        nonce: record.nonce,
        maxFeePerGas: last.maxFeePerGas,
        ceiling: wei(this.policy.maxFeePerGasCeiling),
        reason: 'the ceiling leaves no valid fee bump; waiting with the current fees',
      });
      return { kind: 'capped' };
    }
    const prev = ethers.Transaction.from(last.raw);
    const raw = await this.signer.signTransaction({
      type: 2,
      chainId: this.chainId,
      nonce: record.nonce,
      to: prev.to,
      data: prev.data,
      value: prev.value,
      gasLimit: prev.gasLimit,
      maxFeePerGas: bump.fees.maxFeePerGas,
      maxPriorityFeePerGas: bump.fees.maxPriorityFeePerGas,
    });
    const attempt: TxAttempt = {
      hash: ethers.keccak256(raw),
      maxFeePerGas: wei(bump.fees.maxFeePerGas),
      maxPriorityFeePerGas: wei(bump.fees.maxPriorityFeePerGas),
      sentAt: Date.now(),
      raw,
      ...this.attemptEpoch(),
    };
    record.attempts.push(attempt);
    record.updatedAt = Date.now();
    await this.journal.put(key, record);
    const { outcome, message } = await this.broadcast(raw);
    if (outcome === 'accepted' || outcome === 'known') {
      this.emit({
        event: 'replaced',
        key,
        label: record.label,
        hash: attempt.hash,
        replaces: last.hash,
        nonce: record.nonce,
        maxFeePerGas: attempt.maxFeePerGas,
        maxPriorityFeePerGas: attempt.maxPriorityFeePerGas,
        bumps: bumpNumber,
        reason: bump.capped ? 'capped at the ceiling' : undefined,
      });
      return { kind: 'sent', fees: bump.fees };
    }
    record.attempts.pop();
    record.updatedAt = Date.now();
    await this.journal.put(key, record);
    this.emit({
      event: 'replacement-rejected',
      key,
      label: record.label,
      hash: attempt.hash,
      nonce: record.nonce,
      maxFeePerGas: attempt.maxFeePerGas,
      reason: `${outcome}: ${message}`,
    });
    return outcome === 'underpriced' ? { kind: 'underpriced', fees: bump.fees } : { kind: 'refused' };
  }
}
