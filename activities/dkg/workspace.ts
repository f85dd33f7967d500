// A fresh working folder per `ssv-dkg init` attempt. ssv-dkg refuses every path flag that is not
// local ("wrong operatorsInfoPath flag, should be local"), so the folder holds everything init
// reads (ops.json, the operators' CA files) and gets everything it writes (output/, init.log), and
// init runs with the folder as its working directory. Only public material is written here:
// operator ids, keys and endpoints, CA certificates.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { getAddress, isAddress } from 'ethers';
import { DkgError } from './errors';

/** The networks ssv-dkg v3.1.0 knows (and the bot signs deposits for); prater is gone. */
export const DKG_NETWORKS = ['mainnet', 'holesky', 'sepolia', 'hoodi'] as const;
export type DkgNetwork = (typeof DKG_NETWORKS)[number];

/** ssv-dkg's own limit of validators per ceremony. */
export const MAX_VALIDATORS_PER_CEREMONY = 100;
const CLUSTER_SIZES = [4, 7, 10, 13];

export const OPS_FILE = 'ops.json';
export const OUTPUT_DIR = 'output';
export const LOG_FILE = 'init.log';
/** The system CAs, written for operators without a configured CA (never --tlsInsecure). */
export const SYSTEM_CA_FILE = 'system-ca.crt';

export interface WorkspaceOperator {
  id: number;
  /** base64 of the "RSA PUBLIC KEY" PEM, as the chain holds it. */
  publicKeyBase64: string;
  /** https://host:port */
  dkgEndpoint: string;
}

export interface CeremonyRequest {
  operators: readonly WorkspaceOperator[];
  /** The SSV owner: the Nexus contract. */
  owner: string;
  firstNonce: number;
  validators: number;
  /** The rollup's bridge (0x01 withdrawal credentials to it). */
  withdrawAddress: string;
  network: string;
}

export interface WorkspaceInput extends CeremonyRequest {
  /** The configured work dir; the attempt's folder is made inside it. */
  workDir: string;
  /** PEM of each operator's CA (or self-signed certificate), by operator id; absent → system CAs. */
  caPems?: Readonly<Record<number, string>>;
}

export interface Workspace {
  dir: string;
  /** Arguments after the binary: `init …`, every path relative to `dir`. */
  args: string[];
  outputDir: string;
  logFile: string;
}

/** A ceremony request the bot itself got wrong: a DkgInvocationError (a bug, never retried). */
export class DkgWorkspaceInputError extends DkgError {
  override readonly name = 'DkgWorkspaceInputError';
  readonly type = 'DkgInvocationError';
}

/** Throws DkgWorkspaceInputError naming the first bad input. */
export function validateCeremonyRequest(req: CeremonyRequest): void {
  const fail = (what: string): never => {
    throw new DkgWorkspaceInputError(`ssv-dkg init not started: ${what}`);
  };
  if (!(DKG_NETWORKS as readonly string[]).includes(req.network))
    fail(`network ${JSON.stringify(req.network)} is not one ssv-dkg knows (${DKG_NETWORKS.join(', ')})`);
  if (!Number.isInteger(req.validators) || req.validators < 1 || req.validators > MAX_VALIDATORS_PER_CEREMONY) {
    fail(`validators must be a whole number from 1 to ${MAX_VALIDATORS_PER_CEREMONY}, got ${req.validators}`);
  }
  if (!Number.isSafeInteger(req.firstNonce) || req.firstNonce < 0)
    fail(`nonce must be a whole number ≥ 0, got ${req.firstNonce}`);
  if (!isAddress(req.owner)) fail(`owner ${JSON.stringify(req.owner)} is not an address`);
  if (!isAddress(req.withdrawAddress)) fail(`withdrawAddress ${JSON.stringify(req.withdrawAddress)} is not an address`);
  const ids = req.operators.map((o) => o.id);
  if (!CLUSTER_SIZES.includes(ids.length)) fail(`a cluster has 4, 7, 10 or 13 operators, got ${ids.length}`);
  ids.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id < 1) fail(`operator id ${id} is not a positive whole number`);
    if (i > 0 && id <= ids[i - 1]) fail(`operator ids must be ascending without repeats, got ${ids.join(',')}`);
  });
  for (const op of req.operators) {
    if (!/^https:\/\/[^\s/]+$/.test(op.dkgEndpoint))
      fail(`operator ${op.id}'s endpoint ${JSON.stringify(op.dkgEndpoint)} is not https://host:port`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(op.publicKeyBase64)) fail(`operator ${op.id}'s public key is not base64`);
  }
}

