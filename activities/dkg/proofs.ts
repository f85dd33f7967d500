// The operators' signatures on a ceremony's proofs, checked with their keys from the chain: each
// operator signs, per validator, `Proof{ValidatorPubKey, EncryptedShare, SharePubKey, Owner}` that
// says which share it holds. Scheme (ssvlabs/dkg-spec, read for ssv-dkg v3.1.0: proof.go
// VerifyCeremonyProof, crypto/rsa.go SignRSA/VerifyRSA, types.go Proof, types_encoding.go):
//   root = SSZ hash_tree_root(Proof) with ValidatorPubKey Bytes48, EncryptedShare ByteList[512],
//          SharePubKey Bytes48, Owner Bytes20;
//   signature = RSASSA-PSS(SHA-256, salt length auto) over the digest SHA-256(root), 256 bytes.
// With Node's crypto.verify('sha256', root, PSS) that is exactly the check (it hashes root once).
// A proof that does not verify fails the ceremony before anything is deposited.
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getAddress } from 'ethers';
import { DkgOutputInvalidError } from '../keys/dkg-output';
import { parseOperatorPublicKey } from '../keys/operator-keys';
import { proofHashTreeRoot, verifyRsa, type Proof } from './wire';

export interface ProofOperator {
  id: number;
  /** base64 of the "RSA PUBLIC KEY" PEM, from the chain. */
  publicKeyBase64: string;
}

export interface CeremonyProofs {
  pubkey: string;
  proofsPath: string;
}

const hex = (value: unknown, bytes: number | undefined, what: string, fail: (reason: string) => never): Uint8Array => {
  if (typeof value !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) fail(`${what} is not hex`);
  const buf = Buffer.from((value as string).replace(/^0x/, ''), 'hex');
  if (bytes !== undefined && buf.length !== bytes) fail(`${what} is ${buf.length} bytes, expected ${bytes}`);
  return buf;
};

/** Whether `signature` is `key`'s RSA-PSS/SHA-256 signature on the proof (dkg-spec VerifyRSA over its root). */
export async function verifyProofSignature(key: KeyObject, proof: Proof, signature: Uint8Array): Promise<boolean> {
  return verifyRsa(key, await proofHashTreeRoot(proof), signature);
}

/**
 * Checks one validator's proofs.json: one entry per operator in ascending id order, each naming
 * this validator and owner, signed by that operator's on-chain key. DkgOutputInvalidError else.
 */
export async function verifyProofsFile(
  file: string,
  pubkey: string,
  owner: string,
  operators: readonly ProofOperator[],
): Promise<void> {
  const fail = (reason: string): never => {
    throw new DkgOutputInvalidError(file, reason);
  };
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(`cannot read proofs (${(e as Error).message})`);
  }
  if (!Array.isArray(entries) || entries.length !== operators.length)
    fail(`expected ${operators.length} proofs, one per operator`);
  const wantOwner = getAddress(owner).slice(2).toLowerCase();
  const wantPubkey = pubkey.replace(/^0x/, '').toLowerCase();
  for (const [i, op] of operators.entries()) {
    const entry = (entries as Array<{ proof?: Record<string, unknown>; signature?: unknown }>)[i];
    const where = `proof ${i} (operator ${op.id})`;
    const p = entry?.proof;
    if (!p) fail(`${where} has no "proof"`);
    const value: Proof = {
      validatorPubKey: hex(p!.validator, 48, `${where} validator`, fail),
      encryptedShare: hex(p!.encrypted_share, undefined, `${where} encrypted_share`, fail),
      sharePubKey: hex(p!.share_pub, 48, `${where} share_pub`, fail),
      owner: hex(p!.owner, 20, `${where} owner`, fail),
    };
    if (value.encryptedShare.length > 512) fail(`${where} encrypted_share is longer than 512 bytes`);
    if (Buffer.from(value.validatorPubKey).toString('hex') !== wantPubkey)
      fail(`${where} names validator ${String(p!.validator)}, not ${pubkey}`);
    if (Buffer.from(value.owner).toString('hex') !== wantOwner)
      fail(`${where} names owner ${String(p!.owner)}, not ${getAddress(owner)}`);
    const signature = hex(entry.signature, 256, `${where} signature`, fail);
    const key = parseOperatorPublicKey(op.publicKeyBase64, op.id);
    if (!(await verifyProofSignature(key, value, signature))) {
      fail(
        `${where}: the signature is not operator ${op.id}'s (RSA-PSS over the proof's SSZ root, checked with its on-chain key)`,
      );
    }
  }
}

/** Every validator's proofs of a ceremony (see verifyProofsFile). */
export async function verifyCeremonyProofs(
  validators: readonly CeremonyProofs[],
  owner: string,
  operators: readonly ProofOperator[],
): Promise<void> {
  for (const v of validators) await verifyProofsFile(v.proofsPath, v.pubkey, owner, operators);
}
