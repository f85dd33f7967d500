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
// One TransactionManager per bot key per deployment: all chain-write activities must run where this
// one instance lives (e.g. a dedicated task queue served by one worker). Two managers for the same
// key in two processes would each keep their own nonce counter.
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { ContractRevertError, asContractRevert, type DecodedRevert } from './revert';
import { bumpFees, raiseByPercent, suggestFees, type Eip1559Fees, type FeePolicy, type FeeSuggestion } from './fees';
import { MemoryTxJournal, type TxAttempt, type TxJournal, type TxRecord } from './tx-journal';
import {
  DryRunRefusalError, FeeCeilingExceededError, IdempotencyConflictError, InsufficientFundsError,
  TransactionDroppedError, TransactionPendingError, TransactionRejectedError, WriterFencedError,
} from './tx-errors';
import type { FencedNonceStore } from './writer-lease';
import {
  Mutex, classifyBroadcastError, nodeMessage, wei,
  type BroadcastOutcome, type MinedTransaction, type SendRequest, type SentTransaction, type TransactionManagerOptions, type TxEvent, type WaitOptions,
} from './tx-types';

// The pieces live in their own files; this module keeps exporting them for existing importers.
export * from './tx-journal';
export * from './tx-errors';
export * from './tx-types';
export { FileTxJournal, readTxJournalRecords } from './tx-journal-file';

type ReplaceResult = { kind: 'sent' | 'underpriced'; fees: Eip1559Fees } | { kind: 'capped' } | { kind: 'refused' };

export class TransactionManager {
  readonly address: string;
  private readonly provider: ethers.JsonRpcProvider;
  private readonly signer: ethers.BaseWallet;
  private readonly chainId: bigint;
  private readonly journal: TxJournal;
  private readonly policy: FeePolicy;
  private readonly gasMarginPercent: number;
  private readonly pollIntervalMs: number;
  private readonly feeCeilingWaitMs: number;
  private readonly unknownDroppedAfterMs: number;
  private readonly maxNonceResyncs: number;
  private readonly nonceLock = new Mutex();
  private nextNonce: number | undefined;
  private readonly nonceStore: FencedNonceStore | undefined;
  /** The writer epoch nextNonce was read under (shared nonce stream only). */
  private nonceEpoch: number | undefined;
  private chainChecked: Promise<void> | undefined;
  private readonly sending = new Map<string, Promise<SentTransaction>>();
  private readonly waiting = new Map<string, Promise<MinedTransaction>>();

  constructor(private readonly opts: TransactionManagerOptions) {
    if (opts.feeBumpPercent < 10) throw new Error(`feeBumpPercent must be at least 10 (nodes reject smaller replacement bumps), got ${opts.feeBumpPercent}`);
    if (opts.maxFeePerGasCeiling <= 0n) throw new Error('maxFeePerGasCeiling must be positive');
    if (opts.maxPriorityFeePerGas < 0n || opts.maxPriorityFeePerGas > opts.maxFeePerGasCeiling) {
      throw new Error('maxPriorityFeePerGas must be between 0 and maxFeePerGasCeiling');
    }
    if (!Number.isInteger(opts.confirmations) || opts.confirmations < 1) throw new Error('confirmations must be an integer ≥ 1');
    if (!Number.isInteger(opts.maxFeeBumps) || opts.maxFeeBumps < 0) throw new Error('maxFeeBumps must be an integer ≥ 0');
    if (!(opts.stuckAfterMs > 0)) throw new Error('stuckAfterMs must be positive');
    this.provider = opts.provider;
    this.signer = opts.signer;
    this.address = ethers.getAddress(opts.signer.address);
    this.chainId = BigInt(opts.chainId);
    this.journal = opts.journal ?? new MemoryTxJournal();
    this.nonceStore = opts.nonceStore;
    const multiplier = opts.baseFeeMultiplier ?? 2;
    if (!Number.isInteger(multiplier) || multiplier < 1) throw new Error('baseFeeMultiplier must be an integer ≥ 1');
    this.policy = {
      maxFeePerGasCeiling: opts.maxFeePerGasCeiling,
      maxPriorityFeePerGas: opts.maxPriorityFeePerGas,
      baseFeeMultiplier: BigInt(multiplier),
    };
    this.gasMarginPercent = opts.gasMarginPercent ?? 20;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.feeCeilingWaitMs = opts.feeCeilingWaitMs ?? 0;
    this.unknownDroppedAfterMs = opts.unknownDroppedAfterMs ?? Math.max(60_000, 2 * opts.stuckAfterMs);
    this.maxNonceResyncs = opts.maxNonceResyncs ?? 3;
  }

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

