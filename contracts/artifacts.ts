// Compiled local-network contracts as ethers v6 objects: loadArtifact() builds contracts/out first
// when it is missing or stale, then reads <Name>.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { buildContracts, contractsUpToDate, CONTRACTS_OUT_DIR, type Artifact } from './build';
import { linkAddresses } from './link';

/** The deployable contracts of contracts/src. */
export type ContractName =
  | 'NexusV2024_03'
  | 'NexusV2024_06'
  | 'NexusProxy'
  | 'NodeOperator'
  | 'BridgeContractDAOV2024_03'
  | 'BridgeContractDAOV2024_06'
  | 'BridgeContractCValueV2024_03'
  | 'BridgeContractCValueV2024_06'
  | 'BridgeContractRebaseV2024_03'
  | 'BridgeContractRebaseV2024_06'
  | 'SSVNetwork'
  | 'SSVNetworkViews'
  | 'SSVToken'
  | 'DepositContract';

/** Abstract contracts whose ABI is useful at a deployed address (every bridge kind has NexusBaseBridge's). */
export type AbiOnlyName =
  'NexusBase' | 'NexusBaseBridge' | 'NexusBridgeDAO' | 'NexusBridgeUserCValue' | 'NexusBridgeUserRebase';

/** Every deployable contract (for decoding errors and events that bubble up). */
export const CONTRACT_NAMES: readonly ContractName[] = [
  'NexusV2024_03',
  'NexusV2024_06',
  'NexusProxy',
  'NodeOperator',
  'BridgeContractDAOV2024_03',
  'BridgeContractDAOV2024_06',
  'BridgeContractCValueV2024_03',
  'BridgeContractCValueV2024_06',
  'BridgeContractRebaseV2024_03',
  'BridgeContractRebaseV2024_06',
  'SSVNetwork',
  'SSVNetworkViews',
  'SSVToken',
  'DepositContract',
];

let ready: Promise<void> | undefined;

/** Builds once per process (and only if contracts/out does not match the sources). */
function ensureBuilt(): Promise<void> {
  ready ??= contractsUpToDate() ? Promise.resolve() : buildContracts();
  // A failed build is not cached: the next call tries again (e.g. after a source fix).
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

const cache = new Map<string, Artifact>();

/** {abi, bytecode} of a compiled contract (also interfaces such as 'ISSVNetwork', with bytecode "0x"). */
export async function loadArtifact(name: ContractName | (string & {})): Promise<Artifact> {
  await ensureBuilt();
  let artifact = cache.get(name);
  if (!artifact) {
    const path = join(CONTRACTS_OUT_DIR, `${name}.json`);
    try {
      artifact = JSON.parse(readFileSync(path, 'utf8')) as Artifact;
    } catch (err) {
      throw new Error(`no compiled contract named ${name} (${path})`, { cause: err });
    }
    cache.set(name, artifact);
  }
  return artifact;
}

/** The ABI of a contract as an ethers Interface (for decoding logs and custom errors). */
export async function contractInterface(name: ContractName | (string & {})): Promise<ethers.Interface> {
  return new ethers.Interface((await loadArtifact(name)).abi as ethers.InterfaceAbi);
}

/** A ContractFactory for a deployable contract, connected to `signer`. */
export async function contractFactory(name: ContractName, signer?: ethers.Signer): Promise<ethers.ContractFactory> {
  const { abi, bytecode } = await loadArtifact(name);
  if (bytecode === '0x') throw new Error(`${name} is not deployable (no bytecode)`);
  return new ethers.ContractFactory(abi as ethers.InterfaceAbi, bytecode, signer);
}

/** An ethers Contract for an already deployed contract. */
export async function contractAt(
  name: ContractName | AbiOnlyName,
  address: string,
  runner?: ethers.ContractRunner | null,
): Promise<ethers.Contract> {
  return new ethers.Contract(address, (await loadArtifact(name)).abi as ethers.InterfaceAbi, runner);
}

/**
 * The signer's next nonce, read past ethers' request cache: an ethers provider caches identical
 * requests for `cacheTimeout` (250 ms by default), so back-to-back transactions on anvil would
 * otherwise reuse a nonce. Every transaction here is awaited before the next, so "pending" is exact.
 */
export async function freshNonce(signer: ethers.Signer): Promise<number> {
  const provider = signer.provider;
  if (provider instanceof ethers.JsonRpcApiProvider) {
    return Number(await provider.send('eth_getTransactionCount', [await signer.getAddress(), 'pending']));
  }
  return signer.getNonce('pending');
}

/** Deploys `name` with constructor `args`, waits for the receipt, and returns it connected to `signer`. */
export async function deployContract(
  name: ContractName,
  signer: ethers.Signer,
  ...args: unknown[]
): Promise<ethers.Contract> {
  return deployLinked(name, signer, {}, ...args);
}

/**
 * Like deployContract, with address constants linked first: each key of `links` is a sentinel
 * address compiled into the contract, replaced by its value in the creation bytecode (linkAddresses).
 */
export async function deployLinked(
  name: ContractName,
  signer: ethers.Signer,
  links: Readonly<Record<string, string>>,
  ...args: unknown[]
): Promise<ethers.Contract> {
  const { abi, bytecode } = await loadArtifact(name);
  if (bytecode === '0x') throw new Error(`${name} is not deployable (no bytecode)`);
  const factory = new ethers.ContractFactory(abi as ethers.InterfaceAbi, linkAddresses(name, bytecode, links), signer);
  const deployed = await factory.deploy(...args, { nonce: await freshNonce(signer) });
  const receipt = await deployed.deploymentTransaction()?.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`deploying ${name} failed`);
  return new ethers.Contract(await deployed.getAddress(), factory.interface, signer);
}

/** One Interface with the errors and events of every deployable contract, for decoding reverts that bubble up. */
export async function allContractsInterface(): Promise<ethers.Interface> {
  const names = CONTRACT_NAMES;
  const seen = new Set<string>();
  const fragments: ethers.Fragment[] = [];
  for (const name of names) {
    for (const f of (await contractInterface(name)).fragments) {
      if (f.type !== 'error' && f.type !== 'event') continue;
      const key = f.format('sighash');
      if (seen.has(key)) continue;
      seen.add(key);
      fragments.push(f);
    }
  }
  return new ethers.Interface(fragments);
}
