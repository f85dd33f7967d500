// Revert decoding and classification for the bot's transactions.
//
// ethers v6 reports a revert in several shapes (CALL_EXCEPTION from estimateGas / call with the
// data on `error.data` and the node's JSON-RPC error on `info.error`; a raw JSON-RPC error object
// `{ code: 3, message, data }`; errors wrapped in `cause` by other layers). decodeRevert() finds the
// revert data in any of them and decodes it against every custom error a bot transaction can hit
// (ALL_ERRORS_INTERFACE), plus Solidity's built-in Error(string) and Panic(uint256).
//
// ContractRevertError carries the decoded name. Its `name` is the stable 'ContractRevert'; its `type`
// (`Revert:<ErrorName>`) is what a Temporal ApplicationFailure should use as its type, so retry
// policies can list non-retryable reverts by name (NON_RETRYABLE_REVERT_TYPES).
import { AbiCoder, dataSlice, hexlify, isBytesLike, type Interface } from 'ethers';
import { ALL_ERRORS_INTERFACE } from './abi';

export const ERROR_STRING_SELECTOR = '0x08c379a0';
export const PANIC_SELECTOR = '0x4e487b71';

export type RevertKind =
  /** A custom error known to the interface (e.g. StakingLimitExceeding()). */
  | 'custom'
  /** Solidity `require(cond, "message")` / `revert("message")`: Error(string). */
  | 'error-string'
  /** Solidity Panic(uint256): assert, overflow, division by zero, out-of-bounds... */
  | 'panic'
  /** Revert without data (`require(cond)` / `revert()`). */
  | 'empty'
  /** A selector the interface does not know (add the error to abi.ts). */
  | 'unknown'
  /** A mined transaction that used all its gas and whose replay gave no revert data. */
  | 'out-of-gas'
  /** A mined transaction with status 0 whose replay did not revert (state moved on). */
  | 'unreproducible';

export interface DecodedRevert {
  kind: RevertKind;
  /**
   * The error's name: the custom error's name, 'Error' for Error(string), 'Panic', 'EmptyRevert'
   * for a revert without data, 'UnknownCustomError' for an unknown selector, 'OutOfGas' and
   * 'UnknownRevert' for mined reverts that a replay could not explain.
   */
  name: string;
  /** First four bytes of the revert data ('0x' for an empty revert). */
  selector: string;
  /** Decoded arguments (empty for unknown and empty reverts). */
  args: unknown[];
  /** e.g. 'StakingLimitExceeding()', 'Error(string)'. */
  signature?: string;
  /** The Error(string) message, or the panic's meaning. */
  reason?: string;
  /** The raw revert data. */
  data: string;
}

const PANIC_REASONS: Record<number, string> = {
  0x00: 'generic compiler panic',
  0x01: 'assert failed',
  0x11: 'arithmetic overflow or underflow',
  0x12: 'division or modulo by zero',
  0x21: 'invalid enum value',
  0x22: 'invalid storage byte array encoding',
  0x31: 'pop() on an empty array',
  0x32: 'array index out of bounds',
  0x41: 'out of memory',
  0x51: 'call to an uninitialised function pointer',
};

const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
const MAX_DEPTH = 8;

function isHexData(value: unknown): value is string {
  return typeof value === 'string' && HEX_DATA.test(value);
}

/**
 * The revert data inside an error, searching only fields that carry revert data: `data` (string or
 * a nested `{ data }`), `error`, `info`, `cause`, and JSON bodies (`body`, `responseBody`). Never
 * `transaction` or `payload`, whose `data` is the calldata.
 */
