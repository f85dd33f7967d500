// The share encryption of the mnemonic path (activities/keys/keyshares-rsa.ts, Node's crypto):
// every ciphertext decrypts with the operator's RSA private key (node-forge, PKCS#1 v1.5, what SSV
// nodes use) to the exact plaintext ssv-keys would encrypt, and ssv-keys' own JSEncrypt output for
// the same share decrypts to the same bytes with the same key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Encryption } from 'ssv-keys';
import { encryptShareSecret, operatorEncryptionKey } from '../../../activities/keys/keyshares-rsa';
import { MalformedOperatorKeyError } from '../../../activities/keys/operator-keys';
import { decryptShare, generateOperators, type TestOperator } from '../../fixtures/keyshares/material';

const shareHex = () => `0x${randomBytes(32).toString('hex')}`;

describe('keyshares: share encryption with Node crypto (RSA-2048, PKCS#1 v1.5)', function () {
  this.timeout(60_000);
  let ops: TestOperator[];
  before(() => {
    ops = generateOperators([1, 2, 3, 4]);
  });

  it('each 256-byte ciphertext decrypts with its operator private key to the "0x"+64-hex share', () => {
    for (const op of ops) {
      const secret = shareHex();
      const ct = encryptShareSecret(operatorEncryptionKey(op.publicKeyBase64, op.id), secret);
      assert.equal(ct.length, 256);
      assert.equal(decryptShare(op.privateKeyPem, ct), secret, `operator ${op.id}`);
      // random padding: another encryption differs but decrypts to the same share
      const again = encryptShareSecret(operatorEncryptionKey(op.publicKeyBase64, op.id), secret);
      assert.notDeepEqual(again, ct);
      assert.equal(decryptShare(op.privateKeyPem, again), secret);
      // and not with another operator's key
      const other = ops.find((o) => o.id !== op.id)!;
      let underOther: string | undefined;
      try {
        underOther = decryptShare(other.privateKeyPem, ct);
      } catch {
        underOther = undefined; // forge: "Encryption block is invalid."
      }
      assert.notEqual(
        underOther,
        secret,
        `operator ${op.id}'s share must not decrypt under operator ${other.id}'s key`,
      );
    }
  });

  it("decrypts to the same bytes as ssv-keys' own JSEncrypt ciphertext of the same share", () => {
    const op = ops[0];
    const secret = shareHex();
    const pem = Buffer.from(op.publicKeyBase64, 'base64').toString();
    const [theirs] = new Encryption([pem], [{ privateKey: secret, publicKey: '0x' }]).encrypt();
    const ours = encryptShareSecret(operatorEncryptionKey(op.publicKeyBase64, op.id), secret);
    assert.equal(
      decryptShare(op.privateKeyPem, Buffer.from(theirs.privateKey, 'base64')),
      decryptShare(op.privateKeyPem, ours),
    );
  });

  it('parses an operator key once (cached by its text); a malformed key fails every time, naming the operator', () => {
    const op = ops[1];
    assert.equal(
      operatorEncryptionKey(op.publicKeyBase64, op.id),
      operatorEncryptionKey(` ${op.publicKeyBase64}\n`, op.id),
    );
    const bad = Buffer.from('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n').toString('base64');
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => operatorEncryptionKey(bad, 77),
        (e: unknown) => e instanceof MalformedOperatorKeyError && e.operatorId === 77,
      );
    }
  });

  it('refuses a share secret that is not "0x" + 64 hex, without quoting it', () => {
    const key = operatorEncryptionKey(ops[2].publicKeyBase64, ops[2].id);
    const secret = randomBytes(32).toString('hex'); // no 0x
    assert.throws(
      () => encryptShareSecret(key, secret),
      (e: unknown) => e instanceof RangeError && !e.message.includes(secret),
    );
    assert.throws(() => encryptShareSecret(key, `${shareHex()}00`), RangeError);
  });
});