  /** The journal record of a key (for status commands and tests). */
  record(key: string): Promise<TxRecord | undefined> {
    return this.journal.get(key);
  }

  /** Forget the local nonce counter: the next send reads eth_getTransactionCount(pending). */
  resyncNonce(reason = 'requested'): void {
    this.nextNonce = undefined;
    this.emit({ event: 'nonce-resync', reason });
  }

  // -------------------------------------------------------------------------------------------

  private emit(event: TxEvent): void {
    try {
      this.opts.log?.(event);
    } catch {
      // A failing logger must not break the transaction stream.
    }
  }

  private checkChain(): Promise<void> {
    this.chainChecked ??= (async () => {
      const id = BigInt((await this.provider.send('eth_chainId', [])) as string);
      if (id !== this.chainId) throw new Error(`the RPC endpoint serves chain ${id}, the manager is configured for ${this.chainId}`);
    })();
    this.chainChecked.catch(() => { this.chainChecked = undefined; });
    return this.chainChecked;
  }

  private async rpcNonce(tag: 'pending' | 'latest'): Promise<number> {
    // Raw RPC, past ethers' request cache (a cached count would hand out a used nonce).
    return Number(await this.provider.send('eth_getTransactionCount', [this.address, tag]));
  }

  /** The base fee of the next block (eth_feeHistory), or of the latest block as a fallback. */
  private async nextBaseFee(): Promise<bigint> {
    try {
      const history = (await this.provider.send('eth_feeHistory', ['0x1', 'latest', []])) as { baseFeePerGas?: string[] };
      const fees = history.baseFeePerGas;
      if (fees && fees.length > 0) return BigInt(fees[fees.length - 1]);
    } catch {
      // fall through
    }
    const block = (await this.provider.send('eth_getBlockByNumber', ['latest', false])) as { baseFeePerGas?: string } | null;
    if (!block?.baseFeePerGas) throw new Error('the chain reports no base fee (pre-London chains are not supported)');
    return BigInt(block.baseFeePerGas);
  }

  private async marketFees(): Promise<FeeSuggestion> {
    return suggestFees(await this.nextBaseFee(), this.policy);
  }

  private async feesForNewTransaction(label: string): Promise<Eip1559Fees> {
    const started = Date.now();
    for (;;) {
      const s = await this.marketFees();
      if (s.ok) return s.fees;
      this.emit({ event: 'fee-ceiling', label, baseFeePerGas: wei(s.baseFee), ceiling: wei(this.policy.maxFeePerGasCeiling) });
      if (Date.now() - started >= this.feeCeilingWaitMs) throw new FeeCeilingExceededError(label, s.baseFee, this.policy.maxFeePerGasCeiling);
      await sleep(this.pollIntervalMs);
    }
  }

  /** Broadcasts a signed transaction; `message` is the node's own words (never the raw transaction). */
  private async broadcast(raw: string): Promise<{ outcome: BroadcastOutcome; message: string }> {
    try {
      await this.provider.send('eth_sendRawTransaction', [raw]);
      return { outcome: 'accepted', message: '' };
    } catch (err) {
      return { outcome: classifyBroadcastError(err), message: nodeMessage(err) };
    }
  }

