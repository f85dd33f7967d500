// Deploys the local Nexus system (Nexus, NodeOperator, SSVNetwork, SSV token, deposit contract) and
// sets up rollups, SSV operators and clusters on it. Used by the local-network launcher and tests.
// The deployer owns every contract; the bot address is set with Nexus.setOffChainBot.
import { ethers } from 'ethers';
import { contractAt, deployContract, freshNonce } from './artifacts';

export interface NexusSystemAddresses {
  nexus: string;
  nodeOperator: string;
  ssvNetwork: string;
  ssvToken: string;
  depositContract: string;
}

export interface NexusSystemContracts {
  nexus: ethers.Contract;
  nodeOperator: ethers.Contract;
  ssvNetwork: ethers.Contract;
  ssvToken: ethers.Contract;
  depositContract: ethers.Contract;
}

export interface NexusSystem {
  addresses: NexusSystemAddresses;
  /** Connected to the deployer (the owner of every contract). */
  contracts: NexusSystemContracts;
  deployer: ethers.Signer;
}

export interface DeployNexusSystemOptions {
  /** Address of the bot's account: the only sender allowed to call Nexus' bot functions. */
  bot: string;
  /** SSV tokens (wei) minted to Nexus, which pays SSV cluster balances. Default 1,000,000 SSV. */
  nexusSsvBalance?: bigint;
  /**
   * An existing deposit contract to use (for example one put at the mainnet address with
   * anvil_setCode for a beacon node); a new DepositContract is deployed when absent.
   */
  depositContract?: string;
}

export const DEFAULT_NEXUS_SSV_BALANCE = ethers.parseEther('1000000');

function signerOf(contract: ethers.Contract): ethers.Signer {
  const runner = contract.runner as ethers.Signer | null;
  if (!runner || typeof runner.sendTransaction !== 'function') throw new Error('contract is not connected to a signer');
  return runner;
}

/** Sends a contract call and waits for its receipt; a reverted transaction throws. */
async function send(contract: ethers.Contract, method: string, ...args: unknown[]): Promise<ethers.TransactionReceipt> {
  const nonce = await freshNonce(signerOf(contract));
  const tx = (await contract.getFunction(method).send(...args, { nonce })) as ethers.ContractTransactionResponse;
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`${method}: no receipt for ${tx.hash}`);
  return receipt;
}

/** Deploys the whole local system with `deployer` as owner and sets the bot. */
export async function deployNexusSystem(deployer: ethers.Signer, opts: DeployNexusSystemOptions): Promise<NexusSystem> {
  const depositContract = opts.depositContract
    ? await contractAt('DepositContract', opts.depositContract, deployer)
    : await deployContract('DepositContract', deployer);
  const ssvToken = await deployContract('SSVToken', deployer);
  const ssvNetwork = await deployContract('SSVNetwork', deployer, await ssvToken.getAddress());
  const nodeOperator = await deployContract('NodeOperator', deployer);
  const nexus = await deployContract(
    'Nexus',
    deployer,
    await ssvNetwork.getAddress(),
    await ssvToken.getAddress(),
    await nodeOperator.getAddress(),
  );
  await send(nexus, 'setOffChainBot', opts.bot);
  await send(ssvToken, 'mint', await nexus.getAddress(), opts.nexusSsvBalance ?? DEFAULT_NEXUS_SSV_BALANCE);

  const contracts: NexusSystemContracts = { nexus, nodeOperator, ssvNetwork, ssvToken, depositContract };
  const addresses: NexusSystemAddresses = {
    nexus: await nexus.getAddress(),
    nodeOperator: await nodeOperator.getAddress(),
    ssvNetwork: await ssvNetwork.getAddress(),
    ssvToken: await ssvToken.getAddress(),
    depositContract: await depositContract.getAddress(),
  };
  return { addresses, contracts, deployer };
}

