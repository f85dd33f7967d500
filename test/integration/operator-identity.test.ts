// SSV DKG operator identities: key material in the format ssv-dkg reads and TLS that is really
// verified. The operators themselves need the ssv-dkg binary, which cannot be built on this
// machine yet (the Go module proxy refuses the module); their tests come with it.
import assert from 'node:assert/strict';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createDecipheriv,
  pbkdf2Sync,
  X509Certificate,
} from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOperatorIdentity,
  decodeOperatorPublicKey,
  type OperatorIdentity,
  type OperatorKeystoreFile,
} from '../../localnet/operator-identity';
import { healthCheck, operatorsInfo, startDkgOperator, startDkgOperators } from '../../localnet/services/ssv-dkg';

/** Decrypts an operator keystore with node:crypto only (independent of the library that wrote it). */
function decryptIndependently(keystorePath: string, password: string): string {
  const ks = JSON.parse(readFileSync(keystorePath, 'utf8')) as OperatorKeystoreFile;
  assert.equal(ks.kdf.function, 'pbkdf2');
  assert.equal(ks.cipher.function, 'aes-128-ctr');
  assert.equal(ks.checksum.function, 'sha256');
  const params = ks.kdf.params as { c: number; dklen: number; prf: string; salt: string };
  assert.equal(params.prf, 'hmac-sha256');
  const key = pbkdf2Sync(
    Buffer.from(password, 'utf8'),
    Buffer.from(params.salt, 'hex'),
    params.c,
    params.dklen,
    'sha256',
  );
  const ciphertext = Buffer.from(ks.cipher.message, 'hex');
  const checksum = createHash('sha256')
    .update(Buffer.concat([key.subarray(16, 32), ciphertext]))
    .digest('hex');
  assert.equal(checksum, ks.checksum.message, 'keystore checksum does not match the password');
  const iv = Buffer.from((ks.cipher.params as { iv: string }).iv, 'hex');
  const decipher = createDecipheriv('aes-128-ctr', key.subarray(0, 16), iv);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

/** GET over TLS with the given trust settings; resolves with the status or rejects with the TLS error. */
function getStatus(url: string, opts: { ca?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 5_000, ...opts }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('ssv-dkg operator identity (key material)', function () {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-ssv-dkg-identity-'));
  let identity: OperatorIdentity;
  before(async () => {
    identity = await createOperatorIdentity(join(dir, 'operator-7'), 7);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keystore decrypts with the password to a PKCS#1 PEM whose public key equals pubKey', () => {
    const password = readFileSync(identity.passwordPath, 'utf8');
    assert.match(password, /^[0-9a-f]{64}$/, 'password file is hex without a trailing newline');
    const pem = decryptIndependently(identity.keystorePath, password);
    assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const privateKey = createPrivateKey(pem);
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    const fromPrivate = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const ks = JSON.parse(readFileSync(identity.keystorePath, 'utf8')) as OperatorKeystoreFile;
    assert.equal(ks.pubKey, identity.publicKeyBase64);
    const pubPem = Buffer.from(ks.pubKey, 'base64').toString('utf8');
    assert.match(
      pubPem,
      /^-----BEGIN RSA PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA/,
      'SPKI body under an "RSA PUBLIC KEY" label',
    );
    assert.deepEqual(decodeOperatorPublicKey(ks.pubKey).export({ type: 'spki', format: 'der' }), fromPrivate);
  });

  it('a wrong password does not decrypt the keystore', () => {
    assert.throws(() => decryptIndependently(identity.keystorePath, 'not-the-password'), /checksum/);
  });

  it('TLS certificate is self-signed for IP 127.0.0.1 and DNS localhost, and its key matches', () => {
    const cert = new X509Certificate(identity.tlsCertPem);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(identity.tlsKeyPath))), 'tls.key belongs to tls.crt');
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 365 * 86_400_000);
  });

  it('a TLS server using the certificate is trusted by a client given it as CA and refused by others', async () => {
    const other = await createOperatorIdentity(join(dir, 'operator-8'), 8);
    const server = createServer({ key: readFileSync(identity.tlsKeyPath), cert: identity.tlsCertPem }, (req, res) => {
      res.writeHead(req.url === '/health_check' ? 200 : 404).end('pong');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const url = `https://127.0.0.1:${port}`;
      // healthCheck (the operators' readiness probe) passes only with the right certificate trusted.
      assert.equal((await healthCheck({ url, tlsCertPem: identity.tlsCertPem, operatorId: 7 })).toString(), 'pong');
      await assert.rejects(
        healthCheck({ url, tlsCertPem: other.tlsCertPem, operatorId: 7 }),
        /operator 7 at https:\/\/127\.0\.0\.1:\d+ is not healthy/,
      );
      assert.equal(
        await getStatus(`https://localhost:${port}/health_check`, { ca: identity.tlsCertPem }),
        200,
        'DNS SAN localhost',
      );
      await assert.rejects(
        getStatus(`${url}/health_check`, {}),
        (err: NodeJS.ErrnoException) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT',
        'a client with only the system CAs refuses it',
      );
      await assert.rejects(
        getStatus(`${url}/health_check`, { ca: other.tlsCertPem }),
        "another operator's certificate is no substitute",
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('operatorsInfo gives the ops.json array sorted by id, with the on-chain key form', () => {
    const info = operatorsInfo([
      { operatorId: 2, publicKeyBase64: 'b', url: 'https://127.0.0.1:2' },
      { operatorId: 1, publicKeyBase64: identity.publicKeyBase64, url: 'https://127.0.0.1:1' },
    ]);
    assert.deepEqual(info, [
      { id: 1, public_key: identity.publicKeyBase64, ip: 'https://127.0.0.1:1' },
      { id: 2, public_key: 'b', ip: 'https://127.0.0.1:2' },
    ]);
    assert.equal(decodeOperatorPublicKey(info[0].public_key).asymmetricKeyType, 'rsa');
  });

  it('a missing ssv-dkg binary gives the toolPath error before any key is generated', async () => {
    const saved = process.env.NEXUS_BOT_TOOLS_DIR;
    process.env.NEXUS_BOT_TOOLS_DIR = join(dir, 'no-tools-here');
    try {
      await assert.rejects(
        startDkgOperators(join(dir, 'never'), 4, { ethEndpointURL: 'http://127.0.0.1:8545' }),
        /tool "ssv-dkg" is not installed at .*no-tools-here/,
      );
      await assert.rejects(
        startDkgOperator(identity, { ethEndpointURL: 'http://127.0.0.1:8545' }),
        /tool "ssv-dkg" is not installed/,
      );
    } finally {
      if (saved === undefined) delete process.env.NEXUS_BOT_TOOLS_DIR;
      else process.env.NEXUS_BOT_TOOLS_DIR = saved;
    }
    assert.ok(!existsSync(join(dir, 'never')), 'no identity was created');
  });
});
