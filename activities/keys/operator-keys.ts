// SSV operator public keys as they appear on chain (NodeOperator.registerSSVOperator `pubKey`,
// SSVNetwork OperatorAdded, ssv-dkg operators.json `public_key`, keyshares.json `operatorKey`):
// base64 of a PEM labelled "RSA PUBLIC KEY" whose DER body is a SubjectPublicKeyInfo (Go's
// x509.MarshalPKIXPublicKey under a PKCS#1 label), RSA-2048. This is operator data read from the
// chain, so anything else is rejected with an error that names the operator and the defect.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TypedError } from '../typed-failure';

export const OPERATOR_KEY_LABEL = 'RSA PUBLIC KEY';
export const OPERATOR_KEY_BITS = 2048;

export class MalformedOperatorKeyError extends TypedError {
  override readonly name = 'MalformedOperatorKeyError';
  constructor(
    readonly operatorId: number,
    readonly reason: string,
  ) {
    super(`operator ${operatorId}: malformed operator public key: ${reason}`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END ([A-Z0-9 ]+)-----\s*$/;

/**
 * Parses an on-chain operator public key (base64 of a PEM "RSA PUBLIC KEY" holding an SPKI
 * RSA-2048 key) into a Node KeyObject. Throws MalformedOperatorKeyError naming the operator id and
 * what is wrong.
 */
export function parseOperatorPublicKey(base64Pem: string, operatorId: number): KeyObject {
  const fail = (reason: string): never => {
    throw new MalformedOperatorKeyError(operatorId, reason);
  };
  if (typeof base64Pem !== 'string') fail(`expected a string, got ${typeof base64Pem}`);
  const outer = base64Pem.trim();
  if (outer.length === 0) fail('empty');
  if (outer.startsWith('-----BEGIN')) fail('a bare PEM was given; the on-chain form is base64 of the PEM');
  if (!BASE64.test(outer)) fail('not valid base64 (outer encoding)');
  const pem = Buffer.from(outer, 'base64').toString('latin1').trim();
  const m = PEM.exec(pem);
  if (!m) fail('the base64 does not decode to a single PEM block');
  const [, beginLabel, body, endLabel] = m!;
  if (beginLabel !== OPERATOR_KEY_LABEL) fail(`PEM label is "${beginLabel}", expected "${OPERATOR_KEY_LABEL}"`);
  if (endLabel !== beginLabel) fail(`PEM END label "${endLabel}" does not match BEGIN label "${beginLabel}"`);
  const bodyB64 = body.replace(/\r?\n/g, '');
  if (!BASE64.test(bodyB64)) fail('PEM body is not valid base64');
  const der = Buffer.from(bodyB64, 'base64');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    // A PKCS#1 RSAPublicKey body is what the label suggests, but SSV tooling (Go's
    // x509.ParsePKIXPublicKey in ssv-dkg and the node) only accepts SPKI.
    let pkcs1 = false;
    try {
      createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
      pkcs1 = true;
    } catch {
      /* neither */
    }
    return fail(
      pkcs1
        ? 'PEM body is a PKCS#1 RSAPublicKey; SSV expects a SubjectPublicKeyInfo (SPKI) body'
        : 'PEM body is not a DER SubjectPublicKeyInfo',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') fail(`key type is ${key.asymmetricKeyType ?? 'unknown'}, expected rsa`);
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== OPERATOR_KEY_BITS) fail(`RSA modulus is ${bits ?? 'unknown'} bits, expected ${OPERATOR_KEY_BITS}`);
  return key;
}

/** Encodes an RSA public key in the on-chain operator form (inverse of parseOperatorPublicKey). */
export function encodeOperatorPublicKey(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  const pem = `-----BEGIN ${OPERATOR_KEY_LABEL}-----\n${lines.join('\n')}\n-----END ${OPERATOR_KEY_LABEL}-----\n`;
  return Buffer.from(pem, 'latin1').toString('base64');
}
