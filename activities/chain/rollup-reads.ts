// Rollup reads (reads.ts): a rollup's Nexus record, its bridge and its staking state, at one block.
import { ethers, type Provider } from 'ethers';
import { bridgeInterface, nexusInterface } from './abi';
import { detectBridgeKind } from './bridge-kind';
import { callView, chainStakingLimit, checkAddress, pinBlock, type ContractRef } from './call';
import {
  EmptyRevertCallError,
  InvalidChainDataError,
  RollupNotRegisteredError,
  UnsupportedBridgeError,
} from './read-errors';
import type { PinnedBlock, RollupState, RollupStates, BlockTagOption } from './reads-types';

async function readRollupStateAt(
  provider: Provider,
  nexus: ContractRef,
  rollupAdmin: string,
  block: PinnedBlock,
): Promise<RollupState | undefined> {
  const at = block.blockNumber;
  const [bridge, stakingLimitRaw, operatorClusterRaw] = (await callView(
    provider,
    nexus,
    'rollups',
    [rollupAdmin],
    at,
  )) as unknown as [string, bigint, bigint];
  if (bridge === ethers.ZeroAddress) return undefined;
  const stakingLimit = chainStakingLimit(
    stakingLimitRaw,
    `Nexus.rollups(${rollupAdmin}) at ${nexus.address} at block ${at} returned`,
  );
  const bridgeRef: ContractRef = { name: 'NexusBaseBridge', address: bridge, iface: bridgeInterface };
  // All at once; the bridge's lack of validatorCount() is reported first, whatever else fails with it.
  const settled = await Promise.allSettled([
    callView(provider, bridgeRef, 'validatorCount', [], at),
    provider.getBalance(bridge, at),
    callView(provider, bridgeRef, 'NEXUS_NETWORK', [], at),
    detectBridgeKind(provider, bridge, at),
  ] as const);
  const [countResult] = settled;
  if (countResult.status === 'rejected' && countResult.reason instanceof EmptyRevertCallError) {
    // The nexusLibrary.sol bridge has no validatorCount(): the bot cannot plan for it.
    throw new UnsupportedBridgeError(ethers.getAddress(bridge), rollupAdmin, at);
  }
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [[validatorCount], balance, [bridgeNexus], bridgeKind] = settled.map(
    (r) => (r as PromiseFulfilledResult<unknown>).value,
  ) as [ethers.Result, bigint, ethers.Result, Awaited<ReturnType<typeof detectBridgeKind>>];
  if ((bridgeNexus as string).toLowerCase() !== nexus.address.toLowerCase()) {
    throw new InvalidChainDataError(
      `bridge ${bridge} of rollup ${rollupAdmin} answers NEXUS_NETWORK() = ${String(bridgeNexus)} at block ${at}, not the configured Nexus ${nexus.address}`,
    );
  }
  if (typeof balance !== 'bigint' || balance < 0n)
    throw new InvalidChainDataError(`eth_getBalance(${bridge}) answered ${String(balance)} at block ${at}`);
  return {
    rollupAdmin,
    bridge: ethers.getAddress(bridge),
    stakingLimit,
    operatorCluster: operatorClusterRaw.toString(),
    bridgeBalanceWei: balance.toString(),
    validatorCount: (validatorCount as bigint).toString(),
    bridgeKind,
    blockNumber: block.blockNumber,
    blockHash: block.blockHash,
  };
}

/**
 * Nexus.rollups(admin), the bridge's validatorCount and ETH balance, all at one block (latest by
 * default). Throws RollupNotRegisteredError for an unknown admin, InvalidChainDataError for a
 * staking limit above 10000 or a bridge that does not belong to this Nexus.
 */
export async function readRollupState(
  provider: Provider,
  nexus: string,
  rollupAdmin: string,
  opts: BlockTagOption = {},
): Promise<RollupState> {
  const ref: ContractRef = { name: 'Nexus', address: checkAddress(nexus, 'Nexus address'), iface: nexusInterface };
  const admin = checkAddress(rollupAdmin, 'rollup admin');
  const block = await pinBlock(provider, opts.blockTag);
  const state = await readRollupStateAt(provider, ref, admin, block);
  if (!state) throw new RollupNotRegisteredError(ref.address, admin, block.blockNumber);
  return state;
}

/** readRollupState for many rollups at one block; the calls go out together (JSON-RPC batches). */
export async function readRollupStates(
  provider: Provider,
  nexus: string,
  rollupAdmins: readonly string[],
  opts: BlockTagOption = {},
): Promise<RollupStates> {
  const ref: ContractRef = { name: 'Nexus', address: checkAddress(nexus, 'Nexus address'), iface: nexusInterface };
  const admins = rollupAdmins.map((a, i) => checkAddress(a, `rollup admin #${i}`));
  const block = await pinBlock(provider, opts.blockTag);
  const states = await Promise.all(admins.map((a) => readRollupStateAt(provider, ref, a, block)));
  return {
    ...block,
    rollups: states.filter((s): s is RollupState => s !== undefined),
    notRegistered: admins.filter((_, i) => states[i] === undefined),
  };
}