  private checkConflict(record: TxRecord, request: SendRequest, dataHash: string): void {
    if (record.from !== this.address) throw new IdempotencyConflictError(record.idempotencyKey, `sent from ${record.from}`);
    if (record.to.toLowerCase() !== request.to.toLowerCase()) throw new IdempotencyConflictError(record.idempotencyKey, `to ${record.to}`);
    if (record.dataHash !== dataHash) throw new IdempotencyConflictError(record.idempotencyKey, 'other calldata');
    if (BigInt(record.value) !== (request.value ?? 0n)) throw new IdempotencyConflictError(record.idempotencyKey, `value ${record.value}`);
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
        this.emit({ event: 'reused', key, label, hash: sent.hash, hashes: sent.hashes, nonce: sent.nonce, status: existing.status });
        return sent;
      }
      if (existing.status === 'dropped' && !request.resendIfDropped) {
        throw new TransactionDroppedError(key, existing.nonce, existing.attempts.map((a) => a.hash), existing.error ?? 'dropped earlier');
      }
      // reverted (changed nothing) or dropped with resendIfDropped: a new transaction, history kept.
      previous = [
        ...(existing.previous ?? []),
        { nonce: existing.nonce, hashes: existing.attempts.map((a) => a.hash), status: existing.status, revertName: existing.revert?.name, error: existing.error },
      ];
    } else if (existing) {
      previous = existing.previous;
    }

    // Estimate before taking a nonce: a revert here sends nothing.
    let gasLimit = request.gasLimit;
    if (gasLimit === undefined) {
      try {
        const estimate = await this.provider.estimateGas({ from: this.address, to, data, value });
        gasLimit = raiseByPercent(estimate, this.gasMarginPercent);
      } catch (err) {
        const revert = asContractRevert(err, { phase: 'estimate', label });
        if (revert) {
          this.emit({ event: 'reverted', key, label, revert: revert.revertName, reason: 'at estimation; nothing sent' });
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
          attempts: [{ hash, maxFeePerGas: wei(fees.maxFeePerGas), maxPriorityFeePerGas: wei(fees.maxPriorityFeePerGas), sentAt: now, raw }],
          status: 'pending',
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          ...(previous ? { previous } : {}),
        };
        // Journal first: a crash after the broadcast must find this hash on retry. With a shared
        // stream, taking the nonce and journaling are one write, refused to a stale writer.
        await this.fenced(key, label, () => (this.nonceStore ? this.nonceStore.claim(nonce, record) : this.journal.put(key, record)));
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
        await this.fenced(key, label, () => (this.nonceStore ? this.nonceStore.unclaim(nonce, failed) : this.journal.put(key, failed)));
        if ((outcome === 'nonce-too-low' || outcome === 'underpriced') && resyncs < this.maxNonceResyncs) {
          // Our counter is behind the account (a transaction sent outside this manager, or a
          // pending one we do not know): re-read the pending nonce and try again.
          this.emit({ event: 'nonce-resync', key, label, nonce, reason: outcome });
          continue;
        }
        if (outcome === 'insufficient-funds') throw new InsufficientFundsError(label, nonce, 'insufficient funds for gas × price + value');
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
      this.emit({ event: 'rebroadcast', key: record.idempotencyKey, label: record.label, hash: last.hash, nonce, reason: `claimed before writer epoch ${epoch}: ${outcome} ${message}`.trim() });
      if (outcome !== 'accepted' && outcome !== 'known') break;
    }
    this.nonceEpoch = epoch;
    this.emit({ event: 'nonce-resync', nonce, reason: `writer epoch ${epoch}: stream next ${stored}, node pending ${pending}` });
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

  private async findReceipt(record: TxRecord): Promise<ethers.TransactionReceipt | undefined> {
    for (const attempt of [...record.attempts].reverse()) {
      const receipt = await this.provider.getTransactionReceipt(attempt.hash);
      if (receipt) return receipt;
    }
    return undefined;
  }

  private async isKnown(record: TxRecord): Promise<boolean> {
    for (const attempt of [...record.attempts].reverse()) {
      const tx = (await this.provider.send('eth_getTransactionByHash', [attempt.hash])) as unknown;
      if (tx) return true;
    }
    return false;
  }

  /** The receipt after `confirmations` blocks, or undefined if it was reorganised away meanwhile. */
  private async confirmed(receipt: ethers.TransactionReceipt, deadline: number | undefined, record: TxRecord): Promise<ethers.TransactionReceipt | undefined> {
    if (this.opts.confirmations <= 1) return receipt;
    for (;;) {
      const head = Number(await this.provider.send('eth_blockNumber', []));
      if (head - receipt.blockNumber + 1 >= this.opts.confirmations) {
        const again = await this.provider.getTransactionReceipt(receipt.hash);
        return again && again.blockHash === receipt.blockHash ? again : undefined;
      }
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new TransactionPendingError(record.idempotencyKey, record.nonce, record.attempts.map((a) => a.hash));
      }
      await sleep(this.pollIntervalMs);
    }
  }

  /** Replays a status-0 transaction with eth_call (before, then at its block) to get the revert data. */
  private async replayRevert(record: TxRecord, receipt: ethers.TransactionReceipt): Promise<DecodedRevert> {
    const attempt = record.attempts.find((a) => a.hash === receipt.hash) ?? record.attempts[0];
    const tx = ethers.Transaction.from(attempt.raw);
    for (const blockTag of [receipt.blockNumber - 1, receipt.blockNumber]) {
      try {
        await this.provider.call({ from: this.address, to: tx.to, data: tx.data, value: tx.value, gasLimit: tx.gasLimit, blockTag });
      } catch (err) {
        const revert = asContractRevert(err, { phase: 'mined' });
        if (revert) return revert.decoded;
      }
    }
    if (receipt.gasUsed >= tx.gasLimit) return { kind: 'out-of-gas', name: 'OutOfGas', selector: '0x', args: [], data: '0x' };
    return { kind: 'unreproducible', name: 'UnknownRevert', selector: '0x', args: [], data: '0x' };
  }

  private async markDropped(record: TxRecord, reason: string): Promise<never> {
    const hashes = record.attempts.map((a) => a.hash);
    record.status = 'dropped';
    record.error = reason;
    record.updatedAt = Date.now();
    await this.journal.put(record.idempotencyKey, record);
    this.emit({ event: 'dropped', key: record.idempotencyKey, label: record.label, hashes, nonce: record.nonce, reason });
    // The nonce may be free again (forgotten) or used by someone else: re-read it either way.
    this.nonceLock.run(() => Promise.resolve(this.resyncNonce(`dropped ${record.idempotencyKey}`))).catch(() => undefined);
    throw new TransactionDroppedError(record.idempotencyKey, record.nonce, hashes, reason);
  }

  private async waitLoop(key: string, wait: WaitOptions): Promise<MinedTransaction> {
    let record = await this.journal.get(key);
    if (!record) throw new Error(`waitForReceipt: no transaction recorded for ${key}`);
    if (record.status === 'failed') throw new Error(`waitForReceipt: ${key} was never sent (${record.error ?? 'refused'})`);
    if (record.status === 'dropped') {
      throw new TransactionDroppedError(key, record.nonce, record.attempts.map((a) => a.hash), record.error ?? 'dropped earlier');
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
          record.revert = { kind: decoded.kind, name: decoded.name, selector: decoded.selector, reason: decoded.reason, args: decoded.args.map(String) };
          await this.journal.put(key, record);
          this.emit({
            event: 'reverted', key, label: record.label, hash: final.hash, nonce: record.nonce, blockNumber: final.blockNumber, revert: decoded.name,
            gasUsed: wei(final.gasUsed), effectiveGasPrice: wei(final.gasPrice), // a reverted transaction pays its gas too
          });
          throw new ContractRevertError(decoded, { phase: 'mined', label: record.label, txHash: final.hash, blockNumber: final.blockNumber });
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
          await this.markDropped(record, `the node does not know any of its hashes (for ${Date.now() - unknownSince} ms, after a rebroadcast)`);
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
        throw new TransactionPendingError(key, record.nonce, record.attempts.map((a) => a.hash));
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
  private async replace(record: TxRecord, baseline: Eip1559Fees, bumpNumber: number): Promise<ReplaceResult> {
    const key = record.idempotencyKey;
    const market = await this.marketFees();
    const bump = bumpFees(baseline, market.ok ? market.fees : undefined, this.opts.feeBumpPercent, this.policy.maxFeePerGasCeiling);
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
