// Bridge kinds of the public contracts (facts/nexus-contracts.md, "Bridges"): they differ in when
// an exit may be accounted (updateExitedValidators), so the bot must know which one a rollup uses.
// - DAO (NexusBridgeDAO): getRewards() ≥ 32 ETH;
// - User (NexusBridgeUserCValue, NexusBridgeUserRebase): getRewards() − amountDistributed() ≥ 32 ETH.
// The kind is told by probing amountDistributed(): it answers on User bridges and reverts without
// data on DAO bridges. (The nexusLibrary.sol variant lacks validatorCount(); reads.ts refuses it.)
import type { Provider } from 'ethers';
import { bridgeInterface } from './abi';
import { callView, checkAddress, pinBlock, type ContractRef } from './call';
import { ContractCallRevertedError, EmptyRevertCallError } from './read-errors';
import { decodeRevert } from './revert';
import type { BlockTagOption, BridgeKind } from './reads-types';

export type { BridgeKind } from './reads-types';

export const VALIDATOR_DEPOSIT_WEI = 32n * 10n ** 18n;

export function bridgeRef(address: string): ContractRef {
  return { name: 'NexusBaseBridge', address: checkAddress(address, 'bridge address'), iface: bridgeInterface };
}

/**
 * Kinds already detected, per provider and bridge: a bridge's code never changes (bridges are not
 * proxies), and the watcher reads every rollup every few seconds.
 */
const known = new WeakMap<Provider, Map<string, BridgeKind>>();

/** The bridge's kind, at a block. */
export async function detectBridgeKind(provider: Provider, bridge: string, blockNumber: number): Promise<BridgeKind> {
  const cache = known.get(provider) ?? new Map<string, BridgeKind>();
  known.set(provider, cache);
  const address = bridge.toLowerCase();
  const cached = cache.get(address);
  if (cached) return cached;
  let kind: BridgeKind;
  try {
    await callView(provider, bridgeRef(bridge), 'amountDistributed', [], blockNumber);
    kind = 'User';
  } catch (err) {
    if (!(err instanceof EmptyRevertCallError)) throw err;
    kind = 'DAO';
  }
  cache.set(address, kind);
  return kind;
}

export interface ExitAccounting {
  blockNumber: number;
  /** The bridge's own condition for updateExitedValidators holds now. */
  ready: boolean;
  /** ETH counted as returned by the kind's rule (wei, decimal; '0' when getRewards underflows). */
  returnedWei: string;
  reason: string;
}

/**
 * Whether the bridge's updateExitedValidators() would pass now, by its kind's rule. A getRewards()
 * underflow (Panic 0x11: the balance is short of what the bridge owes) means the ETH is not back
 * yet, not an error.
 */
export async function readExitAccounting(
  provider: Provider,
  bridge: string,
  kind: BridgeKind,
  opts: BlockTagOption = {},
): Promise<ExitAccounting> {
  const ref = bridgeRef(bridge);
  const { blockNumber } = await pinBlock(provider, opts.blockTag);
  let rewards: bigint;
  try {
    [rewards] = (await callView(provider, ref, 'getRewards', [], blockNumber)) as unknown as [bigint];
  } catch (err) {
    const decoded = err instanceof ContractCallRevertedError ? decodeRevert(err.cause) : undefined;
    if (decoded?.name === 'Panic' && decoded.args[0] === 0x11n) {
      return {
        blockNumber,
        ready: false,
        returnedWei: '0',
        reason: `bridge ${ref.address}: getRewards() underflows at block ${blockNumber} (its balance is short): the exited ETH is not back yet`,
      };
    }
    throw err;
  }
  let returned = rewards;
  let rule = 'getRewards()';
  if (kind === 'User') {
    const [distributed] = (await callView(provider, ref, 'amountDistributed', [], blockNumber)) as unknown as [bigint];
    returned = rewards - distributed;
    rule = 'getRewards() − amountDistributed()';
  }
  const ready = returned >= VALIDATOR_DEPOSIT_WEI;
  return {
    blockNumber,
    ready,
    returnedWei: (returned < 0n ? 0n : returned).toString(),
    reason: `${kind} bridge ${ref.address}: ${rule} = ${returned} wei at block ${blockNumber}${ready ? '' : ', less than 32 ETH'}`,
  };
}
