// Deploys the local Nexus system (Nexus of either public version and NodeOperator behind proxies,
// SSVNetwork with SSVNetworkViews, SSV token, deposit contract) and sets up rollups (each with its
// own bridge of a chosen kind), SSV operators and clusters on it. Used by the launcher and tests.
//
// Network addresses are constants, as in the public contracts: SSVNetwork and the SSV token in
// Nexus, the deposit contract in the bridges. The sources hold sentinel addresses, and this file
// writes the local deployments' addresses into the creation bytecode before deploying (like
// library linking; contracts/link.ts checks that each sentinel occurs exactly once and fails
// otherwise). So several systems can share one chain and the deposit contract may be anywhere.
//
// Nexus and NodeOperator are UUPS-style proxies (NexusProxy) like the public ones; the deployer
// calls initialize() through the proxy and so owns both. The bot is set with setOffChainBot.
import { ethers } from 'ethers';
import { contractAt, deployContract, deployLinked, freshNonce, loadArtifact, type ContractName } from './artifacts';
import { ADDRESS_SENTINELS } from './link';

export type NexusVersion = 'v2024-03' | 'v2024-06';
export type BridgeKind = 'DAO' | 'CValue' | 'Rebase';

export const NEXUS_VERSIONS: readonly NexusVersion[] = ['v2024-03', 'v2024-06'];
export const BRIDGE_KINDS: readonly BridgeKind[] = ['DAO', 'CValue', 'Rebase'];

const VERSION_SUFFIX: Record<NexusVersion, string> = { 'v2024-03': 'V2024_03', 'v2024-06': 'V2024_06' };

/** The compiled contract of a Nexus version. */
export function nexusContractName(version: NexusVersion): ContractName {
  return `Nexus${VERSION_SUFFIX[version]}` as ContractName;
}

/** The deployable example bridge of a kind and version (public BridgeContractDAO's pattern). */
export function bridgeContractName(kind: BridgeKind, version: NexusVersion): ContractName {
  return `BridgeContract${kind}${VERSION_SUFFIX[version]}` as ContractName;
}

export interface NexusSystemAddresses {
  nexus: string;
  nodeOperator: string;
  ssvNetwork: string;
  ssvNetworkViews: string;
  ssvToken: string;
  depositContract: string;
}

export type NexusSystemContracts = Record<keyof NexusSystemAddresses, ethers.Contract>;

export interface NexusSystem {
  addresses: NexusSystemAddresses;
  /** Connected to the deployer (the owner of every contract). */
  contracts: NexusSystemContracts;
  deployer: ethers.Signer;
  nexusVersion: NexusVersion;
}

/** SSVNetwork v1.2.0 parameters (SSV wei, each divisible by 1e7, as v1.2.0 stores them shrunk). */
export interface SsvParameters {
  /** Network fee per validator per block. */
  networkFeeWei?: bigint;
  /** Minimum cluster balance; below it a cluster with validators is liquidatable. */
  minimumLiquidationCollateralWei?: bigint;
  /** Blocks of fees a cluster must hold (the real DAO keeps it >= 100800). */
  liquidationThresholdPeriodBlocks?: bigint;
}

/** Mainnet-like: about 1 SSV per validator per year (2.6 M blocks) for the network and per operator. */
export const DEFAULT_SSV_PARAMETERS: Required<SsvParameters> = {
  networkFeeWei: 382_640_000_000n,
  minimumLiquidationCollateralWei: ethers.parseEther('1'),
  liquidationThresholdPeriodBlocks: 100_800n,
};
export const DEFAULT_OPERATOR_FEE_WEI = 382_640_000_000n;
export const DEFAULT_NEXUS_SSV_BALANCE = ethers.parseEther('1000000');
/** A fee the bridges accept (625 < fee <= 1000 basis points). */
export const DEFAULT_NEXUS_FEE = 700;

