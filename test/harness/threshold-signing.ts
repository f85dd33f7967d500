// Threshold BLS signing as an SSV cluster does it: each operator signs with its own share, and any
// t of the n partial signatures combine (Lagrange interpolation at x = 0 over the operators' ids,
// the Shamir x-coordinates of their shares) into the validator's signature. The whole validator
// key is never rebuilt. Used by the SSV exit-duty stand-in with the shares that the ssv-dkg
// stand-in's operators keep.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bls12_381 } from '@noble/curves/bls12-381';

const G2 = bls12_381.G2.Point;
const Fr = bls12_381.fields.Fr;

export interface OperatorShare {
  operatorId: number;
  /** 32-byte share secret (an operator's, never the validator's key). */
  secret: Uint8Array;
}

export interface PartialSignature {
  operatorId: number;
  /** 96-byte compressed G2 signature made with the operator's share. */
  signature: Uint8Array;
}

/** Lagrange coefficients at x = 0 for the given x-coordinates. */
function lagrangeAtZero(xs: readonly bigint[]): bigint[] {
  return xs.map((xi, i) => {
    let num = Fr.ONE;
    let den = Fr.ONE;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = Fr.mul(num, xj);
      den = Fr.mul(den, Fr.sub(xj, xi));
    });
    return Fr.div(num, den);
  });
}

/** Combines t partial signatures (distinct operator ids) into the validator's signature. */
export function combinePartialSignatures(partials: readonly PartialSignature[]): Uint8Array {
  if (partials.length === 0) throw new Error('no partial signatures to combine');
  const ids = partials.map((p) => p.operatorId);
  if (new Set(ids).size !== ids.length)
    throw new Error(`partial signatures of the same operator twice: ${ids.join(',')}`);
  const lambdas = lagrangeAtZero(ids.map(BigInt));
  let sum = G2.ZERO;
  partials.forEach((p, i) => {
    sum = sum.add(G2.fromHex(Buffer.from(p.signature).toString('hex')).multiply(lambdas[i]));
  });
  return sum.toBytes(true);
}

/**
 * The shares the stand-in's operators keep, by validator pubkey (lower-case 0x): every JSON file
 * under each folder that holds `{validatorPubkey, operatorId, shareSecretHex}`.
 */
export function loadOperatorShares(dirs: readonly string[]): Map<string, OperatorShare[]> {
  const byValidator = new Map<string, OperatorShare[]>();
  const visit = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
      return;
    }
    if (!path.endsWith('.json')) return;
    let parsed: { validatorPubkey?: unknown; operatorId?: unknown; shareSecretHex?: unknown };
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
    } catch {
      return;
    }
    if (
      typeof parsed?.validatorPubkey !== 'string' ||
      typeof parsed.operatorId !== 'number' ||
      typeof parsed.shareSecretHex !== 'string'
    )
      return;
    const pubkey = `0x${parsed.validatorPubkey.replace(/^0x/, '').toLowerCase()}`;
    const list = byValidator.get(pubkey) ?? [];
    if (!list.some((s) => s.operatorId === parsed.operatorId)) {
      list.push({
        operatorId: parsed.operatorId as number,
        secret: Uint8Array.from(Buffer.from((parsed.shareSecretHex as string).replace(/^0x/, ''), 'hex')),
      });
    }
    byValidator.set(
      pubkey,
      list.sort((a, b) => a.operatorId - b.operatorId),
    );
  };
  for (const dir of dirs) visit(dir);
  return byValidator;
}
