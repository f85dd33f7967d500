// Deposit data for contract tests, built by hand from the consensus specs (phase0): SSZ hash tree
// roots of DepositMessage / DepositData / ForkData / SigningData with sha256, and a BLS signature
// from @chainsafe/bls (blst). Later code uses @lodestar/types for this; this small helper only
// serves the tests of the local deposit contract.
import { createHash, randomBytes } from 'node:crypto';

/** DOMAIN_DEPOSIT (consensus specs, phase0). */
export const DOMAIN_DEPOSIT = Buffer.from('03000000', 'hex');
/** 32 ETH in gwei, the amount of every Nexus validator deposit. */
export const DEPOSIT_AMOUNT_GWEI = 32_000_000_000n;

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Right-pads to a multiple of 32 bytes (SSZ chunking of a fixed-size byte vector). */
function chunks(bytes: Uint8Array): Buffer[] {
  const padded = Buffer.alloc(Math.ceil(bytes.length / 32) * 32);
  Buffer.from(bytes).copy(padded);
  const out: Buffer[] = [];
  for (let i = 0; i < padded.length; i += 32) out.push(padded.subarray(i, i + 32));
  return out;
}

/** Merkle root of chunks, padded with zero chunks to the next power of two. */
function merkleize(leaves: Buffer[]): Buffer {
  let width = 1;
  while (width < leaves.length) width *= 2;
  let layer = [...leaves];
  while (layer.length < width) layer.push(Buffer.alloc(32));
  while (layer.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(sha256(layer[i], layer[i + 1]));
    layer = next;
  }
  return layer[0];
}

/** hash_tree_root of a ByteVector[N]. */
function bytesRoot(bytes: Uint8Array): Buffer {
  return merkleize(chunks(bytes));
}

/** hash_tree_root of a uint64: little-endian in a 32-byte chunk. */
function uint64Root(value: bigint): Buffer {
  const chunk = Buffer.alloc(32);
  chunk.writeBigUInt64LE(value);
  return chunk;
}

function expectLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new Error(`${name} must be ${length} bytes, got ${bytes.length}`);
}

/** hash_tree_root(DepositMessage{pubkey: Bytes48, withdrawal_credentials: Bytes32, amount: uint64}). */
export function depositMessageRoot(pubkey: Uint8Array, withdrawalCredentials: Uint8Array, amountGwei: bigint): Buffer {
  expectLength('pubkey', pubkey, 48);
  expectLength('withdrawal_credentials', withdrawalCredentials, 32);
  return merkleize([bytesRoot(pubkey), bytesRoot(withdrawalCredentials), uint64Root(amountGwei)]);
}

/** hash_tree_root(DepositData{pubkey, withdrawal_credentials, amount, signature: Bytes96}): the deposit_data_root. */
export function depositDataRoot(
  pubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amountGwei: bigint,
  signature: Uint8Array,
): Buffer {
  expectLength('pubkey', pubkey, 48);
  expectLength('withdrawal_credentials', withdrawalCredentials, 32);
  expectLength('signature', signature, 96);
  return merkleize([bytesRoot(pubkey), bytesRoot(withdrawalCredentials), uint64Root(amountGwei), bytesRoot(signature)]);
}

/** compute_domain(DOMAIN_DEPOSIT, fork_version, genesis_validators_root = zero), as deposits use. */
export function depositDomain(genesisForkVersion: Uint8Array): Buffer {
  expectLength('fork version', genesisForkVersion, 4);
  // ForkData{current_version: Bytes4, genesis_validators_root: Bytes32}
  const forkDataRoot = merkleize([bytesRoot(genesisForkVersion), Buffer.alloc(32)]);
  return Buffer.concat([DOMAIN_DEPOSIT, forkDataRoot.subarray(0, 28)]);
}

/** compute_signing_root: hash_tree_root(SigningData{object_root, domain}). */
export function signingRoot(objectRoot: Uint8Array, domain: Uint8Array): Buffer {
  return merkleize([Buffer.from(objectRoot), Buffer.from(domain)]);
}

/** Withdrawal credentials 0x01 ‖ 11 zero bytes ‖ address (an execution address). */
export function executionWithdrawalCredentials(address: string): Buffer {
  const addr = Buffer.from(address.replace(/^0x/, ''), 'hex');
  expectLength('address', addr, 20);
  return Buffer.concat([Buffer.from([1]), Buffer.alloc(11), addr]);
}

export interface DepositData {
  pubkey: Buffer;
  withdrawalCredentials: Buffer;
  amountGwei: bigint;
  signature: Buffer;
  depositMessageRoot: Buffer;
  depositDataRoot: Buffer;
}

// @chainsafe/bls is ESM-only: a dynamic import (kept as import() by tsx/TypeScript) loads it once.
const importBls = () => import('@chainsafe/bls');
type Bls = Awaited<ReturnType<typeof importBls>>['default'];
let blsPromise: Promise<Bls> | undefined;

export function loadBls(): Promise<Bls> {
  blsPromise ??= importBls().then((m) => m.default);
  return blsPromise;
}

/**
 * Signed deposit data for a fresh random BLS key: the DepositMessage is signed with the deposit
 * domain of `genesisForkVersion` (default 0x00000000, mainnet's).
 */
export async function makeDepositData(opts: {
  withdrawalCredentials: Uint8Array;
  amountGwei?: bigint;
  genesisForkVersion?: Uint8Array;
}): Promise<DepositData> {
  const bls = await loadBls();
  const sk = bls.SecretKey.fromBytes(randomSecretKeyBytes());
  const pubkey = Buffer.from(sk.toPublicKey().toBytes());
  const amountGwei = opts.amountGwei ?? DEPOSIT_AMOUNT_GWEI;
  const withdrawalCredentials = Buffer.from(opts.withdrawalCredentials);
  const messageRoot = depositMessageRoot(pubkey, withdrawalCredentials, amountGwei);
  const domain = depositDomain(opts.genesisForkVersion ?? Buffer.alloc(4));
  const signature = Buffer.from(sk.sign(signingRoot(messageRoot, domain)).toBytes());
  return {
    pubkey,
    withdrawalCredentials,
    amountGwei,
    signature,
    depositMessageRoot: messageRoot,
    depositDataRoot: depositDataRoot(pubkey, withdrawalCredentials, amountGwei, signature),
  };
}

/** 32 random bytes below the BLS12-381 group order (the top byte is kept small). */
function randomSecretKeyBytes(): Buffer {
  const bytes = randomBytes(32);
  bytes[0] &= 0x3f;
  if (bytes.every((b) => b === 0)) bytes[31] = 1;
  return bytes;
}
