// Key material per validator on the mnemonic path, before and after issue 15, in one run:
// derive (EIP-2334 signing key + pubkey, the master once per batch) + deposit signature + SSV
// keyshares for a 4-operator cluster (including the independent check). Every payload made here is
// then checked, untimed, by ssv-keys' own validation (KeySharesItem.fromJson) and by the
// independent verifier; the run fails if one is refused or if the two derivations differ.
//   before: bench/baseline/derivation-bls-keygen.ts + bench/baseline/keyshares-ssv-keys.ts
//   after:  activities/keys/derivation.ts + activities/keys/keyshares.ts (buildKeysharesBatch: the
//           Shamir split with @noble/curves' Fr + blst, the independent check's signatures batched)
// Wall time per phase; the CPU time (process.cpuUsage, user + system) of the whole batch is printed
// beside the total, since on a shared machine waiting for a core inflates the wall figures.
//   after, one key per call: the same, keyshares by buildKeyshares per key (what keyshares-registration.ts calls
//           today, one registration at a time), so without the batched signature check
// Run: npx tsx bench/key-material.ts [batch=50] [rounds=3]   (each round starts with another variant)
import { generateKeyPairSync } from 'node:crypto';
import { KeySharesItem } from 'ssv-keys';
import { deriveSigningKeys, wipeKeys } from '../activities/keys/derivation';
import { signDepositData, withdrawalCredentialsFor, VALIDATOR_DEPOSIT_GWEI } from '../activities/keys/deposit-data';
import { loadBls, loadLodestarParams, loadLodestarStateTransition, loadLodestarTypes } from '../activities/esm/loaders';
import { buildKeyshares, buildKeysharesBatch, type KeysharesPayload } from '../activities/keys/keyshares';
import { verifyKeysharesPayload } from '../activities/keys/keyshares-verify';
import { encodeOperatorPublicKey } from '../activities/keys/operator-keys';
import { baselineSigningKeys } from './baseline/derivation-bls-keygen';
import { baselineBuildKeyshares } from './baseline/keyshares-ssv-keys';

const BATCH = Number(process.argv[2] ?? 50);
const ROUNDS = Number(process.argv[3] ?? 3);
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const OWNER = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
const FORK = '0x00000000';
const WC = withdrawalCredentialsFor('0x0000000000000000000000000000000000000001');

/** Wall ms per phase, and the process's CPU ms (user + system) over the whole batch. */
interface Phases {
  derive: number;
  deposit: number;
  keyshares: number;
  cpu: number;
}
interface Made {
  pubkey: string;
  nonce: number;
  payload: KeysharesPayload;
}
const VARIANTS = ['before', 'after', 'after, one key per call'] as const;
type Variant = (typeof VARIANTS)[number];

const operators = [1000, 1137, 1274, 1411].map((id) => ({
  id,
  publicKeyBase64: encodeOperatorPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
}));

async function batch(which: Variant, firstIndex: number, made: Made[]): Promise<Phases> {
  const indices = Array.from({ length: BATCH }, (_, i) => firstIndex + i);
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  const keys = which === 'before' ? baselineSigningKeys(MNEMONIC, indices) : await deriveSigningKeys(MNEMONIC, indices);
  const derive = performance.now() - t;

  t = performance.now();
  for (const k of keys) {
    await signDepositData({
      secretKey: k.secretKey,
      withdrawalCredentials: WC,
      amountGwei: VALIDATOR_DEPOSIT_GWEI,
      genesisForkVersion: FORK,
    });
  }
  const deposit = performance.now() - t;

  t = performance.now();
  // the derived pubkey given along (the old builder has no such input and ignores it)
  const inputs = keys.map((k, i) => ({
    secretKey: k.secretKey,
    validatorPubkey: Buffer.from(k.pubkeyHex.slice(2), 'hex'),
    operators,
    owner: OWNER,
    ownerNonce: firstIndex + i,
  }));
  // after: the whole batch in one call (its signatures checked together); the others one at a time
  const payloads =
    which === 'after'
      ? await buildKeysharesBatch(inputs)
      : await sequentially(inputs, which === 'before' ? baselineBuildKeyshares : buildKeyshares);
  payloads.forEach((payload, i) => made.push({ pubkey: keys[i].pubkeyHex, nonce: firstIndex + i, payload }));
  const keyshares = performance.now() - t;
  wipeKeys(keys);
  const used = process.cpuUsage(cpu0);
  return { derive, deposit, keyshares, cpu: (used.user + used.system) / 1000 };
}