export interface DeployNexusSystemOptions {
  /** Address of the bot's account: the only sender allowed to call Nexus' bot functions. */
  bot: string;
  /** Which public Nexus to mirror; default 'v2024-06'. */
  nexusVersion?: NexusVersion;
  /** SSV tokens (wei) minted to Nexus, which pays SSV cluster balances. Default 1,000,000 SSV. */
  nexusSsvBalance?: bigint;
  /** An existing deposit contract (e.g. one at the mainnet address for a beacon node); else a new one. */
  depositContract?: string;
  ssv?: SsvParameters;
}

function signerOf(contract: ethers.Contract): ethers.Signer {
  const runner = contract.runner as ethers.Signer | null;
  if (!runner || typeof runner.sendTransaction !== 'function') throw new Error('contract is not connected to a signer');
  return runner;
}

/** Sends a contract call and waits for its receipt; a reverted transaction throws. */
async function send(contract: ethers.Contract, method: string, ...args: unknown[]): Promise<ethers.TransactionReceipt> {
  return sendWith(contract, method, {}, ...args);
}

/** send() with overrides such as { value }. */
async function sendWith(
  contract: ethers.Contract,
  method: string,
  overrides: ethers.Overrides & { value?: bigint },
  ...args: unknown[]
): Promise<ethers.TransactionReceipt> {
  const nonce = await freshNonce(signerOf(contract));
  const tx = (await contract
    .getFunction(method)
    .send(...args, { ...overrides, nonce })) as ethers.ContractTransactionResponse;
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`${method}: no receipt for ${tx.hash}`);
  return receipt;
}

/** Deploys `implementation` behind a NexusProxy, initialize()d by `deployer`; returns it at the proxy. */
async function deployBehindProxy(
  implementation: ethers.Contract,
  name: ContractName,
  deployer: ethers.Signer,
): Promise<ethers.Contract> {
  const init = implementation.interface.encodeFunctionData('initialize');
  const proxy = await deployContract('NexusProxy', deployer, await implementation.getAddress(), init);
  return contractAt(name, await proxy.getAddress(), deployer);
}

/** Deploys the whole local system with `deployer` as owner and sets the bot. */
export async function deployNexusSystem(deployer: ethers.Signer, opts: DeployNexusSystemOptions): Promise<NexusSystem> {
  const nexusVersion = opts.nexusVersion ?? 'v2024-06';
  const ssv = { ...DEFAULT_SSV_PARAMETERS, ...opts.ssv };
  const depositContract = opts.depositContract
    ? await contractAt('DepositContract', opts.depositContract, deployer)
    : await deployContract('DepositContract', deployer);
  const ssvToken = await deployContract('SSVToken', deployer);
  const ssvNetwork = await deployContract(
    'SSVNetwork',
    deployer,
    await ssvToken.getAddress(),
    ssv.networkFeeWei,
    ssv.minimumLiquidationCollateralWei,
    ssv.liquidationThresholdPeriodBlocks,
  );
  const ssvNetworkViews = await deployContract('SSVNetworkViews', deployer, await ssvNetwork.getAddress());
  const nodeOperator = await deployBehindProxy(
    await deployContract('NodeOperator', deployer),
    'NodeOperator',
    deployer,
  );
  const nexusName = nexusContractName(nexusVersion);
  const nexusImplementation = await deployLinked(nexusName, deployer, {
    [ADDRESS_SENTINELS.ssvNetwork]: await ssvNetwork.getAddress(),
    [ADDRESS_SENTINELS.ssvToken]: await ssvToken.getAddress(),
  });
  const nexus = await deployBehindProxy(nexusImplementation, nexusName, deployer);
  await send(nexus, 'setNodeOperatorContract', await nodeOperator.getAddress());
  await send(nexus, 'setOffChainBot', opts.bot);
  await send(ssvToken, 'mint', await nexus.getAddress(), opts.nexusSsvBalance ?? DEFAULT_NEXUS_SSV_BALANCE);

  const contracts: NexusSystemContracts = {
    nexus,
    nodeOperator,
    ssvNetwork,
    ssvNetworkViews,
    ssvToken,
    depositContract,
  };
  const entries = await Promise.all(
    Object.entries(contracts).map(async ([k, c]) => [k, await c.getAddress()] as const),
  );
  const addresses = Object.fromEntries(entries) as unknown as NexusSystemAddresses;
  return { addresses, contracts, deployer, nexusVersion };
}

