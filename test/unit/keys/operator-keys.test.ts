// Operator public keys come from the chain (NodeOperator / SSVNetwork events): the on-chain form is
// base64 of a PEM "RSA PUBLIC KEY" holding an SPKI RSA-2048 key. A good key parses; every
// malformed form gives MalformedOperatorKeyError naming the operator id and the defect.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { operatorPublicKeyValidator } from 'ssv-keys/dist/tsc/src/commands/actions/validators/operator';
import {
  encodeOperatorPublicKey,
  MalformedOperatorKeyError,
  parseOperatorPublicKey,
} from '../../../activities/keys/operator-keys';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

function expectMalformed(value: unknown, id: number, reason: RegExp) {
  assert.throws(
    () => parseOperatorPublicKey(value as string, id),
    (e: unknown) => {
      assert.ok(e instanceof MalformedOperatorKeyError, `expected MalformedOperatorKeyError, got ${String(e)}`);
      assert.equal(e.operatorId, id);
      assert.match(e.message, new RegExp(`^operator ${id}: `));
      assert.match(e.reason, reason);
      return true;
    },
  );
}

describe('operator public keys (on-chain form)', () => {
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('parses a good key and round-trips the encoding', () => {
    const encoded = encodeOperatorPublicKey(rsa2048.publicKey);
    const key = parseOperatorPublicKey(encoded, 7);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(key.equals(rsa2048.publicKey));
    assert.match(Buffer.from(encoded, 'base64').toString(), /^-----BEGIN RSA PUBLIC KEY-----\nMIIBIjANBgkq/);
    // the form ssv-keys accepts too, and surrounding whitespace is tolerated
    assert.equal(operatorPublicKeyValidator(encoded), true);
    assert.ok(parseOperatorPublicKey(`  ${encoded}\n`, 7).equals(rsa2048.publicKey));
  });

  it('parses a key written by Go (ssv-dkg EncodeRSAPublicKey: 64-column PEM, trailing newline)', () => {
    const der = rsa2048.publicKey.export({ format: 'der', type: 'spki' });
    assert.ok(parseOperatorPublicKey(b64(pem('RSA PUBLIC KEY', der)), 1).equals(rsa2048.publicKey));
  });

  it('rejects each malformed form naming the operator id', () => {
    const spki = rsa2048.publicKey.export({ format: 'der', type: 'spki' });
    const pkcs1 = rsa2048.publicKey.export({ format: 'der', type: 'pkcs1' });
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      format: 'der',
      type: 'spki',
    });

    expectMalformed('', 11, /empty/);
    expectMalformed(42, 12, /expected a string/);
    expectMalformed('not base64 at all!', 13, /not valid base64/);
    expectMalformed(pem('RSA PUBLIC KEY', spki), 14, /bare PEM/);
    expectMalformed(b64('hello world, no pem here'), 15, /single PEM block/);
    expectMalformed(b64(pem('PUBLIC KEY', spki)), 16, /label is "PUBLIC KEY"/);
    expectMalformed(b64(pem('RSA PUBLIC KEY', pkcs1)), 17, /PKCS#1 RSAPublicKey/);
    expectMalformed(b64(pem('RSA PUBLIC KEY', Buffer.from('garbage der bytes'))), 18, /not a DER SubjectPublicKeyInfo/);
    expectMalformed(b64(pem('RSA PUBLIC KEY', ec)), 19, /key type is ec/);
    expectMalformed(b64(pem('RSA PUBLIC KEY', rsa1024)), 20, /1024 bits, expected 2048/);
    expectMalformed(b64(pem('RSA PUBLIC KEY', spki).replace('END RSA PUBLIC KEY', 'END PUBLIC KEY')), 21, /END label/);
    expectMalformed(
      b64(pem('RSA PUBLIC KEY', spki).replace('MIIB', 'MI!B')),
      22,
      /(single PEM block|body is not valid base64)/,
    );
  });
});
