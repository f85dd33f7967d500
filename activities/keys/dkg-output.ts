// Parses and verifies the output folder of an `ssv-dkg init` ceremony (v3.1.0, facts §3.3) before
// anything from it goes on chain:
//
//   ceremony-YYYY-MM-DD--HH-MM-SS.mmm/
//     000123-0x<pubkey>/deposit_data.json   [ {pubkey, withdrawal_credentials, amount, signature,
//                                              deposit_message_root, deposit_data_root, fork_version,
//                                              network_name, deposit_cli_version} ]  (hex without 0x)
//     000123-0x<pubkey>/keyshares.json      {version: "v1.2.0", createdAt, shares: [ {data, payload} ]}
//     000123-0x<pubkey>/proofs.json         [ {proof: {validator, encrypted_share, share_pub, owner},
//                                              signature} ]  one per operator, ascending ids
//     deposit_data.json, keyshares.json, proofs.json   aggregated, only when validators > 1
//
// Every deposit is verified (signature, roots, the bridge's withdrawal credentials, the amount),
// every keyshares payload is verified without operator keys (layout, ids, BLS signature over
// "<owner>:<nonce>", share pubkeys recombining to the validator key), the nonces must be exactly
// firstNonce, firstNonce+1, … (the directory name, keyshares data and signature all agree), and
// each operator's proof must name this validator and owner and carry exactly the share pubkey and
// ciphertext that sharesData holds for that operator. The operators' RSA-PSS signatures on the
// proofs are not checked here. The proofs paths are kept: ssv-dkg resign/reshare need them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { getAddress } from 'ethers';
import { verifyDepositData, withdrawalCredentialsFor, type DepositData, type Hexish } from './deposit-data';
import { DepositDataInvalidError } from './errors';
import {
  ENCRYPTED_SHARE_LENGTH,
  KeysharesInvalidError,
  PUBKEY_LENGTH,
  SIGNATURE_LENGTH,
  verifyKeysharesPayload,
  type KeysharesPayload,
} from './keyshares-verify';
import { MalformedOperatorKeyError, parseOperatorPublicKey } from './operator-keys';
import { TypedError } from '../typed-failure';

/** keyshares.json versions this parser knows (ssv-dkg v3.1.0 writes "v1.2.0"). */
export const SUPPORTED_DKG_KEYSHARES_VERSIONS: readonly string[] = ['v1.2.0'];

export class DkgOutputInvalidError extends TypedError {
  override readonly name = 'DkgOutputInvalidError';
  constructor(
    /** absolute path of the file or directory at fault */
    readonly file: string,
    readonly reason: string,
    /** path as shown in the message: relative to the folder holding the ceremony directory */
    displayPath: string = file,
  ) {
    super(`${displayPath}: ${reason}`);
  }
}

export interface CeremonyExpectation {
  /** the SSV owner the ceremony was run for (the Nexus contract) */
  owner: string;
  /** owner nonce of the first validator (ssv-dkg --nonce) */
  firstNonce: number;
  /** number of validators (ssv-dkg --validators) */
  count: number;
  /** the rollup's bridge: withdrawal credentials must be 0x01 ‖ 0…0 ‖ bridge */
  withdrawalAddress: string;
  /** the cluster, ascending */
  operatorIds: readonly number[];
  genesisForkVersion: Hexish;
  amountGwei: bigint | number | string;
  /** optional: the operators' on-chain keys; keyshares.json must name the same keys */
  operatorKeys?: Readonly<Record<number, string>>;
}

export interface CeremonyValidator {
  pubkey: string;
  nonce: number;
  /** the validator's directory */
  dir: string;
  depositData: DepositData;
  keyshares: KeysharesPayload;
  /** per-validator proofs.json (needed by ssv-dkg resign/reshare) */
  proofsPath: string;
}

export interface CeremonyOutput {
  ceremonyDir: string;
  validators: CeremonyValidator[];
  /** the aggregated proofs.json at the ceremony root (present when count > 1) */
  aggregatedProofsPath?: string;
}

const VALIDATOR_DIR = /^(\d{6,})-0x([0-9a-fA-F]{96})$/;
const HEX = /^(0x)?[0-9a-fA-F]*$/;

/** The ceremony-* directories under an ssv-dkg --outputPath, oldest first. */
export function listCeremonyDirs(outputPath: string): string[] {
  return readdirSync(outputPath, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('ceremony-'))
    .map((e) => path.join(outputPath, e.name))
    .sort();
}

