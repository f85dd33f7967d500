// Keyshares built by buildKeyshares (the bot's split, Node RSA, blst signature: what ssv-keys would
// build) are checked here independently of the code that built them: every
// share is decrypted with its operator's RSA private key (node-forge), the secrets are recombined by
// Lagrange interpolation over the BLS12-381 scalar field at x = operator id, and the signature is
// recomputed with @chainsafe/bls over "<EIP-55 owner>:<nonce>". Then the bot's own verifier and
// ssv-keys' own validation must accept it, and the verifier must reject each kind of tamper, also
// inside a batch (buildKeysharesBatch / verifyKeysharesPayloads, signatures verified together).
import assert from 'node:assert/strict';
import { SecretKey } from '@chainsafe/blst';
import { getAddress, keccak256, toUtf8Bytes } from 'ethers';
import { KeyShares, KeySharesItem } from 'ssv-keys';
import { buildKeyshares, buildKeysharesBatch, KeysharesBuildError } from '../../../activities/keys/keyshares';
import {
  KeysharesInvalidError,
  verifyKeysharesPayload,
  verifyKeysharesPayloads,
  type KeysharesInvalidReason,
  type KeysharesPayload,
} from '../../../activities/keys/keyshares-verify';
import { MalformedOperatorKeyError } from '../../../activities/keys/operator-keys';
import {
  generateOperators,
  randomBlsSecretKey,
  splitSharesData,
  type TestOperator,
} from '../../fixtures/keyshares/material';
import { checkIndependently, ssvKeysItemJson } from '../../fixtures/keyshares/checks';

const OWNER = getAddress('0x5a0b54d5dc17e0aadc383d2db43b0a0d3e029c4c');
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
const pubkeyOf = (sk: Uint8Array) => hex(SecretKey.fromBytes(sk).toPublicKey().toBytes());