async function sequentially<I, O>(inputs: I[], f: (input: I) => Promise<O>): Promise<O[]> {
  const out: O[] = [];
  for (const input of inputs) out.push(await f(input));
  return out;
}

function line(name: string, p: Phases): string {
  const per = (ms: number) => (ms / BATCH).toFixed(2).padStart(7);
  return `${name.padEnd(34)} derive ${per(p.derive)}   deposit sig ${per(p.deposit)}   keyshares ${per(p.keyshares)}   total ${per(p.derive + p.deposit + p.keyshares)} ms/validator (cpu ${per(p.cpu)})`;
}

async function main() {
  await Promise.all([loadBls(), loadLodestarTypes(), loadLodestarParams(), loadLodestarStateTransition()]);
  // warm-up of every variant (wasm init, JIT, the operator-key cache)
  for (const v of VARIANTS) await batch(v, 0, []);

  const made = Object.fromEntries(VARIANTS.map((v) => [v, [] as Made[]])) as Record<Variant, Made[]>;
  const zero = (): Phases => ({ derive: 0, deposit: 0, keyshares: 0, cpu: 0 });
  const sums = Object.fromEntries(VARIANTS.map((v) => [v, zero()])) as Record<Variant, Phases>;
  console.log(`key material per validator: batch ${BATCH}, ${ROUNDS} rounds, 4 operators (node ${process.version})`);
  for (let r = 0; r < ROUNDS; r++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
    for (const which of order) {
      // the same indices for all: the same keys, which must derive the same pubkeys
      const p = await batch(which, 1 + r * BATCH, made[which]);
      for (const k of Object.keys(p) as (keyof Phases)[]) sums[which][k] += p[k];
      console.log(line(`round ${r + 1} ${which}`, p));
    }
  }
  const mean = (s: Phases): Phases => ({
    derive: s.derive / ROUNDS,
    deposit: s.deposit / ROUNDS,
    keyshares: s.keyshares / ROUNDS,
    cpu: s.cpu / ROUNDS,
  });
  for (const v of VARIANTS) console.log(line(`mean ${v}`, mean(sums[v])));

  // untimed: same keys every way, and every payload accepted by ssv-keys and the independent check
  for (const v of VARIANTS) {
    made[v].forEach((m, i) => {
      if (m.pubkey !== made.before[i].pubkey)
        throw new Error(`index ${m.nonce}: the derivations of ${v} and before differ`);
    });
  }
  const all = VARIANTS.flatMap((v) => made[v]);
  for (const m of all) {
    verifyKeysharesPayload(m.payload, {
      validatorPubkey: m.pubkey,
      owner: OWNER,
      ownerNonce: m.nonce,
      operatorIds: m.payload.operatorIds,
    });
    const item = await KeySharesItem.fromJson({
      data: {
        ownerNonce: m.nonce,
        ownerAddress: OWNER,
        publicKey: m.pubkey,
        operators: operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 })),
      },
      payload: m.payload,
    });
    if (item.error) throw new Error(`ssv-keys refused the payload of ${m.pubkey}: ${String(item.error)}`);
  }
  console.log(
    `all ${all.length} payloads accepted by ssv-keys (KeySharesItem.fromJson) and by verifyKeysharesPayload; all derivations gave the same ${made.before.length} keys`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
