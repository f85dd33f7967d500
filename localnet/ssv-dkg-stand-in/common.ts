// Shared bits of the ssv-dkg stand-in: the version string, Go's filepath.IsLocal, the networks
// ssv-dkg knows (eth2-key-manager core.Network: name → GENESIS_FORK_VERSION), and the JSON
// messages the stand-in's initiator and operators exchange on POST /init (the stand-in's own
// protocol; only GET /health_check follows the real wire format, see activities/dkg/wire.ts).
import { isAbsolute, normalize, sep } from 'node:path';

export const REAL_VERSION = 'v3.1.0-653210c';

/** The version this binary reports and signs with; SSV_DKG_STAND_IN_VERSION overrides it. */
export function standInVersion(): string {
  const v = process.env.SSV_DKG_STAND_IN_VERSION;
  return v !== undefined && v !== '' ? v : REAL_VERSION;
}

/** Go filepath.IsLocal: non-empty, relative, and not escaping the current folder once cleaned. */
export function isLocalPath(p: string): boolean {
  if (p === '' || isAbsolute(p)) return false;
  const clean = normalize(p);
  return clean !== '..' && !clean.startsWith(`..${sep}`);
}

/** The error the real binary gives for a non-local path flag. */
export function notLocalError(flagName: string): Error {
  return new Error(`😥 wrong ${flagName} flag, should be local`);
}

export const NETWORKS: Readonly<Record<string, string>> = {
  mainnet: '00000000',
  prater: '00001020',
  holesky: '01017000',
  sepolia: '90000069',
  hoodi: '10000910',
};

/** Operator entry as the initiator sends it to every operator. */
export interface InitOperator {
  id: number;
  /** base64 "RSA PUBLIC KEY" PEM, as in ops.json */
  publicKey: string;
}

/** One validator's part for one operator. */
export interface InitShare {
  nonce: number;
  validatorPubKey: string;
  sharePubKey: string;
  encryptedShare: string;
}

/** Body of POST /init (JSON, hex without 0x). */
export interface InitRequest {
  identifier: string;
  version: string;
  operators: InitOperator[];
  threshold: number;
  /** EIP-55 */
  owner: string;
  withdrawalCredentials: string;
  fork: string;
  amount: string;
  shares: InitShare[];
}

/** 200 answer to POST /init: one RSA-PSS proof signature per share, in request order. */
export interface InitResponse {
  operatorId: number;
  signatures: string[];
}

/** Non-200 answer (the operator's error text). */
export interface ErrorResponse {
  error: string;
}
