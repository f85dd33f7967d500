// Deposit data (consensus specs phase0): DepositMessage signed with DOMAIN_DEPOSIT, whose fork
// data uses the network's GENESIS_FORK_VERSION and a zero genesis validators root (deposits must
// be valid before genesis and across forks), and deposit_data_root = hash_tree_root(DepositData),
// which the deposit contract recomputes. SSZ and signing roots come from @lodestar/*, BLS from
// @chainsafe/bls: nothing here is hand-written crypto.
import { getAddress } from 'ethers';
import {
  loadBls,
  loadLodestarNetworks,
  loadLodestarParams,
  loadLodestarStateTransition,
  loadLodestarTypes,
} from '../esm/loaders';
import { DepositDataInvalidError, type DepositDataProblem } from './errors';

/** Networks the bot (and ssv-dkg) can deposit on. */
export const DEPOSIT_NETWORKS = ['mainnet', 'holesky', 'sepolia', 'hoodi'] as const;
export type DepositNetwork = (typeof DEPOSIT_NETWORKS)[number];

/**
 * Holesky's GENESIS_FORK_VERSION (its published config.yaml). @lodestar/config 1.46 no longer ships
 * holesky (deprecated network), so this one value cannot come from the library; ssv-dkg still
 * accepts `--network holesky`.
 */
const HOLESKY_GENESIS_FORK_VERSION = '0x01017000';

/** 32 ETH in gwei: every Nexus validator deposit. */
export const VALIDATOR_DEPOSIT_GWEI = 32_000_000_000n;

/** Deposit data as the bot passes it around: 0x-hex strings, amount as a decimal string (uint64). */
export interface DepositData {
  pubkey: string;
  withdrawalCredentials: string;
  amountGwei: string;
  signature: string;
  depositMessageRoot: string;
  depositDataRoot: string;
}

/**
 * One entry of a deposit_data.json as staking-deposit-cli and ssv-dkg write it: snake_case, hex
 * usually without 0x, amount a JSON number.
 */
export interface DepositCliEntry {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number | string;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version?: string;
  network_name?: string;
  deposit_cli_version?: string;
}

export type Hexish = string | Uint8Array;

/** GENESIS_FORK_VERSION of a network, from @lodestar/config's chain configs (holesky excepted). */
export async function genesisForkVersionOf(network: DepositNetwork): Promise<Uint8Array> {
  if (network === 'holesky') return hexToBytes(HOLESKY_GENESIS_FORK_VERSION, 4, 'fork version');
  const { networksChainConfig } = await loadLodestarNetworks();
  const config = networksChainConfig[network];
  if (!config) throw new Error(`@lodestar/config has no chain config for network ${network}`);
  return Uint8Array.from(config.GENESIS_FORK_VERSION);
}

/** Withdrawal credentials that pay to an execution address: 0x01 ‖ 11 zero bytes ‖ address. */
export function withdrawalCredentialsFor(bridge: string): string {
  // getAddress validates the address (and its checksum when mixed case).
  return `0x01${'00'.repeat(11)}${getAddress(bridge).slice(2).toLowerCase()}`;
}

/** compute_domain(DOMAIN_DEPOSIT, genesisForkVersion, ZERO_HASH). */
export async function depositDomain(genesisForkVersion: Hexish): Promise<Uint8Array> {
  const [{ computeDomain }, { DOMAIN_DEPOSIT, ZERO_HASH }] = await Promise.all([
    loadLodestarStateTransition(),
    loadLodestarParams(),
  ]);
  return computeDomain(DOMAIN_DEPOSIT, toBytes(genesisForkVersion, 4, 'genesis fork version'), ZERO_HASH);
}

