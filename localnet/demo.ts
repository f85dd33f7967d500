// The local network's chain content: the Nexus system, four SSV operators forming cluster 1, and
// a demo rollup whose bridge holds ETH. Recorded in state/deployment.json, and reused on the next
// start when the chain (anvil's state file) still has it; deployed afresh otherwise.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { contractAt } from '../contracts/artifacts';
import { contractsSourceHash } from '../contracts/build';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type BridgeKind,
  type NexusSystemAddresses,
  type NexusVersion,
} from '../contracts/deploy';
import { ANVIL_DEV_MNEMONIC } from './services/anvil';

/** anvil dev accounts (public test keys) and their roles on the local network. */
export const ACCOUNT_INDEX = { deployer: 0, bot: 1 } as const;

export const DEMO_CLUSTER_ID = 1;

/** The demo rollups: one on DKG keys (current), one on mnemonic keys (deprecated, supported). */
export const DEMO_ROLLUPS = [
  { name: 'demo-rollup', account: 2, keyPath: 'dkg', stakingLimit: 2_000, funding: ethers.parseEther('320') },
  {
    name: 'demo-mnemonic-rollup',
    account: 3,
    keyPath: 'mnemonic',
    stakingLimit: 2_000,
    funding: ethers.parseEther('640'),
  },
] as const;

/**
 * The mnemonic rollup's demo mnemonic: BIP-39's public test vector, like anvil's dev keys never
 * for real funds. Fixed so that keys stay re-derivable across restarts of the local network.
 */
export const DEMO_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/**
 * Key indices of DEMO_MNEMONIC that are validators from the local beacon chain's genesis, with
 * 0x01 credentials to the mnemonic rollup's bridge: more than the demo rollup stakes at its limit,
 * so keys the bot allocates later are on the beacon chain too and can be exited there.
 */
export const DEMO_BEACON_KEY_INDICES: readonly number[] = Array.from({ length: 16 }, (_, i) => i);

export interface DemoOperator {
  id: number;
  publicKeyBase64: string;
  dkgUrl: string;
}

export interface Deployment {
  /** The public Nexus version the contracts follow, and the hash of the sources they were built from. */
  nexusVersion: NexusVersion;
  sourceHash: string;
  contracts: NexusSystemAddresses;
  operators: DemoOperator[];
  rollups: {
    name: string;
    admin: string;
    bridge: string;
    operatorCluster: number;
    stakingLimit: number;
    keyPath: 'dkg' | 'mnemonic';
    account: number;
    bridgeKind: BridgeKind;
  }[];
}

export function devWallet(index: number, provider: ethers.Provider): ethers.HDNodeWallet {
  return ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(provider);
}

const deploymentPath = (stateDir: string) => join(stateDir, 'deployment.json');

/**
 * Returns the deployment on this chain: the recorded one if the chain still holds it (operator
 * endpoints updated when their ports changed), else a new one.
 */
export async function ensureDeployment(
  provider: ethers.JsonRpcProvider,
  stateDir: string,
  operators: DemoOperator[],
  nexusVersion: NexusVersion,
  log: (line: string) => void,
): Promise<Deployment> {
  const deployer = devWallet(ACCOUNT_INDEX.deployer, provider);
  const recorded = readRecorded(stateDir);
  const sourceHash = contractsSourceHash();
  // Contracts of another version or older sources are not reused: deployed anew beside them.
  const onChain = recorded !== undefined && (await provider.getCode(recorded.contracts.nexus)) !== '0x';
  if (onChain && (recorded.nexusVersion !== nexusVersion || recorded.sourceHash !== sourceHash)) {
    // Operator ids and bridge addresses come from the chain's history: a second system beside the
    // first would get other ones, so the chain must start anew.
    throw new Error(
      recorded.nexusVersion !== nexusVersion
        ? `the local chain holds Nexus ${recorded.nexusVersion ?? '(an earlier build)'} contracts, not ${nexusVersion}: run \`npm start -- --reset\` to deploy ${nexusVersion} on a new chain, or set NEXUS_LOCALNET_NEXUS_VERSION=${recorded.nexusVersion ?? 'v2024-06'}`
        : 'the local chain holds contracts built from other sources (contracts/src changed): run `npm start -- --reset` to deploy them on a new chain',
    );
  }
  if (onChain && recorded.rollups.length === DEMO_ROLLUPS.length && sameOperatorKeys(recorded, operators)) {
    log(`reusing the contracts deployed earlier (Nexus ${nexusVersion} ${recorded.contracts.nexus})`);
    const nodeOperator = await contractAt('NodeOperator', recorded.contracts.nodeOperator, deployer);
    for (const op of operators) {
      const currentUrl = (await nodeOperator.getFunction('ssvDKGIP')(op.id)) as string;
      if (currentUrl !== op.dkgUrl) {
        await (await nodeOperator.getFunction('updateSSVOperatorIP')(op.id, op.dkgUrl)).wait();
      }
    }
    const deployment = { ...recorded, operators };
    writeFileSync(deploymentPath(stateDir), JSON.stringify(deployment, null, 2));
    return deployment;
  }

  log(`deploying the Nexus contracts (public version ${nexusVersion}), SSV operators and the demo rollups`);
  const bot = devWallet(ACCOUNT_INDEX.bot, provider);
  const system = await deployNexusSystem(deployer, { bot: bot.address, nexusVersion });
  for (const op of operators) {
    const id = await registerOperator(system, {
      publicKey: op.publicKeyBase64,
      dkgPort: Number(new URL(op.dkgUrl).port),
      name: `local-operator-${op.id}`,
    });
    if (Number(id) !== op.id)
      throw new Error(`SSVNetwork gave operator id ${id}, expected ${op.id}: was the chain used before?`);
  }
  await addCluster(
    system,
    DEMO_CLUSTER_ID,
    operators.map((op) => op.id),
  );
  const rollups: Deployment['rollups'] = [];
  for (const demo of DEMO_ROLLUPS) {
    const rollup = await registerRollup(system, {
      rollupAdmin: devWallet(demo.account, provider),
      name: demo.name,
      operatorCluster: DEMO_CLUSTER_ID,
      stakingLimit: demo.stakingLimit,
      funding: demo.funding,
      bridgeKind: 'DAO',
    });
    rollups.push({
      name: demo.name,
      admin: rollup.rollupAdmin,
      bridge: rollup.bridgeAddress,
      operatorCluster: DEMO_CLUSTER_ID,
      stakingLimit: demo.stakingLimit,
      keyPath: demo.keyPath,
      account: demo.account,
      bridgeKind: rollup.bridgeKind,
    });
  }
  const deployment: Deployment = { nexusVersion, sourceHash, contracts: system.addresses, operators, rollups };
  writeFileSync(deploymentPath(stateDir), JSON.stringify(deployment, null, 2));
  return deployment;
}

function readRecorded(stateDir: string): Deployment | undefined {
  const path = deploymentPath(stateDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Deployment; // fields of older launchers may be missing
  } catch {
    return undefined; // unreadable: deploy afresh
  }
}

function sameOperatorKeys(recorded: Deployment, operators: DemoOperator[]): boolean {
  return operators.every((op) =>
    recorded.operators.some((r) => r.id === op.id && r.publicKeyBase64 === op.publicKeyBase64),
  );
}
