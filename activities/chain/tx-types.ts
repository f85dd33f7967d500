// The transaction manager's public types (options, requests, results, log events) and the
// broadcast helpers it shares with nobody else.
import type { ethers } from 'ethers';
import type { TxJournal, TxStatus } from './tx-journal';
import type { FencedNonceStore } from './writer-lease';

export interface TxEvent {
  event:
    | 'sent'
    | 'reused'
    | 'replaced'
    | 'replacement-capped'
    | 'replacement-rejected'
    | 'rebroadcast'
    | 'mined'
    | 'reverted'
    | 'dropped'
    | 'nonce-resync'
    | 'fee-ceiling'
    | 'fenced';
  key?: string;
  label?: string;
  hash?: string;
  /** For 'replaced': the hash it replaces; for 'dropped': every hash. */
  replaces?: string;
  hashes?: string[];
  nonce?: number;
  /** wei, decimal strings (JSON-safe). */
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  baseFeePerGas?: string;
  ceiling?: string;
  gasLimit?: string;
  gasUsed?: string;
  effectiveGasPrice?: string;
  blockNumber?: number;
  /** Replacement count (for 'replaced', 'mined'). */
  bumps?: number;
  status?: TxStatus;
  revert?: string;
  reason?: string;
}

export interface TransactionManagerOptions {
  provider: ethers.JsonRpcProvider;
  /** The bot key (ethers.Wallet or HDNodeWallet). */
  signer: ethers.BaseWallet;
  chainId: bigint | number;
  /** Never offer more than this per gas (wei). */
  maxFeePerGasCeiling: bigint;
  /** The tip offered (wei). */
  maxPriorityFeePerGas: bigint;
  /** Blocks including the transaction's own (1 = mined). */
  confirmations: number;
  /** Replace a transaction not mined this long after its last (re)send. */
  stuckAfterMs: number;
  /** Raise both fee fields by this much per replacement (≥ 10, the nodes' replacement rule). */
  feeBumpPercent: number;
  /** At most this many replacements per nonce. */
  maxFeeBumps: number;
  journal?: TxJournal;
  /**
   * The shared nonce stream (several workers; usually the same object as `journal`). Each nonce is
   * then claimed in the store, fenced by the writer lease's epoch, and a new epoch continues the
   * stream where the last holder stopped. Absent: one in-process counter (one worker).
   */
  nonceStore?: FencedNonceStore;
  log?: (event: TxEvent) => void;
  /** Added to the gas estimate (percent); default 20. */
  gasMarginPercent?: number;
  /** maxFeePerGas = baseFee × this + tip, capped by the ceiling; default 2. */
  baseFeeMultiplier?: number;
  /** Receipt / fee polling interval; default 1000 ms. */
  pollIntervalMs?: number;
  /** How long send() waits for the base fee to come under the ceiling before failing; default 0. */
  feeCeilingWaitMs?: number;
  /** A transaction the node does not know (after a rebroadcast) is dropped after this; default max(60 s, 2 × stuckAfterMs). */
  unknownDroppedAfterMs?: number;
  /** Nonce re-syncs per send before giving up; default 3. */
  maxNonceResyncs?: number;
  /** Dry run: every send is refused (DryRunRefusal) before it is signed or journaled. */
  dryRun?: boolean;
}

export interface SendRequest {
  to: string;
  data: string;
  value?: bigint;
  /** Skips estimation (the transaction is sent even if it would revert). */
  gasLimit?: bigint;
  /** Added to the estimate (after the margin): gas the estimate cannot see, e.g. the deposit contract's (deposit-gas.ts). */
  extraGas?: bigint;
  /** Short name for logs and errors, e.g. 'depositValidatorRollup'. */
  label: string;
  /** Deterministic per intended effect, e.g. `deposit:<rollup>:<pubkey>`. */
  idempotencyKey: string;
  /** Send again when the earlier transaction of this key was dropped (after checking chain state). */
  resendIfDropped?: boolean;
}

export interface SentTransaction {
  idempotencyKey: string;
  label: string;
  from: string;
  to: string;
  nonce: number;
  /** The latest attempt's hash. */
  hash: string;
  /** Every attempt's hash, oldest first. */
  hashes: string[];
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  status: TxStatus;
  /** True when the journal already had this key: nothing new was sent. */
  reused: boolean;
}

export interface MinedTransaction {
  idempotencyKey: string;
  label: string;
  nonce: number;
  /** The hash that was mined (the original or a replacement). */
  hash: string;
  hashes: string[];
  receipt: ethers.TransactionReceipt;
  blockNumber: number;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  /** How many replacements were sent for this nonce. */
  replacements: number;
}

export interface WaitOptions {
  /** Give up with TransactionPendingError (retryable) after this long; default: wait forever. */
  timeoutMs?: number;
}

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export type BroadcastOutcome =
  'accepted' | 'known' | 'nonce-too-low' | 'underpriced' | 'insufficient-funds' | 'rejected';

/** The node's own message of a JSON-RPC error wrapped by ethers (no payload, no raw transaction). */
export function nodeMessage(err: unknown): string {
  const e = err as {
    info?: { error?: { message?: unknown } };
    error?: { message?: unknown };
    shortMessage?: unknown;
    message?: unknown;
  };
  const m = e?.info?.error?.message ?? e?.error?.message ?? e?.shortMessage ?? e?.message ?? String(err);
  return String(m).slice(0, 200);
}

export function classifyBroadcastError(err: unknown): Exclude<BroadcastOutcome, 'accepted'> {
  const code = (err as { code?: unknown })?.code;
  const msg = nodeMessage(err).toLowerCase();
  if (/already known|already imported|known transaction|already exists/.test(msg)) return 'known';
  if (code === 'NONCE_EXPIRED' || /nonce too low|nonce has already been used|invalid nonce|nonce is too low/.test(msg))
    return 'nonce-too-low';
  if (code === 'REPLACEMENT_UNDERPRICED' || /underpriced|fee too low/.test(msg)) return 'underpriced';
  if (code === 'INSUFFICIENT_FUNDS' || /insufficient funds/.test(msg)) return 'insufficient-funds';
  return 'rejected';
}

export const wei = (v: bigint) => v.toString();