export interface RegisterRollupOptions {
  /** The rollup's admin account: it deploys the bridge and registers it in Nexus. */
  rollupAdmin: ethers.Signer;
  /** Name in the whitelist event. */
  name: string;
  /** NodeOperator cluster id (must exist, see addCluster). */
  operatorCluster: bigint | number;
  /** Basis points, 0..10000. */
  stakingLimit: number;
  /** Basis points; default 0. */
  nexusFee?: number;
  /** ETH (wei) the admin sends to the bridge as a user deposit; default none. */
  funding?: bigint;
}

export interface RegisteredRollup {
  rollupAdmin: string;
  bridgeAddress: string;
  /** NexusBaseBridge, connected to the rollup admin. */
  bridge: ethers.Contract;
}

/** Deploys a bridge for the rollup admin, whitelists and registers the rollup, and funds the bridge. */
export async function registerRollup(system: NexusSystem, opts: RegisterRollupOptions): Promise<RegisteredRollup> {
  const rollupAdmin = await opts.rollupAdmin.getAddress();
  const bridge = await deployContract('NexusBaseBridge', opts.rollupAdmin, system.addresses.nexus, system.addresses.depositContract);
  const bridgeAddress = await bridge.getAddress();
  await send(system.contracts.nexus, 'whitelistRollup', opts.name, rollupAdmin);
  const nexusAsAdmin = system.contracts.nexus.connect(opts.rollupAdmin) as ethers.Contract;
  await send(nexusAsAdmin, 'registerRollup', bridgeAddress, opts.operatorCluster, opts.nexusFee ?? 0, opts.stakingLimit);
  if (opts.funding && opts.funding > 0n) {
    // A plain transfer is a user deposit (the bridge's receive): principal, not rewards.
    const tx = await opts.rollupAdmin.sendTransaction({ to: bridgeAddress, value: opts.funding, nonce: await freshNonce(opts.rollupAdmin) });
    await tx.wait();
  }
  return { rollupAdmin, bridgeAddress, bridge };
}

export interface RegisterOperatorOptions {
  /** The operator's RSA public key as SSV publishes it: base64 of the "RSA PUBLIC KEY" PEM. */
  publicKey: string;
  /** Operator fee in SSV wei per block; default 0 (fees are not accounted locally). */
  fee?: bigint;
  /** Port of the operator's ssv-dkg server on 127.0.0.1 (registered as https://127.0.0.1:PORT). */
  dkgPort: number;
  name: string;
  /** Owner of the SSV operator; default the system deployer. */
  operatorOwner?: ethers.Signer;
}

/**
 * Registers an SSV operator in SSVNetwork (id assigned there, from 1) and the same id, key, DKG
 * endpoint and name in NodeOperator. Returns the operator id.
 * The SSVNetwork publicKey bytes are the ABI encoding of the base64 string, as the SSV webapp
 * submits it and SSV nodes decode it.
 */
export async function registerOperator(system: NexusSystem, opts: RegisterOperatorOptions): Promise<bigint> {
  const ssvNetwork = opts.operatorOwner
    ? (system.contracts.ssvNetwork.connect(opts.operatorOwner) as ethers.Contract)
    : system.contracts.ssvNetwork;
  const encodedKey = ethers.AbiCoder.defaultAbiCoder().encode(['string'], [opts.publicKey]);
  const receipt = await send(ssvNetwork, 'registerOperator', encodedKey, opts.fee ?? 0n);
  let operatorId: bigint | undefined;
  for (const log of receipt.logs) {
    const parsed = ssvNetwork.interface.parseLog(log);
    if (parsed?.name === 'OperatorAdded') operatorId = parsed.args.operatorId as bigint;
  }
  if (operatorId === undefined) throw new Error('registerOperator: no OperatorAdded event');
  await send(system.contracts.nodeOperator, 'registerSSVOperator', operatorId, opts.publicKey, `https://127.0.0.1:${opts.dkgPort}`, opts.name);
  return operatorId;
}

/** Adds a NodeOperator cluster (operator ids are sorted here, as SSV requires ascending ids). */
export async function addCluster(system: NexusSystem, clusterId: bigint | number, operatorIds: readonly (bigint | number)[]): Promise<void> {
  const sorted = operatorIds.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await send(system.contracts.nodeOperator, 'addCluster', clusterId, sorted);
}
