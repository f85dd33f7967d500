// Validation of `ssv-dkg init` flags in the real binary's order and words (cli/flags: BindBaseFlags,
// BindInitiatorBaseFlags, BindInitFlags), and the operators info (ops.json) it reads.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { getAddress } from 'ethers';
import { decodeOperatorPublicKey } from '../operator-identity';
import { isLocalPath, NETWORKS, notLocalError } from './common';
import type { FlagReader } from './flags';

export interface InitSettings {
  operatorIds: number[];
  operatorsInfoPath: string;
  operatorsInfo: string;
  owner: string;
  nonce: number;
  amount: bigint;
  withdrawAddress: string;
  network: string;
  forkVersion: string;
  validators: number;
  outputPath: string;
  caPaths: string[];
  tlsInsecure: boolean;
  /** --compounding: 0x02 withdrawal credentials instead of 0x01 */
  compounding: boolean;
}

const MIN_AMOUNT = 32_000_000_000n;
const MAX_AMOUNT = 2_048_000_000_000n;

/** go-ethereum common.IsHexAddress, then the EIP-55 form. */
function hexToAddress(value: string): string {
  const hex = value.replace(/^0[xX]/, '');
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new Error(`not valid ETH address: ${value}`);
  return getAddress(`0x${hex.toLowerCase()}`);
}

function baseChecks(f: FlagReader): void {
  if (f.isSet('configPath') && f.str('configPath') !== '') {
    if (!isLocalPath(f.str('configPath'))) throw notLocalError('configPath');
    throw new Error('😥 --configPath is not supported by the ssv-dkg stand-in');
  }
  if (!isLocalPath(f.str('outputPath'))) throw notLocalError('OutputPath');
  if (!isLocalPath(f.str('logFilePath'))) throw notLocalError('logFilePath');
}

/** Throws the first error the real binary would give, or returns the settings. */
export function initSettings(f: FlagReader): InitSettings {
  baseChecks(f);
  const idStrings = f.strs('operatorIDs');
  if (idStrings.length === 0) throw new Error('😥 Operator IDs flag cant be empty');
  const operatorsInfoPath = f.str('operatorsInfoPath');
  const operatorsInfo = f.str('operatorsInfo');
  if (operatorsInfoPath !== '' && operatorsInfo !== '')
    throw new Error('😥 operators info can be provided either as a raw JSON string, or path to a file, not both');
  if (operatorsInfoPath === '' && operatorsInfo === '')
    throw new Error('😥 operators info should be provided either as a raw JSON string, or path to a file');
  if (operatorsInfoPath !== '' && !isLocalPath(operatorsInfoPath)) throw notLocalError('operatorsInfoPath');
  if (f.str('owner') === '') throw new Error('😥 Failed to get owner address flag value');
  const amount = f.uint('amount');
  if (amount < MIN_AMOUNT || amount > MAX_AMOUNT)
    throw new Error('🚨 Amount should be in range between 32 ETH and 2048 ETH');
  let owner: string;
  try {
    owner = hexToAddress(f.str('owner'));
  } catch (err) {
    throw new Error(`😥 Failed to parse owner address: ${(err as Error).message}`, { cause: err });
  }
  const tlsInsecure = f.bool('tlsInsecure');
  const caPaths = tlsInsecure ? [] : f.strs('clientCACertPath');
  for (const p of caPaths) if (!isLocalPath(p)) throw notLocalError('clientCACertPath');
  if (f.str('withdrawAddress') === '') throw new Error('😥 Failed to get withdrawal address flag value');
  let withdrawAddress: string;
  try {
    withdrawAddress = hexToAddress(f.str('withdrawAddress'));
  } catch (err) {
    throw new Error(`😥 Failed to parse withdraw address: ${(err as Error).message}`, { cause: err });
  }
  const network = f.str('network');
  if (network === '') throw new Error('😥 Failed to get fork version flag value');
  const forkVersion = NETWORKS[network];
  if (forkVersion === undefined) throw new Error(`😥 Failed to get network: unknown network ${network}`);
  const validators = f.uint('validators');
  if (validators > 100n || validators === 0n) throw new Error('🚨 Amount of generated validators should be 1 to 100');
  const operatorIds = idStrings.map((s) => {
    if (!/^\d+$/.test(s))
      throw new Error(
        `😥 Failed to load participants: strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`,
      );
    return Number(s);
  });
  return {
    operatorIds,
    operatorsInfoPath,
    operatorsInfo,
    owner,
    withdrawAddress,
    network,
    forkVersion,
    tlsInsecure,
    caPaths,
    compounding: f.bool('compounding'),
    nonce: Number(f.uint('nonce')),
    amount,
    validators: Number(validators),
    outputPath: f.str('outputPath'),
  };
}

export interface OperatorInfo {
  id: number;
  publicKeyBase64: string;
  publicKey: KeyObject;
  /** https://host:port, without trailing slash */
  ip: string;
}

/** Parses ops.json (`[{id, public_key, ip}]`). */
export function parseOperatorsInfo(text: string): OperatorInfo[] {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw new Error('operators info is not a JSON array');
  return raw.map((entry: { id?: unknown; public_key?: unknown; ip?: unknown }) => {
    if (typeof entry.id !== 'number' || typeof entry.public_key !== 'string' || typeof entry.ip !== 'string') {
      throw new Error(`malformed operator entry: ${JSON.stringify(entry)}`);
    }
    return {
      id: entry.id,
      publicKeyBase64: entry.public_key,
      publicKey: decodeOperatorPublicKey(entry.public_key),
      ip: entry.ip.replace(/\/+$/, ''),
    };
  });
}

export function readOperatorsInfo(s: InitSettings): OperatorInfo[] {
  return parseOperatorsInfo(s.operatorsInfoPath !== '' ? readFileSync(s.operatorsInfoPath, 'utf8') : s.operatorsInfo);
}

/** initiator.ValidatedOperatorData: 4/7/10/13 ids, none zero, all listed, unique; ascending. */
export function validatedOperators(ids: readonly number[], info: readonly OperatorInfo[]): OperatorInfo[] {
  if (![4, 7, 10, 13].includes(ids.length))
    throw new Error(`amount of operators should be 4,7,10,13: got ${ids.length}`);
  const seen = new Set<number>();
  const ops = ids.map((id) => {
    if (id === 0) throw new Error('operator ID cannot be 0');
    const op = info.find((o) => o.id === id);
    if (!op) throw new Error('operator is not in given operator data list');
    if (seen.has(id)) throw new Error('operators ids should be unique in the list');
    seen.add(id);
    return op;
  });
  return ops.sort((a, b) => a.id - b.id);
}