export function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || err === undefined || depth > MAX_DEPTH) return undefined;
  if (typeof err === 'string') {
    if (!err.startsWith('{')) return undefined;
    try {
      return findRevertData(JSON.parse(err) as unknown, depth + 1);
    } catch {
      return undefined;
    }
  }
  if (typeof err !== 'object') return undefined;
  const o = err as Record<string, unknown>;
  if (isHexData(o.data)) return o.data;
  if (o.data && typeof o.data === 'object') {
    const nested = findRevertData(o.data, depth + 1);
    if (nested !== undefined) return nested;
  }
  for (const key of ['error', 'info', 'cause', 'body', 'responseBody'] as const) {
    const found = findRevertData(o[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** True when an error (or an error it wraps) says a call reverted, as opposed to a transport failure. */
function looksLikeRevert(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > MAX_DEPTH) return false;
  const o = err as Record<string, unknown>;
  if (o.code === 'CALL_EXCEPTION' || o.code === 3) return true;
  if (typeof o.message === 'string' && /revert/i.test(o.message)) return true;
  return ['error', 'info', 'cause'].some((k) => looksLikeRevert(o[k], depth + 1));
}

/** The selector from a node message such as "execution reverted: custom error 0x375152c1" (anvil). */
function selectorFromMessage(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > MAX_DEPTH) return undefined;
  const o = err as Record<string, unknown>;
  if (typeof o.message === 'string') {
    const m = /custom error (0x[0-9a-fA-F]{8})\b/.exec(o.message);
    if (m) return m[1].toLowerCase();
  }
  for (const key of ['error', 'info', 'cause']) {
    const s = selectorFromMessage(o[key], depth + 1);
    if (s) return s;
  }
  return undefined;
}

function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { toArray?: unknown }).toArray === 'function') {
    return (value as { toArray(deep?: boolean): unknown[] }).toArray(true);
  }
  return value;
}

/** Decodes raw revert data (`0x` + selector + ABI-encoded arguments). */
export function decodeRevertData(data: string, iface: Interface = ALL_ERRORS_INTERFACE): DecodedRevert {
  const hex = hexlify(data).toLowerCase();
  if (hex === '0x') return { kind: 'empty', name: 'EmptyRevert', selector: '0x', args: [], data: hex };
  const selector = hex.length >= 10 ? dataSlice(hex, 0, 4) : hex;
  if (selector === ERROR_STRING_SELECTOR) {
    try {
      const [reason] = AbiCoder.defaultAbiCoder().decode(['string'], dataSlice(hex, 4)) as unknown as [string];
      return {
        kind: 'error-string',
        name: 'Error',
        selector,
        args: [reason],
        signature: 'Error(string)',
        reason,
        data: hex,
      };
    } catch {
      return {
        kind: 'error-string',
        name: 'Error',
        selector,
        args: [],
        signature: 'Error(string)',
        reason: '(undecodable)',
        data: hex,
      };
    }
  }
  if (selector === PANIC_SELECTOR) {
    try {
      const [code] = AbiCoder.defaultAbiCoder().decode(['uint256'], dataSlice(hex, 4)) as unknown as [bigint];
      const reason = PANIC_REASONS[Number(code)] ?? `panic code 0x${code.toString(16)}`;
      return { kind: 'panic', name: 'Panic', selector, args: [code], signature: 'Panic(uint256)', reason, data: hex };
    } catch {
      return { kind: 'panic', name: 'Panic', selector, args: [], signature: 'Panic(uint256)', data: hex };
    }
  }
  const fragment = iface.getError(selector);
  if (fragment) {
    try {
      const args = plain(iface.decodeErrorResult(fragment, hex)) as unknown[];
      return { kind: 'custom', name: fragment.name, selector, args, signature: fragment.format('sighash'), data: hex };
    } catch {
      // Known selector, malformed arguments (or only the selector was available): keep the name.
      return {
        kind: 'custom',
        name: fragment.name,
        selector,
        args: [],
        signature: fragment.format('sighash'),
        data: hex,
      };
    }
  }
  return { kind: 'unknown', name: 'UnknownCustomError', selector, args: [], data: hex };
}

/**
 * Digs the revert data out of an ethers v6 error (or a JSON-RPC error object, or anything wrapping
 * one in `cause`) and decodes it. Undefined when the error is not a revert with data (a network
 * failure, a nonce error, a receipt with status 0 that carries no data: replay the call for those).
 */