/**
 * Reads and verifies one ssv-dkg ceremony directory. Returns the validators in nonce order;
 * throws DkgOutputInvalidError naming the file and the reason.
 */
export async function readCeremonyOutput(dir: string, expected: CeremonyExpectation): Promise<CeremonyOutput> {
  const ceremonyDir = path.resolve(dir);
  const base = path.dirname(ceremonyDir);
  const fail = (file: string, reason: string): never => {
    throw new DkgOutputInvalidError(file, reason, path.relative(base, file) || file);
  };

  const owner = getAddress(expected.owner);
  const ids = [...expected.operatorIds];
  if (!Number.isSafeInteger(expected.count) || expected.count < 1)
    throw new RangeError(`expected count must be ≥ 1, got ${expected.count}`);
  if (!Number.isSafeInteger(expected.firstNonce) || expected.firstNonce < 0)
    throw new RangeError(`expected firstNonce must be ≥ 0, got ${expected.firstNonce}`);
  const withdrawalCredentials = withdrawalCredentialsFor(expected.withdrawalAddress);

  if (!existsSync(ceremonyDir) || !statSync(ceremonyDir).isDirectory())
    fail(ceremonyDir, 'ceremony directory does not exist');
  if (existsSync(path.join(ceremonyDir, 'FAILED')))
    fail(path.join(ceremonyDir, 'FAILED'), 'ssv-dkg marked this ceremony as FAILED');

  // validator directories, in nonce order, contiguous from firstNonce
  const entries = readdirSync(ceremonyDir, { withFileTypes: true }).filter((e) => e.isDirectory());
  const found = entries.map((e) => {
    const m = VALIDATOR_DIR.exec(e.name);
    if (!m) fail(path.join(ceremonyDir, e.name), 'unexpected directory (expected <nonce padded to 6>-0x<pubkey>)');
    return { dir: path.join(ceremonyDir, e.name), nonce: Number(m![1]), pubkey: `0x${m![2].toLowerCase()}` };
  });
  found.sort((a, b) => a.nonce - b.nonce);
  for (const [i, v] of found.entries()) {
    const want = expected.firstNonce + i;
    if (v.nonce !== want) {
      fail(
        v.dir,
        i === 0
          ? `first nonce is ${v.nonce}, expected ${want}`
          : `nonce gap: ${v.nonce} follows ${found[i - 1].nonce} (expected ${want})`,
      );
    }
  }
  if (found.length !== expected.count) {
    fail(ceremonyDir, `${found.length} validator directories, expected ${expected.count}`);
  }
  const pubkeys = new Set(found.map((v) => v.pubkey));
  if (pubkeys.size !== found.length) fail(ceremonyDir, 'the same validator pubkey appears in two directories');

  const validators: CeremonyValidator[] = [];
  for (const v of found) {
    // deposit_data.json
    const depositFile = path.join(v.dir, 'deposit_data.json');
    const deposits = readJson(depositFile, fail);
    if (!Array.isArray(deposits) || deposits.length !== 1)
      fail(depositFile, 'expected an array with exactly one deposit');
    const entry = (deposits as unknown[])[0] as Record<string, unknown>;
    if (typeof entry?.pubkey !== 'string' || normHex(entry.pubkey) !== v.pubkey) {
      fail(depositFile, `deposit pubkey ${String(entry?.pubkey)} is not the directory's ${v.pubkey}`);
    }
    let depositData: DepositData;
    try {
      depositData = await verifyDepositData(entry as never, {
        genesisForkVersion: expected.genesisForkVersion,
        expectedWithdrawalCredentials: withdrawalCredentials,
        expectedAmountGwei: expected.amountGwei,
      });
    } catch (e) {
      if (e instanceof DepositDataInvalidError) return fail(depositFile, e.message);
      throw e;
    }

    // keyshares.json
    const keysharesFile = path.join(v.dir, 'keyshares.json');
    const ks = readJson(keysharesFile, fail) as { version?: unknown; shares?: unknown };
    if (typeof ks?.version !== 'string' || !SUPPORTED_DKG_KEYSHARES_VERSIONS.includes(ks.version)) {
      fail(
        keysharesFile,
        `keyshares version ${JSON.stringify(ks?.version)} is not one of ${SUPPORTED_DKG_KEYSHARES_VERSIONS.join(', ')}`,
      );
    }
    if (!Array.isArray(ks.shares) || ks.shares.length !== 1)
      fail(keysharesFile, 'expected exactly one entry in "shares"');
    const keyshares = checkKeysharesItem(
      (ks.shares as unknown[])[0],
      v,
      { owner, ids, operatorKeys: expected.operatorKeys },
      keysharesFile,
      fail,
    );

    // proofs.json
    const proofsPath = path.join(v.dir, 'proofs.json');
    if (!existsSync(proofsPath)) fail(proofsPath, 'proofs.json is missing (ssv-dkg resign/reshare need it)');
    checkProofs(readJson(proofsPath, fail), v.pubkey, owner, ids, keyshares.sharesData, proofsPath, fail);

    validators.push({ pubkey: v.pubkey, nonce: v.nonce, dir: v.dir, depositData, keyshares, proofsPath });
  }

  // aggregated files (written by ssv-dkg when validators > 1): must list the same material
  let aggregatedProofsPath: string | undefined;
  if (expected.count > 1) {
    const aggDeposit = path.join(ceremonyDir, 'deposit_data.json');
    const deposits = readJson(aggDeposit, fail);
    if (!Array.isArray(deposits) || deposits.length !== validators.length)
      fail(aggDeposit, `expected an array of ${validators.length} deposits`);
    // ssv-dkg writes each aggregated entry as an exact copy of the validator's own: anything else
    // is a tampered or mixed-up record (the archive keeps these files as the ceremony's record).
    (deposits as unknown[]).forEach((d, i) => {
      const v = validators[i];
      const single = (readJson(path.join(v.dir, 'deposit_data.json'), fail) as unknown[])[0];
      if (JSON.stringify(d) !== JSON.stringify(single))
        fail(aggDeposit, `entry ${i} differs from ${path.basename(v.dir)}/deposit_data.json`);
    });
    const aggKeyshares = path.join(ceremonyDir, 'keyshares.json');
    const ks = readJson(aggKeyshares, fail) as { version?: unknown; shares?: unknown };
    if (typeof ks?.version !== 'string' || !SUPPORTED_DKG_KEYSHARES_VERSIONS.includes(ks.version)) {
      fail(
        aggKeyshares,
        `keyshares version ${JSON.stringify(ks?.version)} is not one of ${SUPPORTED_DKG_KEYSHARES_VERSIONS.join(', ')}`,
      );
    }
    if (!Array.isArray(ks?.shares) || ks.shares.length !== validators.length)
      fail(aggKeyshares, `expected ${validators.length} entries in "shares"`);
    (ks.shares as unknown[]).forEach((item, i) => {
      const v = validators[i];
      const single = (readJson(path.join(v.dir, 'keyshares.json'), fail) as { shares: unknown[] }).shares[0];
      if (JSON.stringify(item) !== JSON.stringify(single))
        fail(aggKeyshares, `entry ${i} differs from ${path.basename(v.dir)}/keyshares.json`);
    });
    aggregatedProofsPath = path.join(ceremonyDir, 'proofs.json');
    const proofs = readJson(aggregatedProofsPath, fail);
    if (!Array.isArray(proofs) || proofs.length !== validators.length)
      fail(aggregatedProofsPath, `expected an array of ${validators.length} proof lists`);
    (proofs as unknown[]).forEach((list, i) => {
      const single = JSON.parse(readFileSync(validators[i].proofsPath, 'utf8')) as unknown;
      if (JSON.stringify(list) !== JSON.stringify(single))
        fail(aggregatedProofsPath!, `entry ${i} differs from ${path.basename(validators[i].dir)}/proofs.json`);
    });
  }

  return { ceremonyDir, validators, aggregatedProofsPath };
}

