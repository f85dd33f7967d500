// The salt: the password of every rollup's mnemonic keystore. The operator hands it to the worker
// at start; it lives only in this process's memory (DESIGN.md invariant 3): never serialised,
// logged, returned or put in an error. Printing or JSON-encoding the holder shows a placeholder.
import { inspect } from 'node:util';
import { SaltLockedError } from './errors';

const REDACTED = '[salt redacted]';

/** Printing or JSON-encoding anything that holds the salt shows a placeholder. */
abstract class Redacted {
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

export class SaltHolder extends Redacted {
  // A #private field: invisible to JSON.stringify, util.inspect, Object.keys and structuredClone.
  #bytes: Buffer;

  /** `salt` as the operator typed it; empty is refused (it would be no password at all). */
  constructor(salt: string) {
    super();
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
}

/** What needs the salt (the mnemonic vault) sees: a holder, or a slot that may be empty. */
export interface SaltSource {
  use<T>(fn: (password: string) => Promise<T> | T): Promise<T>;
}

/** A worker without the salt: its status everywhere an operator looks (log, `nexus-bot unlock --status`). */
export const LOCKED_STATUS = 'locked: waiting for the salt';
/** The message of every step that needs the salt while the worker has none. */
export const LOCKED_MESSAGE = `${LOCKED_STATUS} (give it to the worker with \`nexus-bot unlock\`)`;

/**
 * The worker's salt, which may be absent: a worker started without it (a service manager gives it
 * no terminal) is locked until `nexus-bot unlock` hands one over its socket, and `nexus-bot lock`
 * empties it again (worker/salt-lock.ts). use() while empty throws SaltLockedError (retryable).
 */
export class SaltSlot extends Redacted implements SaltSource {
  #holder: SaltHolder | undefined;

  constructor(holder?: SaltHolder) {
    super();
    this.#holder = holder;
  }

  get locked(): boolean {
    return this.#holder === undefined;
  }

  /** Takes `holder` as the salt (a previous one is wiped). */
  set(holder: SaltHolder): void {
    this.#holder?.wipe();
    this.#holder = holder;
  }

  /** Overwrites the salt's bytes and empties the slot. */
  wipe(): void {
    this.#holder?.wipe();
    this.#holder = undefined;
  }

  async use<T>(fn: (password: string) => Promise<T> | T): Promise<T> {
    if (!this.#holder) throw new SaltLockedError(LOCKED_MESSAGE);
    return this.#holder.use(fn);
  }
}