export interface RegisterRollupOptions {
  /** The rollup's admin account: it deploys the bridge (and is its DAO) and registers it. */
  rollupAdmin: ethers.Signer;
  /** Name in the whitelist event. */
  name: string;
  /** NodeOperator cluster id (must exist, see addCluster). */
  operatorCluster: bigint | number;
  /** Basis points, 0..10000. */
  stakingLimit: number;
  /** Basis points; the bridge accepts 625 < fee <= 1000. Default DEFAULT_NEXUS_FEE (700). */
  nexusFee?: number | bigint;
  /** ETH (wei) deposited by the admin through the bridge's depositFunds() (principal); default none. */
  funding?: bigint;
  /** Default 'DAO'. */
  bridgeKind?: BridgeKind;
}

export interface RegisteredRollup {
  rollupAdmin: string;
  bridgeAddress: string;
  /** The example bridge of the kind and the system's version, connected to the rollup admin. */
  bridge: ethers.Contract;
  bridgeKind: BridgeKind;
}

/** Deploys the rollup's bridge, whitelists and registers the rollup, and funds the bridge. */
export async function registerRollup(system: NexusSystem, opts: RegisterRollupOptions): Promise<RegisteredRollup> {
  const bridgeKind = opts.bridgeKind ?? 'DAO';
  const rollupAdmin = await opts.rollupAdmin.getAddress();
  const bridge = await deployBridge(system, opts.rollupAdmin, bridgeKind);
  const bridgeAddress = await bridge.getAddress();
  await send(system.contracts.nexus, 'whitelistRollup', opts.name, rollupAdmin);
  const nexusAsAdmin = system.contracts.nexus.connect(opts.rollupAdmin) as ethers.Contract;
  await send(
    nexusAsAdmin,
    'registerRollup',
    bridgeAddress,
    opts.operatorCluster,
    opts.nexusFee ?? DEFAULT_NEXUS_FEE,
    opts.stakingLimit,
  );
  if (opts.funding && opts.funding > 0n) await sendWith(bridge, 'depositFunds', { value: opts.funding });
  return { rollupAdmin, bridgeAddress, bridge, bridgeKind };
}

/** Deploys an example bridge of `kind` for this system (Nexus set, deposit contract linked, zero accounting). */
export async function deployBridge(
  system: NexusSystem,
  deployer: ethers.Signer,
  kind: BridgeKind,
): Promise<ethers.Contract> {
  return deployLinked(
    bridgeContractName(kind, system.nexusVersion),
    deployer,
    { [ADDRESS_SENTINELS.depositContract]: system.addresses.depositContract },
    system.addresses.nexus,
    0n,
    0n,
    0n,
    0n,
    0n,
    0n,
  );
}

export interface RegisterOperatorOptions {
  /** The operator's RSA public key as SSV publishes it: base64 of the "RSA PUBLIC KEY" PEM. */
  publicKey: string;
  /** Operator fee in SSV wei per validator per block (divisible by 1e7); default DEFAULT_OPERATOR_FEE_WEI. */
  fee?: bigint;
  /** Port of the operator's ssv-dkg server on 127.0.0.1 (registered as https://127.0.0.1:PORT). */
  dkgPort: number;
  name: string;
  /** Owner of the SSV operator; default the system deployer. */
  operatorOwner?: ethers.Signer;
}