type Fail = (file: string, reason: string) => never;

function readJson(file: string, fail: Fail): unknown {
  if (!existsSync(file)) fail(file, 'file is missing');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    return fail(file, `not valid JSON (${(e as Error).message})`);
  }
}

function normHex(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HEX.test(value)) return undefined;
  return `0x${value.replace(/^0x/, '').toLowerCase()}`;
}

function checkKeysharesItem(
  item: unknown,
  v: { pubkey: string; nonce: number },
  exp: { owner: string; ids: number[]; operatorKeys?: Readonly<Record<number, string>> },
  file: string,
  fail: Fail,
): KeysharesPayload {
  const it = item as {
    data?: { ownerNonce?: unknown; ownerAddress?: unknown; publicKey?: unknown; operators?: unknown };
    payload?: { publicKey?: unknown; operatorIds?: unknown; sharesData?: unknown };
  };
  const data = it?.data;
  const payload = it?.payload;
  if (!data || !payload) fail(file, 'share entry lacks "data" or "payload"');
  if (data!.ownerNonce !== v.nonce)
    fail(file, `data.ownerNonce is ${String(data!.ownerNonce)}, expected ${v.nonce} (from the directory name)`);
  let ownerAddress: string | undefined;
  try {
    ownerAddress = getAddress(String(data!.ownerAddress));
  } catch {
    fail(file, `data.ownerAddress ${String(data!.ownerAddress)} is not a valid address`);
  }
  if (ownerAddress !== exp.owner) fail(file, `data.ownerAddress is ${ownerAddress}, expected owner ${exp.owner}`);
  if (normHex(data!.publicKey) !== v.pubkey)
    fail(file, `data.publicKey ${String(data!.publicKey)} is not the directory's ${v.pubkey}`);
  if (!Array.isArray(data!.operators)) fail(file, 'data.operators is not an array');
  const operators = data!.operators as Array<{ id?: unknown; operatorKey?: unknown }>;
  const dataIds = operators.map((o) => o?.id);
  if (JSON.stringify(dataIds) !== JSON.stringify(exp.ids)) {
    fail(file, `data.operators ids [${dataIds.join(',')}] differ from the expected cluster [${exp.ids.join(',')}]`);
  }
  for (const op of operators) {
    const id = op.id as number;
    try {
      const key = parseOperatorPublicKey(op.operatorKey as string, id);
      const want = exp.operatorKeys?.[id];
      if (want !== undefined && !key.equals(parseOperatorPublicKey(want, id))) {
        fail(file, `data.operators key of operator ${id} is not its on-chain key`);
      }
    } catch (e) {
      if (e instanceof MalformedOperatorKeyError) fail(file, e.message);
      throw e;
    }
  }
  if (
    typeof payload!.publicKey !== 'string' ||
    typeof payload!.sharesData !== 'string' ||
    !Array.isArray(payload!.operatorIds)
  ) {
    fail(file, 'payload must have publicKey, operatorIds and sharesData');
  }
  const result: KeysharesPayload = {
    publicKey: payload!.publicKey as string,
    operatorIds: payload!.operatorIds as number[],
    sharesData: payload!.sharesData as string,
  };
  try {
    verifyKeysharesPayload(result, {
      validatorPubkey: v.pubkey,
      owner: exp.owner,
      ownerNonce: v.nonce,
      operatorIds: exp.ids,
    });
  } catch (e) {
    if (e instanceof KeysharesInvalidError) fail(file, `payload: ${e.message}`);
    throw e;
  }
  return { ...result, publicKey: v.pubkey, sharesData: normHex(result.sharesData)! };
}

