// Each rollup's mnemonic, kept in AWS Secrets Manager as an EIP-2335 keystore whose password is
// the operator's salt: Secrets Manager (and anyone with read access to it) sees only ciphertext,
// and the salt never leaves worker memory. Errors carry the rollup and secret name, never the
// mnemonic or the salt. Secrets Manager being unreachable is left as the SDK's own error, which
// Temporal retries; only the failures listed in NON_RETRYABLE_KEY_ERRORS stop retries.
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  create as createKeystore,
  decrypt as decryptKeystore,
  verifyPassword,
  type IKeystore,
} from '@chainsafe/bls-keystore';
import { Mnemonic } from 'ethers';
import { z } from 'zod';
import { normalizeMnemonic } from './derivation';
import {
  InvalidMnemonicError,
  MnemonicAlreadyExistsError,
  MnemonicSecretCorruptError,
  MnemonicSecretMissingError,
  SaltLockedError,
  WrongSaltError,
} from './errors';
import type { SaltSource } from './salt';
// The secret's path holds the admin: canonicalAdmin checks it (no path characters) and lower-cases it.
import { canonicalAdmin } from './index-store';

const hex = (bytes?: number) =>
  z.string().regex(bytes === undefined ? /^([0-9a-fA-F]{2})+$/ : new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`));

/**
 * EIP-2335 keystore structure. bls-keystore's own schema fixes the ciphertext at 32 bytes (a BLS
 * secret key), while ours holds a mnemonic, so the structure is checked here instead.
 */
const mnemonicKeystoreSchema = z.object({
  version: z.literal(4),
  uuid: z.string(),
  path: z.string(),
  pubkey: z.string(),
  description: z.string().optional(),
  crypto: z.object({
    kdf: z.union([
      z.object({
        function: z.literal('pbkdf2'),
        params: z.object({
          dklen: z.number().int().positive(),
          c: z.number().int().positive(),
          prf: z.literal('hmac-sha256'),
          salt: hex(),
        }),
        message: z.literal(''),
      }),
      z.object({
        function: z.literal('scrypt'),
        params: z.object({
          dklen: z.number().int().positive(),
          n: z.number().int().positive(),
          r: z.number().int().positive(),
          p: z.number().int().positive(),
          salt: hex(),
        }),
        message: z.literal(''),
      }),
    ]),
    checksum: z.object({ function: z.literal('sha256'), params: z.object({}), message: hex(32) }),
    cipher: z.object({ function: z.literal('aes-128-ctr'), params: z.object({ iv: hex(16) }), message: hex() }),
  }),
});

/** Secrets Manager name of a rollup's mnemonic (rollups are keyed by their admin address). */
export function mnemonicSecretName(rollupAdmin: string): string {
  return `nexus-bot/rollups/${canonicalAdmin(rollupAdmin)}/mnemonic`;
}

export class MnemonicVault {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly salt: SaltSource,
  ) {}

  /**
   * Stores a new mnemonic for the rollup (a fresh 24-word one unless `opts.mnemonic` is given) and
   * returns the secret's ARN. Never overwrites: an existing secret gives MnemonicAlreadyExistsError
   * (a replaced mnemonic would orphan every validator derived from the old one).
   */
  async createMnemonic(rollupAdmin: string, opts: { mnemonic?: string } = {}): Promise<{ secretArn: string }> {
    const admin = canonicalAdmin(rollupAdmin);
    const name = mnemonicSecretName(admin);
    const mnemonic = opts.mnemonic === undefined ? generateMnemonic() : normalizeMnemonic(opts.mnemonic);
    if (!Mnemonic.isValidMnemonic(mnemonic)) {
      throw new InvalidMnemonicError(
        'invalid mnemonic: not a BIP-39 English mnemonic with a valid checksum (words not shown)',
      );
    }
    const secret = Buffer.from(mnemonic, 'utf8');
    let keystoreJson: string;
    try {
      const keystore = await this.salt.use((password) =>
        createKeystore(password, secret, new Uint8Array(0), '', `nexus-bot mnemonic of rollup ${admin}`),
      );
      keystoreJson = JSON.stringify(keystore);
    } finally {
      secret.fill(0);
    }
    try {
      const out = await this.client.send(
        new CreateSecretCommand({
          Name: name,
          Description: `nexus-bot: EIP-2335 keystore of the validator mnemonic of rollup ${admin} (password: the worker salt)`,
          SecretString: keystoreJson,
          Tags: [
            { Key: 'nexus-bot:rollup-admin', Value: admin },
            { Key: 'nexus-bot:purpose', Value: 'validator-mnemonic' },
          ],
        }),
      );
      if (!out.ARN) throw new Error(`Secrets Manager created ${name} but returned no ARN`);
      return { secretArn: out.ARN };
    } catch (err) {
      if (errorName(err) === 'ResourceExistsException') {
        throw new MnemonicAlreadyExistsError(
          `rollup ${admin} already has a mnemonic secret ${name}; it is never replaced`,
        );
      }
      throw err;
    }
  }

  /**
   * Whether the salt opens the rollup's keystore (EIP-2335's checksum of the derived key: the
   * mnemonic is not decrypted). How `nexus-bot unlock` is checked before the salt is kept.
   */
  async checkSalt(rollupAdmin: string): Promise<boolean> {
    const { ks } = await this.readKeystore(rollupAdmin);
    return this.salt.use((password) => verifyPassword(ks, password));
  }

  /** The rollup's mnemonic, decrypted with the salt. Keep it inside the calling activity. */
  async readMnemonic(rollupAdmin: string): Promise<string> {
    const { ks, admin, name, corrupt } = await this.readKeystore(rollupAdmin);
    let plain: Uint8Array;
    try {
      plain = await this.salt.use((password) => decryptKeystore(ks, password));
    } catch (err) {
      // A locked worker (no salt yet) waits: that is no sign of a broken keystore.
      if (err instanceof SaltLockedError) throw err;
      // Classify: a checksum failure is the wrong salt, anything else is a broken keystore.
      const saltMatches = await this.salt.use((password) => verifyPassword(ks, password)).catch(() => undefined);
      if (saltMatches === false)
        throw new WrongSaltError(`the salt does not open the mnemonic keystore of rollup ${admin} (${name})`);
      throw corrupt(`could not be decrypted (${errorName(err) ?? 'error'})`);
    }
    try {
      const mnemonic = Buffer.from(plain).toString('utf8');
      if (!Mnemonic.isValidMnemonic(mnemonic))
        throw corrupt('decrypts to something that is not a valid BIP-39 mnemonic');
      return mnemonic;
    } finally {
      plain.fill(0);
    }
  }

  /** The rollup's keystore from Secrets Manager, its structure checked. */
  private async readKeystore(rollupAdmin: string) {
    const admin = canonicalAdmin(rollupAdmin);
    const name = mnemonicSecretName(admin);
    let secretString: string | undefined;
    try {
      secretString = (await this.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') {
        throw new MnemonicSecretMissingError(`rollup ${admin} has no mnemonic secret ${name}`);
      }
      throw err; // unreachable, throttled, access denied...: the SDK's error, retried by Temporal
    }
    // Corrupt-secret messages describe the shape only: the content might be a plaintext mnemonic.
    const corrupt = (why: string) =>
      new MnemonicSecretCorruptError(`mnemonic secret ${name} of rollup ${admin} ${why}`);
    if (secretString === undefined) throw corrupt('has no SecretString');
    let keystore: unknown;
    try {
      keystore = JSON.parse(secretString);
    } catch {
      throw corrupt('is not JSON (expected an EIP-2335 keystore)');
    }
    const parsed = mnemonicKeystoreSchema.safeParse(keystore);
    if (!parsed.success) throw corrupt('is not an EIP-2335 keystore');
    return { ks: parsed.data as IKeystore, admin, name, corrupt };
  }
}

/** A fresh 24-word English BIP-39 mnemonic from 256 bits of CSPRNG entropy. */
export function generateMnemonic(): string {
  const entropy = randomBytes(32);
  try {
    return Mnemonic.fromEntropy(entropy).phrase;
  } finally {
    entropy.fill(0);
  }
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}
