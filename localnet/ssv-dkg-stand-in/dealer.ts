// The stand-in's key generation for one validator. The real ssv-dkg runs a Feldman/Pedersen DKG
// among the operators (no party ever holds the key); the stand-in deals it instead: a fresh BLS
// key, Shamir-split at x = operator id with threshold t = n − (n−1)/3, each share encrypted to its
// operator as ssv-dkg does (RSAES-PKCS1-v1_5 of the share's 64 hex digits, no 0x), the key's
// signature over keccak256("<EIP-55 owner>:<nonce>") and the deposit data. The dealer's secret
// bytes are zeroed once the validator is dealt (bigint intermediates cannot be wiped in JS, but
// they are dropped with the call): the whole key is kept nowhere after the ceremony.
import { SecretKey } from '@chainsafe/blst';
import { constants, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { signDepositData, type DepositData } from '../../activities/keys/deposit-data';
import { keysharesSignedMessage } from '../../activities/keys/keyshares-verify';

export const BLS_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

export interface DealOperator {
  id: number;
  publicKey: KeyObject;
}

export interface DealtShare {
  operatorId: number;
  /** 48-byte compressed G1 public key of the share. */
  sharePubKey: Uint8Array;
  /** 256-byte RSA ciphertext of the share's hex. */
  encryptedShare: Uint8Array;
}

export interface DealtValidator {
  nonce: number;
  validatorPubKey: Uint8Array;
  /** BLS signature of the validator key over keccak256("<owner>:<nonce>"). */
  ownerNonceSignature: Uint8Array;
  deposit: DepositData;
  /** Ascending operator ids. */
  shares: DealtShare[];
}

export function thresholdOf(n: number): number {
  return n - Math.floor((n - 1) / 3);
}

function toBytes32(v: bigint): Uint8Array {
  return Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
}

function randomScalar(): bigint {
  for (;;) {
    const v = BigInt(`0x${randomBytes(32).toString('hex')}`);
    if (v > 0n && v < BLS_R) return v;
  }
}

/** Evaluates the polynomial with coefficients `coeffs` (constant first) at x, mod r. */
export function evalPoly(coeffs: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = (acc * x + coeffs[i]) % BLS_R;
  return acc;
}

/** RSAES-PKCS1-v1_5, as dkg-spec crypto.Encrypt (public-key encryption is still allowed by Node). */
export function encryptShareHex(publicKey: KeyObject, shareHex: string): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(shareHex, 'utf8'));
}

export async function dealValidator(opts: {
  operators: readonly DealOperator[];
  owner: string;
  nonce: number;
  withdrawalCredentials: string;
  amountGwei: bigint;
  genesisForkVersion: string;
}): Promise<DealtValidator> {
  const operators = [...opts.operators].sort((a, b) => a.id - b.id);
  const t = thresholdOf(operators.length);
  const coeffs = [randomScalar(), ...Array.from({ length: t - 1 }, randomScalar)];
  const secret = toBytes32(coeffs[0]);
  try {
    const sk = SecretKey.fromBytes(secret);
    const validatorPubKey = sk.toPublicKey().toBytes();
    const ownerNonceSignature = sk.sign(keysharesSignedMessage(opts.owner, opts.nonce)).toBytes();
    const deposit = await signDepositData({
      secretKey: secret,
      withdrawalCredentials: opts.withdrawalCredentials,
      amountGwei: opts.amountGwei,
      genesisForkVersion: opts.genesisForkVersion,
    });
    const shares = operators.map((op) => {
      const shareBytes = toBytes32(evalPoly(coeffs, BigInt(op.id)));
      try {
        const sharePubKey = SecretKey.fromBytes(shareBytes).toPublicKey().toBytes();
        return {
          operatorId: op.id,
          sharePubKey,
          encryptedShare: encryptShareHex(op.publicKey, Buffer.from(shareBytes).toString('hex')),
        };
      } finally {
        shareBytes.fill(0);
      }
    });
    return { nonce: opts.nonce, validatorPubKey, ownerNonceSignature, deposit, shares };
  } finally {
    secret.fill(0);
    coeffs.fill(0n);
  }
}

/** sharesData as SSVNetwork.registerValidator takes it: signature ‖ share pubkeys ‖ ciphertexts. */
export function sharesDataOf(v: DealtValidator): Buffer {
  return Buffer.concat([
    v.ownerNonceSignature,
    ...v.shares.map((s) => s.sharePubKey),
    ...v.shares.map((s) => s.encryptedShare),
  ]);
}
