// Writes a ceremony's results exactly as ssv-dkg v3.1.0 lays them out (Go encoding/json: compact,
// keys in struct order, one trailing newline per file):
//   <outputPath>/ceremony-YYYY-MM-DD--HH-MM-SS.mmm/            (UTC)
//     NNNNNN-0x<pubkey>/{deposit_data.json,keyshares.json,proofs.json}    (NNNNNN = owner nonce)
//     deposit_data.json, keyshares.json, proofs.json            (aggregated, only for > 1 validator)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { sharesDataOf, type DealtValidator } from './dealer';

export const KEYSHARES_VERSION = 'v1.2.0';
export const DEPOSIT_CLI_VERSION = '2.7.0';

export interface CeremonyOperator {
  id: number;
  publicKeyBase64: string;
}

export interface CeremonyResult {
  validator: DealtValidator;
  /** RSA-PSS proof signatures, ascending operator ids. */
  proofSignatures: Buffer[];
}

const strip = (h: string) => h.replace(/^0x/, '');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const pad2 = (n: number) => String(n).padStart(2, '0');

/** `ceremony-2026-12-03--18-11-26.440` for a UTC time. */
export function ceremonyDirName(d: Date): string {
  return `ceremony-${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}--${pad2(d.getUTCHours())}-${pad2(d.getUTCMinutes())}-${pad2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** Go's time.Time JSON form (RFC3339Nano, trailing zeros trimmed), now, in UTC. */
export function goTimeNow(): string {
  const now = new Date();
  const nanosBelowMs = String(Number(process.hrtime.bigint() % 1_000_000n)).padStart(6, '0');
  const frac = `${String(now.getUTCMilliseconds()).padStart(3, '0')}${nanosBelowMs}`.replace(/0+$/, '');
  return `${now.toISOString().slice(0, 19)}${frac === '' ? '' : `.${frac}`}Z`;
}

function depositEntry(r: CeremonyResult, networkName: string, forkVersion: string) {
  const d = r.validator.deposit;
  return {
    pubkey: strip(d.pubkey),
    withdrawal_credentials: strip(d.withdrawalCredentials),
    amount: Number(d.amountGwei),
    signature: strip(d.signature),
    deposit_message_root: strip(d.depositMessageRoot),
    deposit_data_root: strip(d.depositDataRoot),
    fork_version: forkVersion,
    network_name: networkName,
    deposit_cli_version: DEPOSIT_CLI_VERSION,
  };
}

function keysharesEntry(r: CeremonyResult, owner: string, operators: readonly CeremonyOperator[]) {
  const pubkey = `0x${hex(r.validator.validatorPubKey)}`;
  return {
    data: {
      ownerNonce: r.validator.nonce,
      ownerAddress: getAddress(owner),
      publicKey: pubkey,
      operators: operators.map((op) => ({ id: op.id, operatorKey: op.publicKeyBase64 })),
    },
    payload: {
      publicKey: pubkey,
      operatorIds: operators.map((op) => op.id),
      sharesData: `0x${sharesDataOf(r.validator).toString('hex')}`,
    },
  };
}

function proofsEntry(r: CeremonyResult, owner: string) {
  return r.validator.shares.map((s, i) => ({
    proof: {
      validator: hex(r.validator.validatorPubKey),
      encrypted_share: hex(s.encryptedShare),
      share_pub: hex(s.sharePubKey),
      owner: strip(owner).toLowerCase(),
    },
    signature: r.proofSignatures[i].toString('hex'),
  }));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value)}\n`, { mode: 0o644 });
}

/** Writes the ceremony folder and returns its path. */
export function writeCeremonyOutput(opts: {
  outputPath: string;
  startedAt: Date;
  results: readonly CeremonyResult[];
  owner: string;
  operators: readonly CeremonyOperator[];
  networkName: string;
  forkVersion: string;
}): string {
  const operators = [...opts.operators].sort((a, b) => a.id - b.id);
  const dir = join(opts.outputPath, ceremonyDirName(opts.startedAt));
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const deposits = [];
  const shares = [];
  const proofs = [];
  for (const r of opts.results) {
    const vdir = join(dir, `${String(r.validator.nonce).padStart(6, '0')}-0x${hex(r.validator.validatorPubKey)}`);
    mkdirSync(vdir, { mode: 0o755 });
    const deposit = depositEntry(r, opts.networkName, opts.forkVersion);
    const keyshare = keysharesEntry(r, opts.owner, operators);
    const proof = proofsEntry(r, opts.owner);
    writeJson(join(vdir, 'deposit_data.json'), [deposit]);
    writeJson(join(vdir, 'keyshares.json'), { version: KEYSHARES_VERSION, createdAt: goTimeNow(), shares: [keyshare] });
    writeJson(join(vdir, 'proofs.json'), proof);
    deposits.push(deposit);
    shares.push(keyshare);
    proofs.push(proof);
  }
  if (opts.results.length > 1) {
    writeJson(join(dir, 'deposit_data.json'), deposits);
    writeJson(join(dir, 'keyshares.json'), { version: KEYSHARES_VERSION, createdAt: goTimeNow(), shares });
    writeJson(join(dir, 'proofs.json'), proofs);
  }
  return dir;
}