/** Signs a DepositMessage with `secretKey` and returns the full deposit data with both roots. */
export async function signDepositData(opts: {
  secretKey: Uint8Array;
  withdrawalCredentials: Hexish;
  amountGwei: bigint | number | string;
  genesisForkVersion: Hexish;
}): Promise<DepositData> {
  const [bls, { ssz }, { computeSigningRoot }] = await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarStateTransition(),
  ]);
  const sk = bls.SecretKey.fromBytes(opts.secretKey);
  const message = {
    pubkey: sk.toPublicKey().toBytes(),
    withdrawalCredentials: toBytes(opts.withdrawalCredentials, 32, 'withdrawal credentials'),
    amount: toGweiNumber(opts.amountGwei),
  };
  const domain = await depositDomain(opts.genesisForkVersion);
  const signature = sk.sign(computeSigningRoot(ssz.phase0.DepositMessage, message, domain)).toBytes();
  return {
    pubkey: bytesToHex(message.pubkey),
    withdrawalCredentials: bytesToHex(message.withdrawalCredentials),
    amountGwei: String(message.amount),
    signature: bytesToHex(signature),
    depositMessageRoot: bytesToHex(ssz.phase0.DepositMessage.hashTreeRoot(message)),
    depositDataRoot: bytesToHex(ssz.phase0.DepositData.hashTreeRoot({ ...message, signature })),
  };
}

/** A deposit_data.json entry (staking-deposit-cli / ssv-dkg) in the bot's 0x-hex form. */
export function depositDataFromCli(entry: DepositCliEntry): DepositData {
  return {
    pubkey: normalizeHex(entry.pubkey),
    withdrawalCredentials: normalizeHex(entry.withdrawal_credentials),
    amountGwei: String(entry.amount),
    signature: normalizeHex(entry.signature),
    depositMessageRoot: normalizeHex(entry.deposit_message_root),
    depositDataRoot: normalizeHex(entry.deposit_data_root),
  };
}

/**
 * Checks deposit data completely: expected credentials and amount, both roots recomputed, and the
 * BLS signature against the pubkey under the deposit domain. Accepts the bot's form and
 * deposit_data.json entries, hex with or without 0x. Returns the data in 0x-hex form; throws
 * DepositDataInvalidError listing every problem found.
 */
export async function verifyDepositData(
  data: DepositData | DepositCliEntry,
  expected: {
    genesisForkVersion: Hexish;
    expectedWithdrawalCredentials: Hexish;
    expectedAmountGwei: bigint | number | string;
  },
): Promise<DepositData> {
  const [bls, { ssz }, { computeSigningRoot }] = await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarStateTransition(),
  ]);
  const normalized = 'withdrawal_credentials' in data ? depositDataFromCli(data) : normalizeDepositData(data);
  const problems: DepositDataProblem[] = [];
  const malformed = (message: string) => problems.push({ code: 'malformed', message });

  // Parse every field; a malformed field makes the remaining checks meaningless.
  const pubkey = tryHex(normalized.pubkey, 48, 'pubkey', malformed);
  const withdrawalCredentials = tryHex(normalized.withdrawalCredentials, 32, 'withdrawal credentials', malformed);
  const signature = tryHex(normalized.signature, 96, 'signature', malformed);
  const messageRoot = tryHex(normalized.depositMessageRoot, 32, 'deposit message root', malformed);
  const dataRoot = tryHex(normalized.depositDataRoot, 32, 'deposit data root', malformed);
  let amount: number | undefined;
  try {
    amount = toGweiNumber(normalized.amountGwei);
  } catch (err) {
    malformed((err as Error).message);
  }
  const forkVersion = toBytes(expected.genesisForkVersion, 4, 'genesis fork version');
  if ('fork_version' in data && data.fork_version !== undefined) {
    const declared = tryHex(data.fork_version, 4, 'fork_version', malformed);
    if (declared && !equalBytes(declared, forkVersion)) {
      problems.push({
        code: 'fork_version_mismatch',
        message: `fork_version is ${bytesToHex(declared)}, expected ${bytesToHex(forkVersion)}`,
      });
    }
  }
  if (!pubkey || !withdrawalCredentials || !signature || !messageRoot || !dataRoot || amount === undefined) {
    throw new DepositDataInvalidError(normalized.pubkey, problems);
  }

  const wantCredentials = toBytes(expected.expectedWithdrawalCredentials, 32, 'expected withdrawal credentials');
  if (!equalBytes(withdrawalCredentials, wantCredentials)) {
    problems.push({
      code: 'withdrawal_credentials_mismatch',
      message: `withdrawal credentials are ${bytesToHex(withdrawalCredentials)}, expected ${bytesToHex(wantCredentials)}`,
    });
  }
  const wantAmount = toGweiNumber(expected.expectedAmountGwei);
  if (amount !== wantAmount) {
    problems.push({ code: 'amount_mismatch', message: `amount is ${amount} gwei, expected ${wantAmount} gwei` });
  }

  const message = { pubkey, withdrawalCredentials, amount };
  const computedMessageRoot = ssz.phase0.DepositMessage.hashTreeRoot(message);
  if (!equalBytes(computedMessageRoot, messageRoot)) {
    problems.push({
      code: 'deposit_message_root_mismatch',
      message: `deposit message root is ${bytesToHex(messageRoot)}, but the fields hash to ${bytesToHex(computedMessageRoot)}`,
    });
  }
  const computedDataRoot = ssz.phase0.DepositData.hashTreeRoot({ ...message, signature });
  if (!equalBytes(computedDataRoot, dataRoot)) {
    problems.push({
      code: 'deposit_data_root_mismatch',
      message: `deposit data root is ${bytesToHex(dataRoot)}, but the fields hash to ${bytesToHex(computedDataRoot)}`,
    });
  }

  // Validating deserialization rejects the point at infinity and points outside the subgroup.
  let pk: ReturnType<typeof bls.PublicKey.fromBytes> | undefined;
  try {
    pk = bls.PublicKey.fromBytes(pubkey, undefined, true);
  } catch {
    problems.push({ code: 'pubkey_invalid', message: 'pubkey is not a valid BLS12-381 G1 point' });
  }
  if (pk) {
    const signingRoot = computeSigningRoot(ssz.phase0.DepositMessage, message, await depositDomain(forkVersion));
    let valid: boolean;
    try {
      valid = bls.Signature.fromBytes(signature, undefined, true).verify(pk, signingRoot);
    } catch {
      valid = false; // not a valid G2 point: as wrong as a wrong signature
    }
    if (!valid) {
      problems.push({
        code: 'signature_invalid',
        message: `signature does not verify for the pubkey under the deposit domain of fork ${bytesToHex(forkVersion)}`,
      });
    }
  }

  if (problems.length > 0) throw new DepositDataInvalidError(normalized.pubkey, problems);
  return normalized;
}