/**
 * Registers an SSV operator in SSVNetwork (id assigned there, from 1), then the same id, key, DKG
 * endpoint and name in NodeOperator (registerSSVOperator). Returns the operator id.
 * The SSVNetwork publicKey bytes are the ABI encoding of the base64 string, as the SSV webapp submits it.
 */
export async function registerOperator(system: NexusSystem, opts: RegisterOperatorOptions): Promise<bigint> {
  const ssvNetwork = opts.operatorOwner
    ? (system.contracts.ssvNetwork.connect(opts.operatorOwner) as ethers.Contract)
    : system.contracts.ssvNetwork;
  const encodedKey = ethers.AbiCoder.defaultAbiCoder().encode(['string'], [opts.publicKey]);
  const receipt = await send(ssvNetwork, 'registerOperator', encodedKey, opts.fee ?? DEFAULT_OPERATOR_FEE_WEI);
  let operatorId: bigint | undefined;
  for (const log of receipt.logs) {
    const parsed = ssvNetwork.interface.parseLog(log);
    if (parsed?.name === 'OperatorAdded') operatorId = parsed.args.operatorId as bigint;
  }
  if (operatorId === undefined) throw new Error('registerOperator: no OperatorAdded event');
  await send(
    system.contracts.nodeOperator,
    'registerSSVOperator',
    operatorId,
    opts.publicKey,
    `https://127.0.0.1:${opts.dkgPort}`,
    opts.name,
  );
  return operatorId;
}

/**
 * Adds a NodeOperator cluster with the public argument order (ids, clusterId). NodeOperator stores
 * ids as given; they are sorted ascending here (as SSV requires) unless `keepOrder`.
 */
export async function addCluster(
  system: NexusSystem,
  clusterId: bigint | number,
  operatorIds: readonly (bigint | number)[],
  opts: { keepOrder?: boolean } = {},
): Promise<void> {
  const ids = operatorIds.map(BigInt);
  if (!opts.keepOrder) ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await send(system.contracts.nodeOperator, 'addCluster', ids, clusterId);
}

/**
 * Credits ETH to a bridge the way a consensus-layer withdrawal does: the balance grows, no call is
 * made and no code runs (anvil_setBalance).
 */
export async function creditWithdrawal(
  provider: ethers.JsonRpcProvider,
  bridge: string | ethers.Contract,
  amountWei: bigint,
): Promise<void> {
  const address = typeof bridge === 'string' ? bridge : await bridge.getAddress();
  const balance = await provider.getBalance(address);
  await provider.send('anvil_setBalance', [address, ethers.toQuantity(balance + amountWei)]);
}

/**
 * A reward distribution on a CValue or Rebase example bridge: optionally credits `rewardsWei` first
 * (creditWithdrawal, e.g. skimmed rewards), then calls the kind's own distribution (updateCValue()
 * or rebase(), anyone may), which raises amountDistributed. Returns the new amountDistributed.
 */
export async function distributeRewards(
  rollup: RegisteredRollup,
  opts: { provider?: ethers.JsonRpcProvider; rewardsWei?: bigint } = {},
): Promise<bigint> {
  const method = { CValue: 'updateCValue', Rebase: 'rebase', DAO: undefined }[rollup.bridgeKind];
  if (!method) throw new Error('distributeRewards: a DAO bridge has no distribution (its DAO calls redeemRewards)');
  if (opts.rewardsWei && opts.rewardsWei > 0n) {
    if (!opts.provider) throw new Error('distributeRewards: rewardsWei needs a provider');
    await creditWithdrawal(opts.provider, rollup.bridgeAddress, opts.rewardsWei);
  }
  await send(rollup.bridge, method);
  return (await rollup.bridge.getFunction('amountDistributed').staticCall()) as bigint;
}

/** The ABI-level Interface of the Nexus of a version (for code that has only an address). */
export async function nexusInterface(version: NexusVersion): Promise<ethers.Interface> {
  return new ethers.Interface((await loadArtifact(nexusContractName(version))).abi as ethers.InterfaceAbi);
}
