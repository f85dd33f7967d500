// Key material cost per validator (DESIGN.md §5 benchmarks): `npx tsx bench/keys.ts [keys]`.
// Times master-key derivation once, then per key: EIP-2334 signing key + pubkey, deposit signing
// (roots + BLS signature), and full deposit-data verification. Uses a public test mnemonic.
// The derivation rows are printed twice in the same run: "before" is the pure-JavaScript
// @chainsafe/bls-keygen the code used until issue 15 (bench/baseline/derivation-bls-keygen.ts),
// "after" is activities/keys/derivation.ts (blst's native EIP-2333); both must give the same keys.
import { performance } from 'node:perf_hooks';
import { baselineMasterKey, baselineSigningKeys } from './baseline/derivation-bls-keygen';
import { deriveMasterKey, deriveSigningKeys, wipe, wipeKeys } from '../activities/keys/derivation';
import {
  signDepositData,
  verifyDepositData,
  withdrawalCredentialsFor,
  VALIDATOR_DEPOSIT_GWEI,
  type DepositData,
} from '../activities/keys/deposit-data';
import { loadBls, loadLodestarParams, loadLodestarStateTransition, loadLodestarTypes } from '../activities/esm/loaders';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const FORK = '0x00000000';
const WC = withdrawalCredentialsFor('0x0000000000000000000000000000000000000001');

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100);
  const indices = Array.from({ length: n }, (_, i) => i);

  let t = performance.now();
  await Promise.all([loadBls(), loadLodestarTypes(), loadLodestarParams(), loadLodestarStateTransition()]);
  const loadMs = performance.now() - t;

  // before: the pure-JavaScript derivation, same mnemonic and indices
  t = performance.now();
  baselineMasterKey(MNEMONIC).fill(0);
  const oldMasterMs = performance.now() - t;
  t = performance.now();
  const oldKeys = baselineSigningKeys(MNEMONIC, indices);
  const oldDeriveMs = performance.now() - t - oldMasterMs;

  t = performance.now();
  wipe(deriveMasterKey(MNEMONIC));
  const masterMs = performance.now() - t;

  t = performance.now();
  const keys = await deriveSigningKeys(MNEMONIC, indices);
  const deriveMs = performance.now() - t - masterMs; // deriveSigningKeys derives the master once too
  for (const [i, k] of keys.entries()) {
    if (k.pubkeyHex !== oldKeys[i].pubkeyHex)
      throw new Error(`key ${k.index}: the native derivation differs from bls-keygen`);
    oldKeys[i].secretKey.fill(0);
  }

  t = performance.now();
  const deposits: DepositData[] = [];
  for (const k of keys) {
    deposits.push(
      await signDepositData({
        secretKey: k.secretKey,
        withdrawalCredentials: WC,
        amountGwei: VALIDATOR_DEPOSIT_GWEI,
        genesisForkVersion: FORK,
      }),
    );
  }
  const signMs = performance.now() - t;
  wipeKeys(keys);

  t = performance.now();
  for (const d of deposits) {
    await verifyDepositData(d, {
      genesisForkVersion: FORK,
      expectedWithdrawalCredentials: WC,
      expectedAmountGwei: VALIDATOR_DEPOSIT_GWEI,
    });
  }
  const verifyMs = performance.now() - t;

  const row = (what: string, total: number, per?: number) =>
    console.log(
      `${what.padEnd(64)} ${total.toFixed(1).padStart(9)} ms${per === undefined ? '' : `  ${(total / per).toFixed(2).padStart(7)} ms/key`}`,
    );
  console.log(`keys: ${n} (node ${process.version}, bls ${(await loadBls()).implementation})`);
  row('load ESM modules (bls, lodestar types/params/state-transition)', loadMs);
  row('before: master key, bls-keygen (JS PBKDF2 + EIP-2333), once', oldMasterMs);
  row('before: signing key m/12381/3600/i/0/0 + pubkey, bls-keygen', oldDeriveMs, n);
  row('after: master key, native (OpenSSL PBKDF2 + blst EIP-2333), once', masterMs);
  row('after: signing key m/12381/3600/i/0/0 + pubkey, blst', deriveMs, n);
  row('sign deposit data (roots + BLS signature)', signMs, n);
  row('verify deposit data (roots + BLS verify)', verifyMs, n);
  row('total per validator (derive + sign + verify)', deriveMs + signMs + verifyMs, n);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
