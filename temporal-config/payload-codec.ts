// The payload codec: AES-256-GCM over whole payloads, so that Temporal's server (and its stored
// history) only ever holds ciphertext (DESIGN.md invariant 3, defense in depth). Used by the
// worker, the clients and the codec server that the Web UI and `temporal` call to decode.
//
// An encoded payload has metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`, and
// data = iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of the original payload serialized as a
// temporal.api.common.v1.Payload (metadata included, so the original encoding comes back).
// The key id is also the GCM additional data: a payload relabelled with another key id fails.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeyring } from './codec-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload names a key this process does not hold (e.g. a key removed too early after rotation). */
export class UnknownCodecKeyError extends Error {
  override name = 'UnknownCodecKeyError';
}

/** Ciphertext that does not authenticate under its key: tampered, truncated or relabelled. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export class EncryptionCodec implements PayloadCodec {
  private readonly activeKey: Buffer;

  constructor(private readonly keyring: CodecKeyring) {
    const active = keyring.keys.get(keyring.activeKeyId);
    if (!active) throw new UnknownCodecKeyError(`the active codec key "${keyring.activeKeyId}" is not among the keys`);
    this.activeKey = active;
  }

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  // async: a failure is a rejected promise, as PayloadCodec callers expect, not a synchronous throw.
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [KEY_ID_METADATA_KEY]: Buffer.from(keyId, 'utf8'),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    // Payloads written before the codec was turned on are plain: they pass through.
    if (metadataString(payload, METADATA_ENCODING_KEY) !== ENCRYPTED_ENCODING) return payload;
    const keyId = metadataString(payload, KEY_ID_METADATA_KEY);
    if (keyId === undefined)
      throw new PayloadDecryptionError(`a ${ENCRYPTED_ENCODING} payload has no ${KEY_ID_METADATA_KEY} metadata`);
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new UnknownCodecKeyError(
        `a payload is encrypted with codec key "${keyId}", which is not in the key file (keys: ${[...this.keyring.keys.keys()].join(', ')}); keep old keys until no history needs them`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(
        `a ${ENCRYPTED_ENCODING} payload (key "${keyId}") is too short: ${data.length} bytes`,
      );
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `a ${ENCRYPTED_ENCODING} payload does not authenticate under codec key "${keyId}": tampered with, truncated, or encrypted with another key of that id`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

function metadataString(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
