// Key material cost of SSV keyshares (DESIGN §5 benchmarks): per key, for a 4-operator cluster,
//   - buildKeyshares: operator-key validation + ssv-keys + the independent verification
//   - ssv-keys alone: the same createThreshold / encryptShares / buildPayload calls (its own cost,
//     which includes its own signature check)
//   - verifyKeysharesPayload alone (what the DKG path pays per validator)
// Run: npx tsx bench/keyshares.ts [keys=20] [operators=4]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SecretKey } from '@chainsafe/blst';
import { KeySharesItem, SSVKeys } from 'ssv-keys';
import { buildKeyshares } from '../activities/keys/keyshares';
import { verifyKeysharesPayload, type KeysharesPayload } from '../activities/keys/keyshares-verify';
import { encodeOperatorPublicKey } from '../activities/keys/operator-keys';

const KEYS = Number(process.argv[2] ?? 20);
const OPERATORS = Number(process.argv[3] ?? 4);
const OWNER = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

function randomSecretKey(): Uint8Array {
  for (;;) {
    const b = randomBytes(32);
    const v = BigInt(`0x${b.toString('hex')}`);
    if (v > 0n && v < R) return new Uint8Array(b);
  }
}

function stats(name: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return `${name.padEnd(34)} mean ${mean.toFixed(1).padStart(6)} ms   median ${pct(0.5).toFixed(1).padStart(6)}   p90 ${pct(0.9).toFixed(1).padStart(6)}   min ${sorted[0].toFixed(1).padStart(6)}   max ${sorted[sorted.length - 1].toFixed(1).padStart(6)}`;
}

async function main() {
  const operators = Array.from({ length: OPERATORS }, (_, i) => ({
    id: 10 + i * 3,
    publicKeyBase64: encodeOperatorPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
  }));
  const ids = operators.map((o) => o.id);
  const ssvOps = operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 }));

  // warm-up (bls-eth-wasm init, JIT)
  await buildKeyshares({ secretKey: randomSecretKey(), operators, owner: OWNER, ownerNonce: 0 });

  const build: number[] = [];
  const ssv: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const sk = randomSecretKey();
    const skHex = `0x${Buffer.from(sk).toString('hex')}`;

    let t = performance.now();
    const payload = await buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: i });
    build.push(performance.now() - t);

    t = performance.now();
    const keys = new SSVKeys();
    const threshold = await keys.createThreshold(skHex, ssvOps);
    const encrypted = await keys.encryptShares(ssvOps, threshold.shares);
    const raw = (await new KeySharesItem().buildPayload(
      { publicKey: threshold.publicKey, operators: ssvOps, encryptedShares: encrypted },
      { ownerAddress: OWNER, ownerNonce: i, privateKey: skHex },
    )) as KeysharesPayload;
    ssv.push(performance.now() - t);
    if (raw.sharesData.length !== payload.sharesData.length) throw new Error('ssv-keys payload length differs');

    const pubkey = `0x${Buffer.from(SecretKey.fromBytes(sk).toPublicKey().toBytes()).toString('hex')}`;
    t = performance.now();
    verifyKeysharesPayload(payload, { validatorPubkey: pubkey, owner: OWNER, ownerNonce: i, operatorIds: ids });
    verify.push(performance.now() - t);
  }

  console.log(`keyshares for ${OPERATORS} operators, ${KEYS} keys (node ${process.version})`);
  console.log(stats('buildKeyshares (total)', build));
  console.log(stats('ssv-keys alone (same calls)', ssv));
  console.log(stats('verifyKeysharesPayload', verify));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
