// Identifiers normalised once, at the edge (issue 16 item 5): a rollup admin, a validator pubkey and
// basis points each have one branded type and one constructor that checks and normalises. Code
// that holds the brand does not check or re-case it again. Brands exist at compile time only: the
// values are plain strings and numbers in payloads, so JSON on the wire is what it was. Pure (no
// Node built-ins, no ethers): workflows bundle this file and check signals with it.

/** A rollup admin's address in lower case, the form of the workflow ids, payloads, metrics and key index. */
export type RollupAdmin = string & { readonly __brand: 'RollupAdmin' };
/** A validator's BLS public key: 0x + 96 lower-case hex digits (48 bytes). */
export type Pubkey = string & { readonly __brand: 'Pubkey' };
/** An integer 0..10000 (a staking limit: 10000 is 100 %). */
export type BasisPoints = number & { readonly __brand: 'BasisPoints' };

export const MAX_BASIS_POINTS = 10_000;

/** An identifier that is not one: the message names what it should be and the bad value. */
export class IdentifierError extends Error {
  override name = 'IdentifierError';
  /** The message without the value, for payloads that may hold anything (signals). */
  readonly problem: string;
  constructor(what: string, expected: string, value: unknown) {
    super(`${what} must be ${expected}, got ${shown(value)}`);
    this.problem = `${what} must be ${expected}`;
  }
}

// Identifiers are public (addresses, pubkeys, limits); a long or odd value is cut short in the message.
const shown = (value: unknown): string => {
  const text =
    typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const PUBKEY = /^0x[0-9a-fA-F]{96}$/;

/**
 * A rollup admin from anywhere (argument, signal, chain), in lower case. Mixed case is accepted as
 * it is written: its EIP-55 checksum is verified where people type it (the CLI, with ethers, which
 * the workflow bundle does not carry).
 */
export function asRollupAdmin(value: unknown, what = 'rollup admin'): RollupAdmin {
  if (typeof value !== 'string') throw new IdentifierError(what, 'an address string', value);
  if (!ADDRESS.test(value)) throw new IdentifierError(what, 'an address (0x and 40 hex digits)', value);
  return value.toLowerCase() as RollupAdmin;
}

/** A validator pubkey from anywhere, in lower case. */
export function asPubkey(value: unknown, what = 'pubkey'): Pubkey {
  if (typeof value !== 'string') throw new IdentifierError(what, 'a hex string', value);
  if (!PUBKEY.test(value)) throw new IdentifierError(what, '0x and 96 hex digits (48 bytes)', value);
  return value.toLowerCase() as Pubkey;
}

/** Basis points from a number or a bigint (a uint16 read from the chain), 0..10000. */
export function asBasisPoints(value: unknown, what = 'basis points'): BasisPoints {
  const n = typeof value === 'bigint' ? Number(value) : value; // a huge bigint stays out of range
  if (typeof n !== 'number') throw new IdentifierError(what, 'a number', value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_BASIS_POINTS)
    throw new IdentifierError(what, `an integer 0..${MAX_BASIS_POINTS}`, value);
  return n as BasisPoints;
}

/**
 * What is wrong with a value as an identifier, without the value, or undefined: for the checks of
 * signals, which report instead of throwing and never echo a payload (it may hold anything).
 */
export function identifierProblem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof IdentifierError) return err.problem;
    throw err;
  }
}
