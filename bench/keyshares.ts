// Key material cost of SSV keyshares (DESIGN §5 benchmarks), per key for a cluster of operators,
// before and after issue 15 in the same run, alternating per key:
//   - after: buildKeyshares (own Shamir split: @noble/curves Fr + blst share pubkeys; Node RSA; blst
//     signature; the independent check once, with blst point additions)
//   - before: the old builder (bench/baseline/keyshares-ssv-keys.ts: ssv-keys' JSEncrypt and
//     buildPayload, which checks its own signature, then the old all-noble independent check)
//   - verifyKeysharesPayload alone, after and before (what the DKG path pays per validator)
// Run: npx tsx bench/keyshares.ts [keys=20] [operators=4]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SecretKey } from '@chainsafe/blst';
import { buildKeyshares } from '../activities/keys/keyshares';
import { verifyKeysharesPayload } from '../activities/keys/keyshares-verify';
import { encodeOperatorPublicKey } from '../activities/keys/operator-keys';
import { baselineBuildKeyshares } from './baseline/keyshares-ssv-keys';
import { verifyKeysharesPayload as baselineVerify } from './baseline/keyshares-verify-noble';

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
  return `${name.padEnd(40)} mean ${mean.toFixed(1).padStart(6)} ms   median ${pct(0.5).toFixed(1).padStart(6)}   p90 ${pct(0.9).toFixed(1).padStart(6)}   min ${sorted[0].toFixed(1).padStart(6)}   max ${sorted[sorted.length - 1].toFixed(1).padStart(6)}`;
}

async function main() {
  // Mainnet-like operator ids (the integer-scaled interpolation costs more for larger ids).
  const operators = Array.from({ length: OPERATORS }, (_, i) => ({
    id: 1000 + i * 137,
    publicKeyBase64: encodeOperatorPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
  }));
  const ids = operators.map((o) => o.id);

  // warm-up (bls-eth-wasm init, JIT, the operator-key cache)
  await buildKeyshares({ secretKey: randomSecretKey(), operators, owner: OWNER, ownerNonce: 0 });
  await baselineBuildKeyshares({ secretKey: randomSecretKey(), operators, owner: OWNER, ownerNonce: 0 });

  const after: number[] = [];
  const before: number[] = [];
  const verifyAfter: number[] = [];
  const verifyBefore: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const sk = randomSecretKey();
    const expected = {
      validatorPubkey: `0x${Buffer.from(SecretKey.fromBytes(sk).toPublicKey().toBytes()).toString('hex')}`,
      owner: OWNER,
      ownerNonce: i,
      operatorIds: ids,
    };
    const runAfter = async () => {
      const t = performance.now();
      const payload = await buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: i });
      after.push(performance.now() - t);
      return payload;
    };
    const runBefore = async () => {
      const t = performance.now();
      await baselineBuildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: i });
      before.push(performance.now() - t);
    };
    // alternate which goes first, so that neither always gets the warmer caches
    let payload;
    if (i % 2 === 0) {
      payload = await runAfter();
      await runBefore();
    } else {
      await runBefore();
      payload = await runAfter();
    }

    let t = performance.now();
    verifyKeysharesPayload(payload, expected);
    verifyAfter.push(performance.now() - t);
    t = performance.now();
    baselineVerify(payload, expected);
    verifyBefore.push(performance.now() - t);
  }

  console.log(`keyshares for ${OPERATORS} operators (ids ${ids.join(',')}), ${KEYS} keys (node ${process.version})`);
  console.log(stats('before: old buildKeyshares (total)', before));
  console.log(stats('after: buildKeyshares (total)', after));
  console.log(stats('before: old verifyKeysharesPayload', verifyBefore));
  console.log(stats('after: verifyKeysharesPayload', verifyAfter));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