/** The CA file each operator's certificate is checked with (relative names). */
export function caFileNames(ids: readonly number[], caPems: Readonly<Record<number, string>> = {}): string[] {
  const names = ids.filter((id) => caPems[id] !== undefined).map((id) => `operator-${id}.crt`);
  if (ids.some((id) => caPems[id] === undefined)) names.push(SYSTEM_CA_FILE);
  return names;
}

/** The argument list of `ssv-dkg init` for a request (all paths local to the working folder). */
export function buildInitArgs(req: CeremonyRequest, caFiles: readonly string[]): string[] {
  validateCeremonyRequest(req);
  if (caFiles.length === 0 || caFiles.some((f) => path.isAbsolute(f) || f.includes('/') || f.includes(','))) {
    throw new DkgWorkspaceInputError(
      `ssv-dkg init not started: CA files must be local file names, got ${JSON.stringify(caFiles)}`,
    );
  }
  return [
    'init',
    '--operatorIDs',
    req.operators.map((o) => o.id).join(','),
    '--operatorsInfoPath',
    OPS_FILE,
    '--owner',
    getAddress(req.owner),
    '--nonce',
    String(req.firstNonce),
    '--withdrawAddress',
    getAddress(req.withdrawAddress),
    '--network',
    req.network,
    '--validators',
    String(req.validators),
    '--outputPath',
    OUTPUT_DIR,
    '--clientCACertPath',
    caFiles.join(','),
    '--logFilePath',
    LOG_FILE,
    '--logFormat',
    'console',
    '--logLevel',
    'info',
  ];
}

/**
 * Makes a fresh folder (mode 0700) under `workDir` for one attempt and writes ops.json
 * (`[{id, public_key, ip}]`, ascending ids) and the CA files into it.
 */
export function prepareWorkspace(input: WorkspaceInput): Workspace {
  validateCeremonyRequest(input);
  const caPems = input.caPems ?? {};
  for (const [id, pem] of Object.entries(caPems)) {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem))
      throw new DkgWorkspaceInputError(`ssv-dkg init not started: the CA of operator ${id} is not a PEM certificate`);
  }
  const ids = input.operators.map((o) => o.id);
  const caFiles = caFileNames(ids, caPems);
  const args = buildInitArgs(input, caFiles);

  mkdirSync(input.workDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(path.join(input.workDir, `init-${input.firstNonce}-${input.validators}-`));
  chmodSync(dir, 0o700);
  const ops = input.operators.map((o) => ({ id: o.id, public_key: o.publicKeyBase64, ip: o.dkgEndpoint }));
  writeFileSync(path.join(dir, OPS_FILE), `${JSON.stringify(ops, null, 2)}\n`, { mode: 0o600 });
  for (const id of ids) {
    const pem = caPems[id];
    if (pem !== undefined)
      writeFileSync(path.join(dir, `operator-${id}.crt`), pem.endsWith('\n') ? pem : `${pem}\n`, { mode: 0o600 });
  }
  if (caFiles.includes(SYSTEM_CA_FILE))
    writeFileSync(path.join(dir, SYSTEM_CA_FILE), `${rootCertificates.join('\n')}\n`, { mode: 0o600 });
  return { dir, args, outputDir: path.join(dir, OUTPUT_DIR), logFile: path.join(dir, LOG_FILE) };
}