function normalizeDepositData(d: DepositData): DepositData {
  return {
    pubkey: normalizeHex(d.pubkey),
    withdrawalCredentials: normalizeHex(d.withdrawalCredentials),
    amountGwei: String(d.amountGwei),
    signature: normalizeHex(d.signature),
    depositMessageRoot: normalizeHex(d.depositMessageRoot),
    depositDataRoot: normalizeHex(d.depositDataRoot),
  };
}

/** Lower-case 0x-hex; input with or without 0x. Non-strings are returned as-is for parsing to reject. */
function normalizeHex(value: string): string {
  if (typeof value !== 'string') return value;
  return `0x${value.replace(/^0x/i, '').toLowerCase()}`;
}

function tryHex(
  value: unknown,
  length: number,
  field: string,
  onError: (message: string) => void,
): Uint8Array | undefined {
  try {
    if (typeof value !== 'string') throw new Error(`${field} must be a hex string`);
    return hexToBytes(value, length, field);
  } catch (err) {
    onError((err as Error).message);
    return undefined;
  }
}

function hexToBytes(value: string, length: number, field: string): Uint8Array {
  const hex = value.replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== length * 2) {
    throw new Error(`${field} must be ${length} bytes of hex, got ${JSON.stringify(value.slice(0, 2 * length + 4))}`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function toBytes(value: Hexish, length: number, field: string): Uint8Array {
  if (typeof value === 'string') return hexToBytes(value, length, field);
  if (value.length !== length) throw new Error(`${field} must be ${length} bytes, got ${value.length}`);
  return Uint8Array.from(value);
}

/** Gwei as a JS number (lodestar's UintNum64): exact, since real deposits are far below 2^53. */
function toGweiNumber(value: bigint | number | string): number {
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    throw new Error(`amount must be an integer number of gwei, got ${JSON.stringify(String(value))}`);
  }
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount ${n} gwei is out of range`);
  return Number(n);
}

function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
