// The transaction manager's state and its plumbing (fields, option checks, fee and nonce reads,
// broadcast, events): the base of the receipt waiting (tx-wait.ts) and the sending (tx-manager.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { suggestFees, type Eip1559Fees, type FeePolicy, type FeeSuggestion } from './fees';
import { MemoryTxJournal, type TxJournal } from './tx-journal';
import { FeeCeilingExceededError } from './tx-errors';
import {
  Mutex,
  classifyBroadcastError,
  nodeMessage,
  wei,
  type BroadcastOutcome,
  type TransactionManagerOptions,
  type TxEvent,
} from './tx-types';
import type { FencedNonceStore } from './writer-lease';

export abstract class TxManagerBase {
  readonly address: string;
  protected readonly provider: ethers.JsonRpcProvider;
  protected readonly signer: ethers.BaseWallet;
  protected readonly chainId: bigint;
  protected readonly journal: TxJournal;
  protected readonly policy: FeePolicy;
  protected readonly gasMarginPercent: number;
  protected readonly pollIntervalMs: number;
  protected readonly feeCeilingWaitMs: number;
  protected readonly unknownDroppedAfterMs: number;
  protected readonly maxNonceResyncs: number;
  protected readonly nonceLock = new Mutex();
  protected nextNonce: number | undefined;
  protected readonly nonceStore: FencedNonceStore | undefined;
  /** The writer epoch nextNonce was read under (shared nonce stream only). */
  protected nonceEpoch: number | undefined;
  protected chainChecked: Promise<void> | undefined;

  constructor(protected readonly opts: TransactionManagerOptions) {
    if (opts.feeBumpPercent < 10)
      throw new Error(
        `feeBumpPercent must be at least 10 (nodes reject smaller replacement bumps), got ${opts.feeBumpPercent}`,
      );
    if (opts.maxFeePerGasCeiling <= 0n) throw new Error('maxFeePerGasCeiling must be positive');
    if (opts.maxPriorityFeePerGas < 0n || opts.maxPriorityFeePerGas > opts.maxFeePerGasCeiling) {
      throw new Error('maxPriorityFeePerGas must be between 0 and maxFeePerGasCeiling');
    }
    if (!Number.isInteger(opts.confirmations) || opts.confirmations < 1)
      throw new Error('confirmations must be an integer ≥ 1');
    if (!Number.isInteger(opts.maxFeeBumps) || opts.maxFeeBumps < 0)
      throw new Error('maxFeeBumps must be an integer ≥ 0');
    if (!(opts.stuckAfterMs > 0)) throw new Error('stuckAfterMs must be positive');
    this.provider = opts.provider;
    this.signer = opts.signer;
    this.address = ethers.getAddress(opts.signer.address);
    this.chainId = BigInt(opts.chainId);
    this.journal = opts.journal ?? new MemoryTxJournal();
    // A claim journals the record in the store, so the manager must read its records there too.
    if (opts.nonceStore && (opts.journal as unknown) !== opts.nonceStore)
      throw new Error('nonceStore must also be the journal (claims journal their record in it)');
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

  /** The writer epoch to stamp on a new attempt (shared store only; the store's write is fenced by it anyway). */
  protected attemptEpoch(): { epoch?: number } {
    const epoch = this.nonceStore?.epoch();
    return epoch === undefined ? {} : { epoch };
  }

  /** Forget the local nonce counter: the next send reads eth_getTransactionCount(pending). */
  resyncNonce(reason = 'requested'): void {
    this.nextNonce = undefined;
    this.emit({ event: 'nonce-resync', reason });
  }

  // -------------------------------------------------------------------------------------------

  protected emit(event: TxEvent): void {
    try {
      this.opts.log?.(event);
    } catch {
      // A failing logger must not break the transaction stream.
    }
  }

  protected checkChain(): Promise<void> {
    this.chainChecked ??= (async () => {
      const id = BigInt((await this.provider.send('eth_chainId', [])) as string);
      if (id !== this.chainId)
        throw new Error(`the RPC endpoint serves chain ${id}, the manager is configured for ${this.chainId}`);
    })();
    this.chainChecked.catch(() => {
      this.chainChecked = undefined;
    });
    return this.chainChecked;
  }

  protected async rpcNonce(tag: 'pending' | 'latest'): Promise<number> {
    // Raw RPC, past ethers' request cache (a cached count would hand out a used nonce).
    return Number(await this.provider.send('eth_getTransactionCount', [this.address, tag]));
  }

  /** The base fee of the next block (eth_feeHistory), or of the latest block as a fallback. */
  protected async nextBaseFee(): Promise<bigint> {
    try {
      const history = (await this.provider.send('eth_feeHistory', ['0x1', 'latest', []])) as {
        baseFeePerGas?: string[];
      };
      const fees = history.baseFeePerGas;
      if (fees && fees.length > 0) return BigInt(fees[fees.length - 1]);
    } catch {
      // fall through
    }
    const block = (await this.provider.send('eth_getBlockByNumber', ['latest', false])) as {
      baseFeePerGas?: string;
    } | null;
    if (!block?.baseFeePerGas) throw new Error('the chain reports no base fee (pre-London chains are not supported)');
    return BigInt(block.baseFeePerGas);
  }

  protected async marketFees(): Promise<FeeSuggestion> {
    return suggestFees(await this.nextBaseFee(), this.policy);
  }

  protected async feesForNewTransaction(label: string): Promise<Eip1559Fees> {
    const started = Date.now();
    for (;;) {
      const s = await this.marketFees();
      if (s.ok) return s.fees;
      this.emit({
        event: 'fee-ceiling',
        label,
        baseFeePerGas: wei(s.baseFee),
        ceiling: wei(this.policy.maxFeePerGasCeiling),
      });
      if (Date.now() - started >= this.feeCeilingWaitMs)
        throw new FeeCeilingExceededError(label, s.baseFee, this.policy.maxFeePerGasCeiling);
      await sleep(this.pollIntervalMs);
    }
  }

  /** Broadcasts a signed transaction; `message` is the node's own words (never the raw transaction). */
  protected async broadcast(raw: string): Promise<{ outcome: BroadcastOutcome; message: string }> {
    try {
      await this.provider.send('eth_sendRawTransaction', [raw]);
      return { outcome: 'accepted', message: '' };
    } catch (err) {
      return { outcome: classifyBroadcastError(err), message: nodeMessage(err) };
    }
  }
}
