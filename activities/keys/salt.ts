// The salt: the password of every rollup's mnemonic keystore. The operator hands it to the worker
// at start; it lives only in this process's memory (DESIGN.md invariant 3): never serialised,
// logged, returned or put in an error. Printing or JSON-encoding the holder shows a placeholder.
import { inspect } from 'node:util';

const REDACTED = '[salt redacted]';

export class SaltHolder {
  // A #private field: invisible to JSON.stringify, util.inspect, Object.keys and structuredClone.
  #bytes: Buffer;

  /** `salt` as the operator typed it; empty is refused (it would be no password at all). */
  constructor(salt: string) {
    if (typeof salt !== 'string' || salt.length === 0) throw new Error('the salt must be a non-empty string');
    // Held as bytes (not a string) so that wipe() can clear it; EIP-2335 normalisation (NFKD,
    // control codes removed) happens in bls-keystore, exactly as any other EIP-2335 tool does it.
    this.#bytes = Buffer.from(salt, 'utf8');
  }

  /**
   * Runs `fn` with the salt as the EIP-2335 keystore password. It is handed over as a string
   * because @chainsafe/bls-keystore normalises only string passwords correctly (its byte path
   * strips 0x80-0x9F bytes, which breaks non-ASCII UTF-8). The string exists only for this call.
   */
  async use<T>(fn: (password: string) => Promise<T> | T): Promise<T> {
    if (this.#bytes.length === 0) throw new Error('the salt was wiped');
    return await fn(this.#bytes.toString('utf8'));
  }

  /** Clears the salt from memory (worker shutdown); any later use() throws. */
  wipe(): void {
    this.#bytes.fill(0);
    this.#bytes = Buffer.alloc(0);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
