// The wire codec and the proof signature scheme against the real ssv-dkg v3.1.0 fixtures: every
// proof signature of the real ceremonies verifies as RSA-PSS(SHA-256) over the SSZ hash tree root
// of dkg-spec's Proof with the fixture operators' keys; a signed pong round-trips and its layout is
// the fastssz one (fixed part with 4-byte offsets, then the variable fields).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSignedPong,
  decodePong,
  decodeSignedTransport,
  encodePong,
  encodeTransport,
  PONG_MESSAGE_TYPE,
  proofHashTreeRoot,
  readSignedPong,
  verifyRsa,
} from '../../../activities/dkg/wire';
import { decodeOperatorPublicKey, encodeOperatorPublicKey } from '../../../localnet/operator-identity';

const FIXTURES = '/work/shared/fixtures/ssv-dkg-v3.1.0';
const ops = JSON.parse(readFileSync(join(FIXTURES, 'operators/operators_info.json'), 'utf8')) as {
  id: number;
  public_key: string;
}[];
const keyOf = (id: number) => decodeOperatorPublicKey(ops.find((o) => o.id === id)!.public_key);

interface ProofJson {
  proof: { validator: string; encrypted_share: string; share_pub: string; owner: string };
  signature: string;
}
const h = (s: string) => Buffer.from(s, 'hex');
const rootOf = (p: ProofJson) =>
  proofHashTreeRoot({
    validatorPubKey: h(p.proof.validator),
    encryptedShare: h(p.proof.encrypted_share),
    sharePubKey: h(p.proof.share_pub),
    owner: h(p.proof.owner),
  });

describe('dkg wire codec and proof signatures', () => {
  for (const file of [
    'ceremonies/one-validator-nonce0/ceremony-2026-12-03--18-11-26.440/000000-0xa9449eaa3cca5b13f90b33b071fb0b769ca07c4fc273e39bf150ee8640f582d25ee58eb08e1fb2c3a585df88a9f91575/proofs.json',
    'ceremonies/three-validators-nonce5/ceremony-2026-12-03--18-11-53.361/proofs.json',
    'ceremonies/hundred-validators-nonce100-aggregated/proofs.json',
  ]) {
    it(`every real proof signature verifies: ${file.split('/')[1]}`, async () => {
      const raw = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as ProofJson[] | ProofJson[][];
      const ceremonies = Array.isArray(raw[0]) ? (raw as ProofJson[][]) : [raw as ProofJson[]];
      let checked = 0;
      for (const proofs of ceremonies) {
        for (const [i, p] of proofs.entries()) {
          assert.ok(
            verifyRsa(keyOf(i + 1), await rootOf(p), h(p.signature)),
            `operator ${i + 1} proof of ${p.proof.validator}`,
          );
          checked++;
        }
      }
      assert.equal(checked, ceremonies.length * 4);
    });
  }

  it('a real proof does not verify with another operator key, nor when a field changes', async () => {
    const file = join(FIXTURES, 'ceremonies/three-validators-nonce5/ceremony-2026-12-03--18-11-53.361/proofs.json');
    const p = (JSON.parse(readFileSync(file, 'utf8')) as ProofJson[][])[0][0];
    assert.equal(verifyRsa(keyOf(2), await rootOf(p), h(p.signature)), false);
    const changed = { ...p, proof: { ...p.proof, owner: p.proof.owner.replace(/^d/, 'e') } };
    assert.equal(verifyRsa(keyOf(1), await rootOf(changed), h(p.signature)), false);
  });

  it('a signed pong round-trips with the fastssz layout and verifies only with its key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKeyBase64 = encodeOperatorPublicKey(publicKey);
    const bytes = await buildSignedPong({
      privateKey,
      operatorId: 7,
      publicKeyBase64,
      version: 'v3.1.0-653210c',
      ethClientConnected: false,
    });
    const signed = await decodeSignedTransport(bytes);
    // SignedTransport fixed part: three 4-byte offsets; Message starts at 12.
    assert.equal(Buffer.from(bytes).readUInt32LE(0), 12);
    assert.equal(signed.message.type, PONG_MESSAGE_TYPE);
    assert.deepEqual(Buffer.from(signed.message.identifier), Buffer.alloc(24));
    assert.equal(Buffer.from(signed.message.version).toString(), 'v3.1.0-653210c');
    assert.equal(Buffer.from(signed.signer).toString(), publicKeyBase64);
    const pong = await decodePong(signed.message.data);
    assert.deepEqual(
      { ...pong, pubKey: Buffer.from(pong.pubKey).toString() },
      { id: 7, pubKey: publicKeyBase64, multisig: true, ethClientConnected: false },
    );
    // Pong: ID uint64 (8) ‖ offset of PubKey (4) ‖ Multisig (1) ‖ EthClientConnected (1) ‖ PubKey
    const pongBytes = Buffer.from(await encodePong(pong));
    assert.equal(pongBytes.readBigUInt64LE(0), 7n);
    assert.equal(pongBytes.readUInt32LE(8), 14);
    assert.deepEqual([pongBytes[12], pongBytes[13]], [1, 0]);
    assert.equal(pongBytes.subarray(14).toString(), publicKeyBase64);
    // Transport: Type (8) ‖ Identifier (24) ‖ offset Data (4) ‖ offset Version (4)
    const transport = Buffer.from(await encodeTransport(signed.message));
    assert.equal(transport.readUInt32LE(32), 40);
    assert.ok(verifyRsa(publicKey, transport, signed.signature));
    const verified = await readSignedPong(bytes, publicKey);
    assert.equal(verified.version, 'v3.1.0-653210c');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await assert.rejects(readSignedPong(bytes, other), /does not verify/);
  });
});