function expectInvalid(fn: () => void, reason: KeysharesInvalidReason, message?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KeysharesInvalidError, `expected KeysharesInvalidError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('keyshares (builder + independent verifier)', function () {
  this.timeout(60_000);
  let ops13: TestOperator[];
  before(() => {
    ops13 = generateOperators([3, 8, 11, 17, 21, 25, 30, 41, 42, 50, 51, 60, 77]);
  });

  for (const n of [4, 7, 13]) {
    it(`builds keyshares for ${n} operators that decrypt, recombine to the secret and carry the right signature`, async () => {
      const operators = ops13.slice(0, n);
      const sk = randomBlsSecretKey();
      const nonce = 17 + n;
      // give the operators out of order: the builder sorts and keeps keys with their ids
      const shuffled = [...operators].reverse();
      const started = performance.now();
      const payload = await buildKeyshares({
        secretKey: sk,
        operators: shuffled,
        owner: OWNER.toLowerCase(),
        ownerNonce: nonce,
      });
      const ms = performance.now() - started;
      assert.ok(ms < 5_000, `one build took ${ms.toFixed(1)} ms`);
      await checkIndependently(payload, sk, operators, OWNER, nonce);
      verifyKeysharesPayload(payload, {
        validatorPubkey: pubkeyOf(sk),
        owner: OWNER,
        ownerNonce: nonce,
        operatorIds: operators.map((o) => o.id),
      });
      // the expected owner may be given in any case: the verifier checksums it
      verifyKeysharesPayload(payload, {
        validatorPubkey: pubkeyOf(sk).slice(2),
        owner: OWNER.toLowerCase(),
        ownerNonce: nonce,
        operatorIds: operators.map((o) => o.id),
      });

      // ssv-keys' own validation (KeySharesItem.fromJson: class-validator checks + signature)
      const item = await KeySharesItem.fromJson(ssvKeysItemJson(payload, operators, OWNER, nonce));
      assert.equal(item.error, undefined, String(item.error));
      const file = await KeyShares.fromJson({
        version: 'v1.1.0',
        createdAt: new Date().toISOString(),
        shares: [ssvKeysItemJson(payload, operators, OWNER, nonce)],
      });
      assert.equal(file.list().length, 1);
      assert.equal(file.list()[0].error, undefined, String(file.list()[0].error));
      // and ssv-keys rejects the same payload under another nonce
      const wrong = await KeySharesItem.fromJson(ssvKeysItemJson(payload, operators, OWNER, nonce + 1));
      assert.ok(wrong.error, 'ssv-keys must reject a wrong nonce');
    });
  }

  it("gives the bytes ssv-keys' buildPayload gives for the same shares (layout + deterministic signature), without running ssv-keys' own check", async () => {
    const operators = ops13.slice(0, 4);
    const sk = randomBlsSecretKey();
    const nonce = 9;
    // ssv-keys' signature check (buildPayload / fromJson) must not run inside buildKeyshares: the
    // independent verifier checks each payload once.
    const original = KeySharesItem.prototype.validateSingleShares;
    let ssvKeysChecks = 0;
    KeySharesItem.prototype.validateSingleShares = function (...args) {
      ssvKeysChecks += 1;
      return original.apply(this, args);
    };
    let payload: KeysharesPayload;
    try {
      payload = await buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: nonce });
    } finally {
      KeySharesItem.prototype.validateSingleShares = original;
    }
    assert.equal(ssvKeysChecks, 0, "ssv-keys' validateSingleShares ran during buildKeyshares");

    // ssv-keys' buildPayload over the same share pubkeys and ciphertexts, same key, owner and nonce
    const parts = splitSharesData(payload.sharesData, 4);
    const ssvOperators = operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 }));
    const theirs = (await new KeySharesItem().buildPayload(
      {
        publicKey: payload.publicKey,
        operators: ssvOperators,
        encryptedShares: operators.map((o, i) => ({
          operatorPublicKey: Buffer.from(o.publicKeyBase64, 'base64').toString(),
          privateKey: Buffer.from(parts.encryptedShares[i]).toString('base64'),
          publicKey: hex(parts.sharePubkeys[i]),
        })),
      },
      { ownerAddress: OWNER, ownerNonce: nonce, privateKey: hex(sk) },
    )) as KeysharesPayload;
    assert.deepEqual(
      { publicKey: theirs.publicKey, operatorIds: theirs.operatorIds, sharesData: theirs.sharesData },
      payload,
    );
  });

  describe('verifyKeysharesPayload rejects tampering', () => {
    let sk: Uint8Array;
    let payload: KeysharesPayload;
    let ids: number[];
    const nonce = 5;
    const expectation = () => ({ validatorPubkey: pubkeyOf(sk), owner: OWNER, ownerNonce: nonce, operatorIds: ids });
    const withBytes = (mutate: (b: Buffer) => Buffer | void): KeysharesPayload => {
      const b = Buffer.from(payload.sharesData.slice(2), 'hex');
      const out = mutate(b) ?? b;
      return { ...payload, sharesData: hex(out) };
    };

    before(async () => {
      sk = randomBlsSecretKey();
      const operators = ops13.slice(0, 4);
      ids = operators.map((o) => o.id);
      payload = await buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: nonce });
      verifyKeysharesPayload(payload, expectation());
    });

    it('one byte of the signature', () => {
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              b[40] ^= 0x01;
            }),
            expectation(),
          ),
        'signature',
      );
    });
    it('a valid signature by the validator over another message', () => {
      const other = SecretKey.fromBytes(sk).sign(new Uint8Array(32).fill(9)).toBytes();
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              Buffer.from(other).copy(b, 0);
            }),
            expectation(),
          ),
        'signature',
        /does not verify/,
      );
    });
    it('a share public key replaced by another valid key', () => {
      const foreign = SecretKey.fromBytes(randomBlsSecretKey()).toPublicKey().toBytes();
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              Buffer.from(foreign).copy(b, 96 + 48 * 2);
            }),
            expectation(),
          ),
        'recombination',
      );
    });
    it('a share public key with a flipped byte', () => {
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              b[96 + 48 + 20] ^= 0xff;
            }),
            expectation(),
          ),
        'share-public-key',
        new RegExp(`operator ${ids[1]}`),
      );
    });
    it('the last share (outside the first threshold subset) replaced', () => {
      const foreign = SecretKey.fromBytes(randomBlsSecretKey()).toPublicKey().toBytes();
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              Buffer.from(foreign).copy(b, 96 + 48 * 3);
            }),
            expectation(),
          ),
        'recombination',
      );
    });
    it('swapped operator order in operatorIds', () => {
      const swapped = [ids[1], ids[0], ids[2], ids[3]];
      expectInvalid(
        () => verifyKeysharesPayload({ ...payload, operatorIds: swapped }, expectation()),
        'operator-ids',
        /strictly ascending/,
      );
    });
    it('swapped shares inside sharesData (ids left sorted)', () => {
      const swapped = withBytes((b) => {
        const a = Buffer.from(b.subarray(96, 144));
        b.copy(b, 96, 144, 192);
        a.copy(b, 144);
        const ea = Buffer.from(b.subarray(96 + 192, 96 + 192 + 256));
        b.copy(b, 96 + 192, 96 + 192 + 256, 96 + 192 + 512);
        ea.copy(b, 96 + 192 + 256);
      });
      expectInvalid(() => verifyKeysharesPayload(swapped, expectation()), 'recombination');
    });
    it('other operator ids than the cluster', () => {
      expectInvalid(
        () => verifyKeysharesPayload(payload, { ...expectation(), operatorIds: [ids[0], ids[1], ids[2], ids[3] + 1] }),
        'operator-ids',
        /differ from the expected/,
      );
    });
    it('a wrong operator count', () => {
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            { ...payload, operatorIds: ids.slice(0, 3) },
            { ...expectation(), operatorIds: ids.slice(0, 3) },
          ),
        'operator-count',
      );
    });
    it('a wrong nonce', () => {
      expectInvalid(
        () => verifyKeysharesPayload(payload, { ...expectation(), ownerNonce: nonce + 1 }),
        'signature',
        new RegExp(`:${nonce + 1}"`),
      );
    });
    it('a signature over the lower-case owner', () => {
      const lowerMsg = Buffer.from(keccak256(toUtf8Bytes(`${OWNER.toLowerCase()}:${nonce}`)).slice(2), 'hex');
      const sig = SecretKey.fromBytes(sk).sign(lowerMsg).toBytes();
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => {
              Buffer.from(sig).copy(b, 0);
            }),
            expectation(),
          ),
        'signature',
        /lower-case owner/,
      );
    });
    it('another owner', () => {
      expectInvalid(
        () =>
          verifyKeysharesPayload(payload, { ...expectation(), owner: '0x000000000000000000000000000000000000dEaD' }),
        'signature',
      );
    });
    it('wrong length (one byte more, one byte less)', () => {
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => Buffer.concat([b, Buffer.from([0])])),
            expectation(),
          ),
        'length',
        /1313 bytes, expected 96 \+ 304·4 = 1312/,
      );
      expectInvalid(
        () =>
          verifyKeysharesPayload(
            withBytes((b) => b.subarray(0, b.length - 1)),
            expectation(),
          ),
        'length',
      );
    });
    it('another validator pubkey, and non-hex data', () => {
      expectInvalid(
        () => verifyKeysharesPayload(payload, { ...expectation(), validatorPubkey: pubkeyOf(randomBlsSecretKey()) }),
        'public-key',
      );
      expectInvalid(() => verifyKeysharesPayload({ ...payload, sharesData: '0xzz' }, expectation()), 'format');
    });
  });

  describe('buildKeyshares input checks', () => {
    it('rejects a malformed operator key naming the operator', async () => {
      const operators = ops13.slice(0, 4).map((o) => ({ ...o }));
      operators[2].publicKeyBase64 = Buffer.from(
        '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      ).toString('base64');
      await assert.rejects(
        buildKeyshares({ secretKey: randomBlsSecretKey(), operators, owner: OWNER, ownerNonce: 0 }),
        (e: unknown) => {
          assert.ok(e instanceof MalformedOperatorKeyError);
          assert.equal(e.operatorId, operators[2].id);
          return true;
        },
      );
    });
    it('rejects a bad owner checksum, a bad count, duplicate ids and a bad secret key', async () => {
      const operators = ops13.slice(0, 4);
      const sk = randomBlsSecretKey();
      const letter = OWNER.slice(2).search(/[a-fA-F]/) + 2;
      const flipped =
        OWNER[letter] === OWNER[letter].toUpperCase() ? OWNER[letter].toLowerCase() : OWNER[letter].toUpperCase();
      const badChecksum = OWNER.slice(0, letter) + flipped + OWNER.slice(letter + 1);
      await assert.rejects(
        buildKeyshares({ secretKey: sk, operators, owner: badChecksum, ownerNonce: 0 }),
        (e: unknown) => e instanceof KeysharesBuildError && /bad EIP-55 checksum/.test(e.message),
      );
      await assert.rejects(
        buildKeyshares({ secretKey: sk, operators: ops13.slice(0, 5), owner: OWNER, ownerNonce: 0 }),
        /5 operators/,
      );
      await assert.rejects(
        buildKeyshares({
          secretKey: sk,
          operators: [operators[0], operators[1], operators[2], { ...operators[3], id: operators[0].id }],
          owner: OWNER,
          ownerNonce: 0,
        }),
        /appears twice/,
      );
      await assert.rejects(
        buildKeyshares({ secretKey: new Uint8Array(32), operators, owner: OWNER, ownerNonce: 0 }),
        /not a valid BLS12-381 secret key/,
      );
      await assert.rejects(buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: -1 }), /ownerNonce/);
    });
  });

  it("uses a validator pubkey the caller gives, and refuses one that is not the secret key's", async () => {
    const operators = ops13.slice(0, 4);
    const sk = randomBlsSecretKey();
    const pubkey = SecretKey.fromBytes(sk).toPublicKey().toBytes();
    const payload = await buildKeyshares({
      secretKey: sk,
      operators,
      owner: OWNER,
      ownerNonce: 3,
      validatorPubkey: pubkey,
    });
    assert.equal(payload.publicKey, hex(pubkey));
    await checkIndependently(payload, sk, operators, OWNER, 3);
    const other = SecretKey.fromBytes(randomBlsSecretKey()).toPublicKey().toBytes();
    await assert.rejects(
      buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: 3, validatorPubkey: other }),
      (e: unknown) => e instanceof KeysharesInvalidError && e.reason === 'signature',
    );
    await assert.rejects(
      buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: 3, validatorPubkey: pubkey.subarray(1) }),
      (e: unknown) => e instanceof KeysharesBuildError && /48-byte/.test(e.message),
    );
  });

  describe('batches (buildKeysharesBatch, verifyKeysharesPayloads)', () => {
    const BATCH = 5;
    let operators: TestOperator[];
    let sks: Uint8Array[];
    let payloads: KeysharesPayload[];
    const expectationOf = (i: number, nonce = 100 + i) => ({
      validatorPubkey: pubkeyOf(sks[i]),
      owner: OWNER,
      ownerNonce: nonce,
      operatorIds: operators.map((o) => o.id),
    });
    const items = () => payloads.map((payload, i) => ({ payload, expected: expectationOf(i) }));

    before(async () => {
      operators = ops13.slice(0, 4);
      sks = Array.from({ length: BATCH }, randomBlsSecretKey);
      payloads = await buildKeysharesBatch(
        sks.map((sk, i) => ({ secretKey: sk, operators, owner: OWNER, ownerNonce: 100 + i })),
      );
    });

    it('builds one payload per key, in order, each for its own nonce, accepted by ssv-keys and by the independent checks', async () => {
      assert.equal(payloads.length, BATCH);
      for (const [i, payload] of payloads.entries()) {
        await checkIndependently(payload, sks[i], operators, OWNER, 100 + i);
        const item = await KeySharesItem.fromJson(ssvKeysItemJson(payload, operators, OWNER, 100 + i));
        assert.equal(item.error, undefined, `payload ${i}: ${String(item.error)}`);
      }
      verifyKeysharesPayloads(items());
    });

    it('names the payload whose signature is bad, wherever it is in the batch', () => {
      for (let bad = 0; bad < BATCH; bad++) {
        const list = items();
        // a valid signature of the right key, for the next nonce: only the batch check can see it
        list[bad] = { ...list[bad], expected: expectationOf(bad, 100 + bad + 1) };
        assert.throws(
          () => verifyKeysharesPayloads(list),
          (e: unknown) => {
            assert.ok(e instanceof KeysharesInvalidError, String(e));
            assert.equal(e.reason, 'signature', e.message);
            assert.equal(e.payloadIndex, bad);
            assert.match(e.message, new RegExp(`payload ${bad} of the batch.*:${100 + bad + 1}"`));
            return true;
          },
        );
      }
    });

    it('names the payload whose shares do not recombine', () => {
      const list = items();
      const foreign = SecretKey.fromBytes(randomBlsSecretKey()).toPublicKey().toBytes();
      const b = Buffer.from(list[3].payload.sharesData.slice(2), 'hex');
      Buffer.from(foreign).copy(b, 96 + 48 * 3);
      list[3] = { ...list[3], payload: { ...list[3].payload, sharesData: hex(b) } };
      assert.throws(
        () => verifyKeysharesPayloads(list),
        (e: unknown) => e instanceof KeysharesInvalidError && e.reason === 'recombination' && e.payloadIndex === 3,
      );
    });

    it('a bad input fails the whole batch, naming its position', async () => {
      const inputs = sks.map((sk, i) => ({ secretKey: sk, operators, owner: OWNER, ownerNonce: i }));
      inputs[2] = { ...inputs[2], ownerNonce: -1 };
      await assert.rejects(
        buildKeysharesBatch(inputs),
        (e: unknown) => e instanceof KeysharesBuildError && /^key 2 of the batch: ownerNonce/.test(e.message),
      );
      assert.deepEqual(await buildKeysharesBatch([]), []);
    });
  });
});
