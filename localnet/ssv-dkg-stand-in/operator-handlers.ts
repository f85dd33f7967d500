// What a stand-in operator answers: GET /health_check (the real signed SSZ pong) and POST /init
// (its part of the ceremony: find itself in the operator list by public key, decrypt its shares,
// check them against their public keys, keep them, sign the proofs as dkg-spec does).
import { SecretKey } from '@chainsafe/blst';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { buildSignedPong, proofHashTreeRoot, signRsa } from '../../activities/dkg/wire';
import type { InitRequest, InitResponse } from './common';
import type { Logger } from './logger';

export interface OperatorContext {
  operatorId: number;
  publicKeyBase64: string;
  privateKey: KeyObject;
  privateKeyPem: string;
  version: string;
  ethEndpointURL: string;
  outputPath: string;
  logger: Logger;
}

/** A share as the operator keeps it (one file per validator, mode 0600). */
export interface StoredShare {
  validatorPubkey: string;
  operatorId: number;
  shareIndex: number;
  shareSecretHex: string;
  ownerNonce: number;
  operatorIds: number[];
}

export class OperatorRequestError extends Error {
  override readonly name = 'OperatorRequestError';
}

/** Whether `eth_chainId` answers at the operator's --ethEndpointURL (within 1 s). */
export async function ethClientConnected(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { result?: unknown };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}

export async function healthCheckAnswer(ctx: OperatorContext): Promise<Uint8Array> {
  return buildSignedPong({
    privateKey: ctx.privateKey,
    operatorId: ctx.operatorId,
    publicKeyBase64: ctx.publicKeyBase64,
    version: ctx.version,
    ethClientConnected: await ethClientConnected(ctx.ethEndpointURL),
  });
}

const instanceError = (detail: string) =>
  new OperatorRequestError(`failed to initialize instance, err: init: failed to create instance: ${detail}`);

function decryptShareHex(privateKeyPem: string, ciphertext: Buffer): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  return key.decrypt(ciphertext.toString('binary'), 'RSAES-PKCS1-V1_5');
}

export async function handleInit(ctx: OperatorContext, body: Buffer): Promise<InitResponse> {
  let req: InitRequest;
  try {
    req = JSON.parse(body.toString('utf8')) as InitRequest;
  } catch {
    throw new OperatorRequestError('failed to initialize instance, err: cant unmarshal init message');
  }
  if (req.version !== ctx.version) {
    throw new OperatorRequestError(
      `failed to initialize instance, err: wrong version: operator ${ctx.version}, initiator ${req.version}`,
    );
  }
  const me = req.operators.find((op) => op.publicKey.trim() === ctx.publicKeyBase64.trim());
  if (!me) throw instanceError('my operator is missing inside the op list');
  if (me.id !== ctx.operatorId) throw instanceError(`wrong operator ID: want ${ctx.operatorId}, got ${me.id}`);

  const owner = Buffer.from(req.owner.replace(/^0x/, ''), 'hex');
  const operatorIds = req.operators.map((op) => op.id).sort((a, b) => a - b);
  const stored: StoredShare[] = [];
  const signatures: string[] = [];
  for (const share of req.shares) {
    const encryptedShare = Buffer.from(share.encryptedShare, 'hex');
    let secretHex: string;
    try {
      secretHex = decryptShareHex(ctx.privateKeyPem, encryptedShare);
    } catch {
      throw new OperatorRequestError(`failed to decrypt share of validator ${share.validatorPubKey}`);
    }
    if (!/^[0-9a-f]{64}$/.test(secretHex))
      throw new OperatorRequestError(`share of validator ${share.validatorPubKey} is not a 32-byte hex secret`);
    const derived = Buffer.from(SecretKey.fromBytes(Buffer.from(secretHex, 'hex')).toPublicKey().toBytes()).toString(
      'hex',
    );
    if (derived !== share.sharePubKey) {
      throw new OperatorRequestError(
        `share of validator ${share.validatorPubKey} does not match its public key ${share.sharePubKey}`,
      );
    }
    const root = await proofHashTreeRoot({
      validatorPubKey: Buffer.from(share.validatorPubKey, 'hex'),
      encryptedShare,
      sharePubKey: Buffer.from(share.sharePubKey, 'hex'),
      owner,
    });
    signatures.push(signRsa(ctx.privateKey, root).toString('hex'));
    stored.push({
      validatorPubkey: `0x${share.validatorPubKey}`,
      operatorId: ctx.operatorId,
      shareIndex: ctx.operatorId,
      shareSecretHex: `0x${secretHex}`,
      ownerNonce: share.nonce,
      operatorIds,
    });
  }
  mkdirSync(ctx.outputPath, { recursive: true, mode: 0o700 });
  for (const s of stored) {
    const file = join(ctx.outputPath, `${s.validatorPubkey}.json`);
    writeFileSync(file, `${JSON.stringify(s)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  ctx.logger.info('operator/instances_manager.go:142', '✅ ceremony part done, shares stored', [
    ['ID', ctx.operatorId],
    ['validators', stored.length],
  ]);
  return { operatorId: ctx.operatorId, signatures };
}
