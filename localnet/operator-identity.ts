// Key material of one local ssv-dkg operator: its RSA-2048 operator key in the encrypted keystore
// format ssv-dkg (and the SSV node) read, the password file, and a self-signed TLS certificate for
// 127.0.0.1 / localhost. Nothing secret is ever logged or returned except through the files.
import { create as createKeystore, decrypt as decryptKeystore, type IKeystore } from '@chainsafe/bls-keystore';
import { createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** File names inside an operator's folder; ssv-dkg is given them relative to that folder. */
export const OPERATOR_FILES = {
  keystore: 'encrypted_private_key.json',
  password: 'password',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
} as const;

export interface OperatorIdentity {
  readonly operatorId: number;
  /** Absolute folder that holds the files below (the operator's working directory). */
  readonly dir: string;
  /** On-chain operator public key: base64 of a PEM labelled "RSA PUBLIC KEY" holding an SPKI key. */
  readonly publicKeyBase64: string;
  /** Absolute paths. */
  readonly keystorePath: string;
  readonly passwordPath: string;
  readonly tlsCertPath: string;
  readonly tlsKeyPath: string;
  /** The operator's self-signed certificate (PEM); trusting it is how clients verify the operator. */
  readonly tlsCertPem: string;
}

/** The operator keystore file: EIP-2335 v4 crypto sections at the top level plus `pubKey`. */
export interface OperatorKeystoreFile {
  kdf: IKeystore['crypto']['kdf'];
  checksum: IKeystore['crypto']['checksum'];
  cipher: IKeystore['crypto']['cipher'];
  pubKey: string;
}

const generateRsa = promisify(generateKeyPair);

/**
 * Creates `dir` (if needed) and writes a fresh operator identity into it. The keystore is
 * pbkdf2 (c=262144) + aes-128-ctr + sha256 checksum, whose secret is the PKCS#1 PEM private key,
 * as `ssvnode generate-operator-keys` writes it; the password is random hex without a newline.
 */
export async function createOperatorIdentity(dir: string, operatorId: number): Promise<OperatorIdentity> {
  if (!Number.isSafeInteger(operatorId) || operatorId <= 0) {
    throw new Error(`operator id must be a positive integer, got ${operatorId}`);
  }
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true, mode: 0o700 });

  const [operatorKey, tlsKey] = await Promise.all([
    generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 }),
    generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 }),
  ]);
  const publicKeyBase64 = encodeOperatorPublicKey(operatorKey.publicKey);
  const privatePem = pkcs1Pem(operatorKey.privateKey);

  const password = randomBytes(32).toString('hex');
  const keystore = await createKeystore(password, Buffer.from(privatePem, 'utf8'), new Uint8Array(0), '');
  const file: OperatorKeystoreFile = {
    kdf: keystore.crypto.kdf,
    checksum: keystore.crypto.checksum,
    cipher: keystore.crypto.cipher,
    pubKey: publicKeyBase64,
  };

  const tlsCertPem = selfSignedCertificate(tlsKey.privateKey, tlsKey.publicKey, operatorId);
  const paths = {
    keystorePath: join(absDir, OPERATOR_FILES.keystore),
    passwordPath: join(absDir, OPERATOR_FILES.password),
    tlsCertPath: join(absDir, OPERATOR_FILES.tlsCert),
    tlsKeyPath: join(absDir, OPERATOR_FILES.tlsKey),
  };
  await writeSecret(paths.keystorePath, JSON.stringify(file, null, 2));
  await writeSecret(paths.passwordPath, password);
  await writeSecret(paths.tlsKeyPath, pkcs1Pem(tlsKey.privateKey));
  await writeFile(paths.tlsCertPath, tlsCertPem, { mode: 0o644 });

  return { operatorId, dir: absDir, publicKeyBase64, tlsCertPem, ...paths };
}

/**
 * The identity already written in `dir` (by createOperatorIdentity), or undefined when its files
 * are not all there, so that a restarted local network keeps the keys registered on its chain.
 */
export async function loadOperatorIdentity(dir: string, operatorId: number): Promise<OperatorIdentity | undefined> {
  const absDir = resolve(dir);
  const paths = {
    keystorePath: join(absDir, OPERATOR_FILES.keystore),
    passwordPath: join(absDir, OPERATOR_FILES.password),
    tlsCertPath: join(absDir, OPERATOR_FILES.tlsCert),
    tlsKeyPath: join(absDir, OPERATOR_FILES.tlsKey),
  };
  try {
    const [keystoreText, tlsCertPem] = await Promise.all([
      readFile(paths.keystorePath, 'utf8'),
      readFile(paths.tlsCertPath, 'utf8'),
    ]);
    await Promise.all([readFile(paths.passwordPath), readFile(paths.tlsKeyPath)]);
    const { pubKey } = JSON.parse(keystoreText) as OperatorKeystoreFile;
    if (typeof pubKey !== 'string') return undefined;
    return { operatorId, dir: absDir, publicKeyBase64: pubKey, tlsCertPem, ...paths };
  } catch {
    return undefined;
  }
}

/**
 * The on-chain operator key form (dkg-spec `EncodeRSAPublicKey`): base64 of the PEM, labelled
 * "RSA PUBLIC KEY", of the PKIX/SubjectPublicKeyInfo DER, with Go's 64-column lines.
 */
export function encodeOperatorPublicKey(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return Buffer.from(pemEncode('RSA PUBLIC KEY', spki), 'utf8').toString('base64');
}

/** Parses the on-chain form back to a public key; throws when it is not that form. */
export function decodeOperatorPublicKey(publicKeyBase64: string): KeyObject {
  const pem = Buffer.from(publicKeyBase64, 'base64').toString('utf8');
  const match = /^-----BEGIN RSA PUBLIC KEY-----\n([A-Za-z0-9+/=\n]+)-----END RSA PUBLIC KEY-----\n?$/.exec(pem);
  if (!match) throw new Error('operator public key is not base64 of an "RSA PUBLIC KEY" PEM');
  const der = Buffer.from(match[1].replace(/\n/g, ''), 'base64');
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** Reads an operator keystore file and returns the decrypted PKCS#1 PEM (for tests and tooling). */
export async function decryptOperatorKeystore(keystorePath: string, password: string): Promise<string> {
  const file = JSON.parse(await readFile(keystorePath, 'utf8')) as OperatorKeystoreFile;
  const keystore: IKeystore = {
    version: 4,
    uuid: '',
    path: '',
    pubkey: '',
    crypto: { kdf: file.kdf, checksum: file.checksum, cipher: file.cipher },
  };
  return Buffer.from(await decryptKeystore(keystore, password)).toString('utf8');
}

/** "-----BEGIN RSA PRIVATE KEY-----" PEM of an RSA private key. */
function pkcs1Pem(privateKey: KeyObject): string {
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

function pemEncode(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

async function writeSecret(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600); // mode is ignored when the file already existed
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, usable as its own trust anchor (CA:true)
 * by Go's and Node's TLS clients. Valid from an hour ago for ten years.
 */
function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, operatorId: number): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive 128-bit serial: clear the top bit so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + 10 * 365 * 86_400_000);
  const name = [
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'nexus-bot localnet' },
    { name: 'organizationalUnitName', value: `ssv-dkg operator ${operatorId}` },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' }, // dNSName
        { type: 7, ip: '127.0.0.1' }, // iPAddress
      ],
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  const signingKey = forge.pki.privateKeyFromPem(pkcs1Pem(privateKey));
  cert.sign(signingKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}