export function decodeRevert(err: unknown, iface: Interface = ALL_ERRORS_INTERFACE): DecodedRevert | undefined {
  if (err instanceof ContractRevertError) return err.decoded;
  const data = findRevertData(err);
  if (data !== undefined) {
    if (data === '0x' && !looksLikeRevert(err)) return undefined;
    return decodeRevertData(data, iface);
  }
  const selector = selectorFromMessage(err);
  if (selector !== undefined && isBytesLike(selector)) return decodeRevertData(selector, iface);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Classification

// The table lives in contract/ (pure), so that the workflows' retry policies read the same one.
export {
  REVERT_CLASSIFICATION,
  NON_RETRYABLE_REVERT_TYPES,
  classifyRevert,
  isRetryableRevert,
  revertFailureType,
} from '../../protocol/revert-classification';
export type { RevertClassification, RevertRetry } from '../../protocol/revert-classification';
import { classifyRevert, revertFailureType, type RevertRetry } from '../../protocol/revert-classification';

function argToString(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(argToString).join(',')}]`;
  return String(value);
}

export type RevertPhase = 'estimate' | 'mined' | 'call';

export interface ContractRevertErrorContext {
  /** Where it was found: at gas estimation (nothing sent), in a mined transaction, or in a plain call. */
  phase: RevertPhase;
  /** The request's label (e.g. 'depositValidatorRollup'). */
  label?: string;
  /** The mined transaction that reverted (phase 'mined'). */
  txHash?: string;
  blockNumber?: number;
  cause?: unknown;
}

/**
 * A contract call reverted. `name` is always 'ContractRevert'; `revertName` the decoded error;
 * `type` the ApplicationFailure type (`Revert:<revertName>`); `retryable`/`retry` its classification.
 */
export class ContractRevertError extends Error {
  override readonly name = 'ContractRevert';
  readonly revertName: string;
  readonly type: string;
  readonly selector: string;
  /** Decoded arguments as strings (bigints in decimal, bytes in hex). */
  readonly args: readonly string[];
  readonly reason?: string;
  readonly retry: RevertRetry;
  readonly retryable: boolean;
  readonly phase: RevertPhase;
  readonly label?: string;
  readonly txHash?: string;
  readonly blockNumber?: number;
  readonly decoded: DecodedRevert;

  constructor(decoded: DecodedRevert, ctx: ContractRevertErrorContext) {
    const args = decoded.args.map(argToString);
    const what =
      decoded.kind === 'error-string' || decoded.kind === 'panic'
        ? `${decoded.name}(${decoded.reason ?? ''})`
        : `${decoded.name}(${args.join(', ')})`;
    const where =
      ctx.phase === 'estimate'
        ? 'at gas estimation, nothing sent'
        : ctx.phase === 'mined'
          ? `in mined transaction ${ctx.txHash ?? '?'}`
          : 'in call';
    const unknown = decoded.kind === 'unknown' ? ` [selector ${decoded.selector}]` : '';
    super(
      `${ctx.label ? `${ctx.label}: ` : ''}reverted with ${what}${unknown} ${where}`,
      ctx.cause === undefined ? undefined : { cause: ctx.cause },
    );
    const classification = classifyRevert(decoded.name);
    this.revertName = decoded.name;
    this.type = revertFailureType(decoded.name);
    this.selector = decoded.selector;
    this.args = args;
    this.reason = decoded.reason;
    this.retry = classification.retry;
    this.retryable = classification.retry !== 'never';
    this.phase = ctx.phase;
    this.label = ctx.label;
    this.txHash = ctx.txHash;
    this.blockNumber = ctx.blockNumber;
    this.decoded = decoded;
  }
}

/** A ContractRevertError when `err` is a decodable revert, else undefined (the caller rethrows `err`). */
export function asContractRevert(
  err: unknown,
  ctx: Omit<ContractRevertErrorContext, 'cause'>,
): ContractRevertError | undefined {
  if (err instanceof ContractRevertError) return err;
  const decoded = decodeRevert(err);
  // The ethers error is not attached as `cause`: its message repeats the whole calldata, which
  // would land in Temporal failures and logs.
  return decoded ? new ContractRevertError(decoded, ctx) : undefined;
}