function checkProofs(
  proofs: unknown,
  pubkey: string,
  owner: string,
  ids: number[],
  sharesData: string,
  file: string,
  fail: Fail,
): void {
  if (!Array.isArray(proofs) || proofs.length !== ids.length) {
    fail(
      file,
      `expected one proof per operator (${ids.length}), got ${Array.isArray(proofs) ? proofs.length : 'no array'}`,
    );
  }
  const bytes = Buffer.from(sharesData.slice(2), 'hex');
  const n = ids.length;
  (proofs as Array<{ proof?: Record<string, unknown>; signature?: unknown }>).forEach((entry, i) => {
    const id = ids[i];
    const p = entry?.proof;
    if (!p) return fail(file, `entry ${i} (operator ${id}) has no "proof"`);
    if (normHex(p.validator) !== pubkey)
      fail(file, `proof of operator ${id} names validator ${String(p.validator)}, expected ${pubkey}`);
    if (normHex(p.owner) !== owner.toLowerCase())
      fail(file, `proof of operator ${id} names owner ${String(p.owner)}, expected ${owner}`);
    const sharePub = bytes.subarray(SIGNATURE_LENGTH + PUBKEY_LENGTH * i, SIGNATURE_LENGTH + PUBKEY_LENGTH * (i + 1));
    const encStart = SIGNATURE_LENGTH + PUBKEY_LENGTH * n + ENCRYPTED_SHARE_LENGTH * i;
    const encrypted = bytes.subarray(encStart, encStart + ENCRYPTED_SHARE_LENGTH);
    if (normHex(p.share_pub) !== `0x${sharePub.toString('hex')}`)
      fail(file, `share_pub of operator ${id} is not the share public key in keyshares.json`);
    if (normHex(p.encrypted_share) !== `0x${encrypted.toString('hex')}`)
      fail(file, `encrypted_share of operator ${id} is not the encrypted share in keyshares.json`);
    const sig = normHex(entry.signature);
    if (!sig || sig.length !== 2 + 2 * 256) fail(file, `signature of operator ${id}'s proof is not 256 bytes of hex`);
  });
}
