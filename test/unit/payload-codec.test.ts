// The payload codec: AES-256-GCM round trips, rotation by key id, plain payloads passing through,
// and clear errors for unknown keys and tampered ciphertext (never quoting key bytes).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import type { CodecKeyring } from '../../temporal-config/codec-keys';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  UnknownCodecKeyError,
} from '../../temporal-config/payload-codec';

const converter = new DefaultPayloadConverter();
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const keyring = (activeKeyId: string, keys: Record<string, Buffer>): CodecKeyring => ({
  activeKeyId,
  keys: new Map(Object.entries(keys)),
});
const meta = (payload: Payload, key: string) =>
  Buffer.from(payload.metadata?.[key] ?? new Uint8Array()).toString('utf8');

describe('payload codec (AES-256-GCM)', () => {
  const marker = `plaintext-marker-${randomBytes(4).toString('hex')}`;
  const plain = [
    converter.toPayload({ note: marker, n: 1 }),
    converter.toPayload(null),
    converter.toPayload(new Uint8Array([1, 2, 3])),
  ];

  it('round-trips payloads, encoding metadata included, with only ciphertext in between', async () => {
    const codec = new EncryptionCodec(keyring('k1', { k1 }));
    const encoded = await codec.encode(plain);
    assert.equal(encoded.length, plain.length);
    for (const payload of encoded) {
      assert.equal(meta(payload, 'encoding'), ENCRYPTED_ENCODING);
      assert.equal(meta(payload, KEY_ID_METADATA_KEY), 'k1');
      assert.deepEqual(Object.keys(payload.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA_KEY].sort());
      assert.ok(!Buffer.from(payload.data ?? []).includes(marker), 'the plaintext shows in the encoded payload');
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(converter.fromPayload(decoded[0]), { note: marker, n: 1 });
    assert.equal(converter.fromPayload(decoded[1]), null);
    assert.deepEqual(Buffer.from(converter.fromPayload<Uint8Array>(decoded[2])), Buffer.from([1, 2, 3]));
    assert.equal(meta(decoded[0], 'encoding'), 'json/plain');
  });

  it('uses a fresh IV for every payload (equal plaintexts, different ciphertexts)', async () => {
    const codec = new EncryptionCodec(keyring('k1', { k1 }));
    const [a, b] = await codec.encode([plain[0], plain[0]]);
    assert.notDeepEqual(Buffer.from(a.data ?? []), Buffer.from(b.data ?? []));
  });

  it('after rotation encodes with the new active key and still decodes payloads of the old one', async () => {
    const before = new EncryptionCodec(keyring('k1', { k1 }));
    const old = await before.encode([plain[0]]);
    const after = new EncryptionCodec(keyring('k2', { k1, k2 }));
    assert.deepEqual(converter.fromPayload((await after.decode(old))[0]), { note: marker, n: 1 });
    const fresh = await after.encode([plain[0]]);
    assert.equal(meta(fresh[0], KEY_ID_METADATA_KEY), 'k2');
    await assert.rejects(before.decode(fresh), UnknownCodecKeyError);
  });

  it('lets plain payloads (history from before the codec) pass through on decode', async () => {
    const codec = new EncryptionCodec(keyring('k1', { k1 }));
    assert.deepEqual(await codec.decode(plain), plain);
  });

  it('names an unknown key id, never key bytes', async () => {
    const encoded = await new EncryptionCodec(keyring('k9', { k9: k2 })).encode([plain[0]]);
    const codec = new EncryptionCodec(keyring('k1', { k1 }));
    await assert.rejects(codec.decode(encoded), (err: Error) => {
      assert.ok(err instanceof UnknownCodecKeyError);
      assert.match(err.message, /codec key "k9", which is not in the key file \(keys: k1\)/);
      assert.ok(!err.message.includes(k1.toString('base64')) && !err.message.includes(k2.toString('base64')));
      return true;
    });
  });

  it('refuses tampered, truncated or relabelled ciphertext', async () => {
    const codec = new EncryptionCodec(keyring('k1', { k1, k2 }));
    const [encoded] = await codec.encode([plain[0]]);
    const data = Buffer.from(encoded.data ?? []);

    const flipped = Buffer.from(data);
    flipped[20] ^= 0x01;
    await assert.rejects(
      codec.decode([{ ...encoded, data: flipped }]),
      (err: Error) =>
        err instanceof PayloadDecryptionError &&
        /does not authenticate under codec key "k1": tampered/.test(err.message),
    );
    await assert.rejects(codec.decode([{ ...encoded, data: data.subarray(0, 10) }]), /too short: 10 bytes/);
    // Same bytes, other key id: the key id is authenticated too.
    const relabelled = { metadata: { ...encoded.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('k2') }, data };
    await assert.rejects(codec.decode([relabelled]), PayloadDecryptionError);
    const unlabelled = { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data };
    await assert.rejects(codec.decode([unlabelled]), /has no encryption-key-id metadata/);
  });

  it('refuses a keyring whose active key is missing', () => {
    assert.throws(() => new EncryptionCodec(keyring('k2', { k1 })), /active codec key "k2" is not among the keys/);
  });
});
