// Read-only chain queries of the bot: rollup state, a cluster's DKG operators, the SSV owner nonce,
// SSV cluster snapshots, validator statuses and the Nexus events that should wake a rollup monitor.
//
// Rules every function here follows:
// - it validates what the chain answers and throws a named error (read-errors.ts) that says which
//   contract, call and value was wrong;
// - reads that belong together are made at ONE block (a pinned block number passed as blockTag to
//   every call), and the result says which block;
// - results are small plain JSON: uint64/uint256 values as decimal strings, small integers
//   (uint8/uint16/uint32, operator ids, block numbers) as numbers. They cross Temporal activity
//   boundaries, where bigint does not serialise;
// - built for 100+ rollups and 10,000+ validators: calls issued together are packed into JSON-RPC
//   batches by the provider, log scans go by owner topic (never one scan per validator) in adaptive
//   chunks (logs.ts), and a scan can resume from a checkpoint (startNonce) instead of from genesis.
import { ethers, type BlockTag, type Provider } from 'ethers';
import { bridgeInterface, nexusInterface, ssvNetworkInterface } from './abi';
import { checkBlockRange, scanLogs, type BlockRangeOptions } from './logs';
import { detectBridgeKind, type BridgeKind } from './bridge-kind';
import { callView, checkAddress, pinBlock, uint64Arg, type ContractRef } from './call';
import {
  EmptyRevertCallError,
  InvalidChainDataError,
  InvalidReadArgumentError,
  RollupNotRegisteredError,
  UnsupportedBridgeError,
  ValidatorNotInSsvError,
} from './read-errors';

// ------------------------------------------------------------------------------------------ types

export const BASIS_POINTS = 10_000;

/** Nexus.validators(pubkey), in the contract's enum order. */
export const VALIDATOR_STATUSES = ['INACTIVE', 'DEPOSITED', 'SHARE_DEPOSITED', 'VALIDATOR_EXIT_SUBMITTED', 'VALIDATOR_EXITED'] as const;
export type ValidatorStatus = (typeof VALIDATOR_STATUSES)[number];

/** SSV operator committee sizes (3f+1, f = 1..4). */
export const SSV_CLUSTER_SIZES: readonly number[] = [4, 7, 10, 13];

export interface PinnedBlock {
  blockNumber: number;
  blockHash: string;
}

export interface RollupState extends PinnedBlock {
  rollupAdmin: string;
  bridge: string;
  /** Basis points, 0..10000. */
  stakingLimit: number;
  /** NodeOperator cluster id (uint64, decimal). */
  operatorCluster: string;
  /** The bridge's ETH balance (wei, decimal). */
  bridgeBalanceWei: string;
  /** Bridge.validatorCount() (decimal). */
  validatorCount: string;
  /** Which exit-accounting rule the bridge applies (bridge-kind.ts). */
  bridgeKind: BridgeKind;
}

export interface RollupStates extends PinnedBlock {
  rollups: RollupState[];
  /** Admins that Nexus does not know at that block (checksummed). */
  notRegistered: string[];
}

export interface ClusterOperator {
  id: number;
  /** Base64 of the "RSA PUBLIC KEY" PEM, as SSV and ssv-dkg take it. */
  publicKeyBase64: string;
  /** `https://host:port` of the operator's ssv-dkg server (no trailing slash). */
  dkgEndpoint: string;
  name: string;
}

/** SSVNetwork's Cluster tuple in JSON form; pass it to a contract call as is (ethers takes decimal strings). */
export interface ClusterSnapshot {
  validatorCount: number;
  /** uint64, decimal. */
  networkFeeIndex: string;
  /** uint64, decimal. */
  index: string;
  active: boolean;
  /** uint256 SSV wei, decimal. */
  balance: string;
}

/** The snapshot a never-used (owner, operatorIds) cluster must be registered with. */
export const NEW_CLUSTER_SNAPSHOT: Readonly<ClusterSnapshot> = Object.freeze({
  validatorCount: 0,
  networkFeeIndex: '0',
  index: '0',
  active: true,
  balance: '0',
});

export interface LogPosition {
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

export interface ClusterSnapshotResult {
  owner: string;
  operatorIds: number[];
  cluster: ClusterSnapshot;
  /** Valid as of this block (the scan's last block). */
  blockNumber: number;
  /** The event the snapshot comes from; null for a never-used cluster. */
  source: (LogPosition & { event: string }) | null;
}

export interface SsvOwnerNonce {
  owner: string;
  /** The next registration of this owner must be signed with this nonce (= ValidatorAdded events so far). */
  nonce: number;
  /** Valid as of this block (the scan's last block). */
  blockNumber: number;
  /** The latest ValidatorAdded of this owner seen in the scanned range, if any. */
  lastValidatorAdded: (LogPosition & { publicKey: string }) | null;
}

export interface ValidatorStatuses extends PinnedBlock {
  /** In input order. */
  statuses: { pubkey: string; status: ValidatorStatus }[];
}

interface RollupEventBase extends LogPosition {
  rollupAdmin: string;
}
export type RollupEvent =
  | (RollupEventBase & { event: 'RollupRegistered'; bridge: string; stakingLimit: number; operatorCluster: string; nexusFee: string })
  | (RollupEventBase & { event: 'StakingLimitChanged'; stakingLimit: number })
  | (RollupEventBase & { event: 'RollupOperatorClusterChanged'; operatorCluster: string });

export interface RollupEvents {
  fromBlock: number;
  /** The last block scanned: the next poll starts at toBlock + 1. */
  toBlock: number;
  /** Sorted by (block, log index). */
  events: RollupEvent[];
}

export interface BlockTagOption {
  /** Block to read at (number, hash or tag); default 'latest'. It is resolved to one block first. */
  blockTag?: BlockTag;
}

/** Log scan options where toBlock defaults to the latest block. */
export type ScanOptions = Omit<BlockRangeOptions, 'toBlock'> & { toBlock?: number };

// ------------------------------------------------------------------------------------------ helpers

export { pinBlock } from './call';

export async function latestBlockNumber(provider: Provider): Promise<number> {
  const n = await provider.getBlockNumber();
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidChainDataError(`eth_blockNumber answered ${n}`);
  return n;
}

function operatorIdsArg(ids: readonly (number | bigint | string)[], what: string): number[] {
  if (!Array.isArray(ids)) throw new InvalidReadArgumentError(`${what} must be an array of operator ids`);
  const out = ids.map((id, i) => {
    const n = uint64Arg(id, `${what}[${i}]`);
    if (n === 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidReadArgumentError(`${what}[${i}] is not a usable operator id: ${n}`);
    return Number(n);
  });
  if (!SSV_CLUSTER_SIZES.includes(out.length)) throw new InvalidReadArgumentError(`${what} has ${out.length} operators; SSV clusters have 4, 7, 10 or 13`);
  for (let i = 1; i < out.length; i++) {
    if (out[i] <= out[i - 1]) throw new InvalidReadArgumentError(`${what} must be strictly ascending (SSV's order), got ${out.join(',')}`);
  }
  return out;
}

export function logPosition(log: ethers.Log): LogPosition {
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
}

// ------------------------------------------------------------------------------------------ rollups

async function readRollupStateAt(provider: Provider, nexus: ContractRef, rollupAdmin: string, block: PinnedBlock): Promise<RollupState | undefined> {
  const at = block.blockNumber;
  const [bridge, stakingLimitRaw, operatorClusterRaw] = (await callView(provider, nexus, 'rollups', [rollupAdmin], at)) as unknown as [string, bigint, bigint];
  if (bridge === ethers.ZeroAddress) return undefined;
  if (stakingLimitRaw > BigInt(BASIS_POINTS)) {
    throw new InvalidChainDataError(`Nexus.rollups(${rollupAdmin}) at ${nexus.address} returned stakingLimit ${stakingLimitRaw} at block ${at}, above ${BASIS_POINTS} basis points`);
  }
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
  const [[validatorCount], balance, [bridgeNexus], bridgeKind] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as
    [ethers.Result, bigint, ethers.Result, Awaited<ReturnType<typeof detectBridgeKind>>];
  if ((bridgeNexus as string).toLowerCase() !== nexus.address.toLowerCase()) {
    throw new InvalidChainDataError(
      `bridge ${bridge} of rollup ${rollupAdmin} answers NEXUS_NETWORK() = ${String(bridgeNexus)} at block ${at}, not the configured Nexus ${nexus.address}`,
    );
  }
  if (typeof balance !== 'bigint' || balance < 0n) throw new InvalidChainDataError(`eth_getBalance(${bridge}) answered ${String(balance)} at block ${at}`);
  return {
    rollupAdmin,
    bridge: ethers.getAddress(bridge),
    stakingLimit: Number(stakingLimitRaw),
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
export async function readRollupState(provider: Provider, nexus: string, rollupAdmin: string, opts: BlockTagOption = {}): Promise<RollupState> {
  const ref: ContractRef = { name: 'Nexus', address: checkAddress(nexus, 'Nexus address'), iface: nexusInterface };
  const admin = checkAddress(rollupAdmin, 'rollup admin');
  const block = await pinBlock(provider, opts.blockTag);
  const state = await readRollupStateAt(provider, ref, admin, block);
  if (!state) throw new RollupNotRegisteredError(ref.address, admin, block.blockNumber);
  return state;
}

/** readRollupState for many rollups at one block; the calls go out together (JSON-RPC batches). */
export async function readRollupStates(provider: Provider, nexus: string, rollupAdmins: readonly string[], opts: BlockTagOption = {}): Promise<RollupStates> {
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

// ------------------------------------------------------------------------------------------ operators

// readClusterOperators: operators.ts (keys from events, cross-checked with SSVNetwork).

// ------------------------------------------------------------------------------------------ SSV

/** Events of the bot's SSVNetwork ABI that carry a cluster's new snapshot: (address indexed owner, uint64[] operatorIds, …, Cluster cluster). */
const CLUSTER_EVENTS: ethers.EventFragment[] = (() => {
  const out: ethers.EventFragment[] = [];
  ssvNetworkInterface.forEachEvent((ev) => {
    const [owner, ids] = ev.inputs;
    const last = ev.inputs[ev.inputs.length - 1];
    if (owner?.type === 'address' && owner.indexed && ids?.type === 'uint64[]' && last?.name === 'cluster' && last.baseType === 'tuple') out.push(ev);
  });
  return out;
})();

export function ownerTopic(owner: string): string {
  return ethers.zeroPadValue(owner, 32).toLowerCase();
}

export async function resolveScan(provider: Provider, opts: ScanOptions, where: string): Promise<BlockRangeOptions> {
  const toBlock = opts.toBlock ?? (await latestBlockNumber(provider));
  const range: BlockRangeOptions = { ...opts, toBlock };
  checkBlockRange(range, where);
  return range;
}

/**
 * The SSV owner nonce of `owner` (facts §1.7): the number of ValidatorAdded events with topic1 =
 * owner, counted from `fromBlock` (SSVNetwork's deployment block, or a checkpoint whose count is
 * passed as `startNonce`) to `toBlock` (default: latest), in adaptive chunks of ≤ maxRange blocks.
 * Only logs are counted, never decoded (except the latest one, reported for cross-checks).
 */
export async function readSsvOwnerNonce(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  opts: ScanOptions & { startNonce?: number },
): Promise<SsvOwnerNonce> {
  const address = checkAddress(ssvNetwork, 'SSVNetwork address');
  const ownerAddress = checkAddress(owner, 'SSV owner');
  const startNonce = opts.startNonce ?? 0;
  if (!Number.isSafeInteger(startNonce) || startNonce < 0) throw new InvalidReadArgumentError(`startNonce must be an integer ≥ 0, got ${startNonce}`);
  const range = await resolveScan(provider, opts, 'SSV owner nonce scan');
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
  let count = 0;
  let last: ethers.Log | undefined;
  await scanLogs(
    provider,
    { contract: 'SSVNetwork', what: 'ValidatorAdded', address, topic0: [event.topicHash], topic1: ownerTopic(ownerAddress) },
    range,
    'forward',
    (logs) => {
      count += logs.length;
      if (logs.length > 0) last = logs[logs.length - 1];
    },
  );
  let lastValidatorAdded: SsvOwnerNonce['lastValidatorAdded'] = null;
  if (last) {
    let publicKey: string;
    try {
      publicKey = ssvNetworkInterface.decodeEventLog(event, last.data, last.topics).publicKey as string;
    } catch (err) {
      throw new InvalidChainDataError(`SSVNetwork ${address} ValidatorAdded log ${last.transactionHash}#${last.index} does not decode`, { cause: err });
    }
    lastValidatorAdded = { ...logPosition(last), publicKey: publicKey.toLowerCase() };
  }
  return { owner: ownerAddress, nonce: startNonce + count, blockNumber: range.toBlock, lastValidatorAdded };
}

function snapshotOf(value: unknown, where: string): ClusterSnapshot {
  const c = value as { validatorCount?: unknown; networkFeeIndex?: unknown; index?: unknown; active?: unknown; balance?: unknown };
  if (
    typeof c?.validatorCount !== 'bigint' || typeof c.networkFeeIndex !== 'bigint' || typeof c.index !== 'bigint' ||
    typeof c.active !== 'boolean' || typeof c.balance !== 'bigint'
  ) {
    throw new InvalidChainDataError(`${where}: the cluster tuple does not decode as (uint32, uint64, uint64, bool, uint256)`);
  }
  return {
    validatorCount: Number(c.validatorCount),
    networkFeeIndex: c.networkFeeIndex.toString(),
    index: c.index.toString(),
    active: c.active,
    balance: c.balance.toString(),
  };
}

/**
 * The cluster snapshot to pass to SSVNetwork for (owner, operatorIds): the `cluster` of the latest
 * event for exactly that owner and operator list among the ABI's cluster events (ValidatorAdded,
 * ValidatorRemoved, ClusterDeposited, and any others added to abi.ts later), or {0,0,0,true,0}
 * when the cluster was never used. Scans backwards from toBlock (default latest), so the usual
 * case (a recent event) costs one or two requests.
 */
export async function readClusterSnapshot(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  operatorIds: readonly (number | bigint | string)[],
  opts: ScanOptions,
): Promise<ClusterSnapshotResult> {
  const address = checkAddress(ssvNetwork, 'SSVNetwork address');
  const ownerAddress = checkAddress(owner, 'SSV owner');
  const ids = operatorIdsArg(operatorIds, 'operatorIds');
  const range = await resolveScan(provider, opts, 'SSV cluster snapshot scan');
  const idsKey = ids.join(',');
  let found: ClusterSnapshotResult['source'] = null;
  let cluster: ClusterSnapshot = { ...NEW_CLUSTER_SNAPSHOT };
  await scanLogs(
    provider,
    {
      contract: 'SSVNetwork',
      what: CLUSTER_EVENTS.map((e) => e.name).join('/'),
      address,
      topic0: CLUSTER_EVENTS.map((e) => e.topicHash),
      topic1: ownerTopic(ownerAddress),
    },
    range,
    'backward',
    (logs) => {
      for (let i = logs.length - 1; i >= 0; i--) {
        const log = logs[i];
        const where = `SSVNetwork ${address} log ${log.transactionHash}#${log.index}`;
        let parsed: ethers.LogDescription | null;
        try {
          parsed = ssvNetworkInterface.parseLog(log);
        } catch (err) {
          throw new InvalidChainDataError(`${where} does not decode as a cluster event`, { cause: err });
        }
        if (!parsed) throw new InvalidChainDataError(`${where} has an unknown topic ${log.topics[0]}`);
        const logIds = (parsed.args.operatorIds as bigint[]).map((x) => x.toString()).join(',');
        if (logIds !== idsKey) continue;
        cluster = snapshotOf(parsed.args.cluster, `${where} (${parsed.name})`);
        found = { event: parsed.name, ...logPosition(log) };
        return true;
      }
      return false;
    },
  );
  return { owner: ownerAddress, operatorIds: ids, cluster, blockNumber: range.toBlock, source: found };
}

/** A snapshot as the bigint tuple ethers returns and accepts (for callers that prefer bigints). */
export function clusterTuple(c: ClusterSnapshot): { validatorCount: bigint; networkFeeIndex: bigint; index: bigint; active: boolean; balance: bigint } {
  return { validatorCount: BigInt(c.validatorCount), networkFeeIndex: BigInt(c.networkFeeIndex), index: BigInt(c.index), active: c.active, balance: BigInt(c.balance) };
}

// ------------------------------------------------------------------------------------------ validators

const DEFAULT_STATUS_CHUNK = 500;

/**
 * Nexus.validators(pubkey) for every key, at one block. Calls go out `chunkSize` at a time and the
 * provider packs them into JSON-RPC batches (batchMaxCount each), so 10,000 keys take ~100 HTTP
 * requests, without a per-key log scan.
 */
export async function readValidatorStatuses(
  provider: Provider,
  nexus: string,
  pubkeys: readonly string[],
  opts: BlockTagOption & { chunkSize?: number } = {},
): Promise<ValidatorStatuses> {
  const ref: ContractRef = { name: 'Nexus', address: checkAddress(nexus, 'Nexus address'), iface: nexusInterface };
  const chunkSize = opts.chunkSize ?? DEFAULT_STATUS_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new InvalidReadArgumentError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const keys = pubkeys.map((k, i) => {
    if (typeof k !== 'string' || !ethers.isHexString(k, 48)) throw new InvalidReadArgumentError(`pubkeys[${i}] must be a 48-byte 0x-hex BLS public key, got ${JSON.stringify(String(k).slice(0, 100))}`);
    return k.toLowerCase();
  });
  const block = await pinBlock(provider, opts.blockTag);
  const statuses: ValidatorStatuses['statuses'] = [];
  for (let start = 0; start < keys.length; start += chunkSize) {
    const chunk = keys.slice(start, start + chunkSize);
    const results = await Promise.all(chunk.map((k) => callView(provider, ref, 'validators', [k], block.blockNumber)));
    results.forEach(([raw], i) => {
      const value = raw as bigint;
      const status = VALIDATOR_STATUSES[Number(value)];
      if (value < 0n || value >= BigInt(VALIDATOR_STATUSES.length) || !status) {
        throw new InvalidChainDataError(`Nexus.validators(${chunk[i]}) at ${ref.address} returned ${value} at block ${block.blockNumber}, not a ValidatorStatus (0..${VALIDATOR_STATUSES.length - 1})`);
      }
      statuses.push({ pubkey: chunk[i], status });
    });
  }
  return { ...block, statuses };
}

// ------------------------------------------------------------------------------------------ events

const ROLLUP_EVENT_NAMES = ['RollupRegistered', 'StakingLimitChanged', 'RollupOperatorClusterChanged'] as const;

/**
 * The Nexus events that should wake a rollup's monitor early: RollupRegistered,
 * StakingLimitChanged and RollupOperatorClusterChanged, for the given rollup admin(s) (null: every
 * rollup; one scan serves all monitors of a worker). Their `rollupAdmin` is not indexed, so the
 * filter is applied after decoding; the logs are tiny. Bridge balance changes (user deposits,
 * withdrawals, validator exits) emit no Nexus event: detect them by comparing
 * readRollupState().bridgeBalanceWei between polls.
 */
export async function readRollupEvents(
  provider: Provider,
  nexus: string,
  rollupAdmins: string | readonly string[] | null,
  opts: ScanOptions,
): Promise<RollupEvents> {
  const address = checkAddress(nexus, 'Nexus address');
  const wanted =
    rollupAdmins === null ? null : new Set((typeof rollupAdmins === 'string' ? [rollupAdmins] : rollupAdmins).map((a, i) => checkAddress(a, `rollup admin #${i}`)));
  const range = await resolveScan(provider, opts, 'Nexus rollup event scan');
  const fragments = ROLLUP_EVENT_NAMES.map((name) => {
    const ev = nexusInterface.getEvent(name);
    if (!ev) throw new Error(`the bot ABI has no Nexus ${name} event`);
    return ev;
  });
  const events: RollupEvent[] = [];
  await scanLogs(
    provider,
    { contract: 'Nexus', what: ROLLUP_EVENT_NAMES.join('/'), address, topic0: fragments.map((f) => f.topicHash) },
    range,
    'forward',
    (logs) => {
      for (const log of logs) {
        const where = `Nexus ${address} log ${log.transactionHash}#${log.index}`;
        let parsed: ethers.LogDescription | null;
        try {
          parsed = nexusInterface.parseLog(log);
        } catch (err) {
          throw new InvalidChainDataError(`${where} does not decode`, { cause: err });
        }
        if (!parsed) throw new InvalidChainDataError(`${where} has an unknown topic ${log.topics[0]}`);
        const args = parsed.args;
        const rollupAdmin = ethers.getAddress(args.rollupAdmin as string);
        if (wanted && !wanted.has(rollupAdmin)) continue;
        const base = { rollupAdmin, ...logPosition(log) };
        const limit = (value: unknown): number => {
          const n = value as bigint;
          if (n > BigInt(BASIS_POINTS)) throw new InvalidChainDataError(`${where} (${parsed?.name}) has stakingLimit ${n}, above ${BASIS_POINTS}`);
          return Number(n);
        };
        switch (parsed.name) {
          case 'RollupRegistered':
            events.push({
              event: 'RollupRegistered',
              ...base,
              bridge: ethers.getAddress(args.bridgeContract as string),
              stakingLimit: limit(args.stakingLimit),
              operatorCluster: (args.operatorCluster as bigint).toString(),
              // uint256 in the public contracts (basis points; 625 < fee ≤ 1000 in practice)
              nexusFee: (args.nexusFee as bigint).toString(),
            });
            break;
          case 'StakingLimitChanged':
            events.push({ event: 'StakingLimitChanged', ...base, stakingLimit: limit(args.stakingLimit) });
            break;
          case 'RollupOperatorClusterChanged':
            events.push({ event: 'RollupOperatorClusterChanged', ...base, operatorCluster: (args.operatorCluster as bigint).toString() });
            break;
          default:
            throw new InvalidChainDataError(`${where} is a ${parsed.name} event, which the filter did not ask for`);
        }
      }
    },
  );
  return { fromBlock: range.fromBlock, toBlock: range.toBlock, events };
}

// ------------------------------------------------------------------------------------------ exits

/**
 * Every key Nexus accepted a deposit for on behalf of `rollupAdmin` (ValidatorSubmitted events;
 * their rollupAdmin is not indexed, so the filter runs after decoding), oldest first. Exits pick
 * their candidates from these.
 */
export async function readRollupValidatorKeys(
  provider: Provider,
  nexus: string,
  rollupAdmin: string,
  opts: ScanOptions,
): Promise<{ blockNumber: number; pubkeys: string[] }> {
  const address = checkAddress(nexus, 'Nexus address');
  const admin = checkAddress(rollupAdmin, 'rollup admin');
  const event = nexusInterface.getEvent('ValidatorSubmitted');
  if (!event) throw new Error('the bot ABI has no Nexus ValidatorSubmitted event');
  const range = await resolveScan(provider, opts, 'Nexus ValidatorSubmitted scan');
  const pubkeys: string[] = [];
  await scanLogs(provider, { contract: 'Nexus', what: 'ValidatorSubmitted', address, topic0: [event.topicHash] }, range, 'forward', (logs) => {
    for (const log of logs) {
      let args: ethers.Result;
      try {
        args = nexusInterface.decodeEventLog(event, log.data, log.topics);
      } catch (err) {
        throw new InvalidChainDataError(`Nexus ${address} ValidatorSubmitted log ${log.transactionHash}#${log.index} does not decode`, { cause: err });
      }
      if (ethers.getAddress(args.rollupAdmin as string) === admin) pubkeys.push((args.pubKey as string).toLowerCase());
    }
  });
  return { blockNumber: range.toBlock, pubkeys };
}

/**
 * The operator ids a key was registered with in SSV by `owner` (its latest ValidatorAdded event):
 * removing it later must name exactly those, whatever cluster its rollup uses today.
 */
export async function readValidatorOperatorIds(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  pubkey: string,
  opts: ScanOptions,
): Promise<number[]> {
  const address = checkAddress(ssvNetwork, 'SSVNetwork address');
  const ownerAddress = checkAddress(owner, 'SSV owner');
  if (typeof pubkey !== 'string' || !ethers.isHexString(pubkey, 48)) throw new InvalidReadArgumentError(`pubkey must be a 48-byte 0x-hex BLS public key, got ${JSON.stringify(String(pubkey).slice(0, 100))}`);
  const wanted = pubkey.toLowerCase();
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
  const range = await resolveScan(provider, opts, 'SSV ValidatorAdded scan');
  let operatorIds: number[] | undefined;
  await scanLogs(
    provider,
    { contract: 'SSVNetwork', what: 'ValidatorAdded', address, topic0: [event.topicHash], topic1: ownerTopic(ownerAddress) },
    range,
    'backward',
    (logs) => {
      for (let i = logs.length - 1; i >= 0; i--) {
        let args: ethers.Result;
        try {
          args = ssvNetworkInterface.decodeEventLog(event, logs[i].data, logs[i].topics);
        } catch (err) {
          throw new InvalidChainDataError(`SSVNetwork ${address} ValidatorAdded log ${logs[i].transactionHash}#${logs[i].index} does not decode`, { cause: err });
        }
        if ((args.publicKey as string).toLowerCase() !== wanted) continue;
        operatorIds = (args.operatorIds as bigint[]).map(Number);
        return true;
      }
      return false;
    },
  );
  if (!operatorIds) throw new ValidatorNotInSsvError(`${wanted} has no ValidatorAdded event of owner ${ownerAddress} at SSVNetwork ${address} up to block ${range.toBlock}: its keyshares were never registered`);
  return operatorIds;
}

// Bridge.getRewards() and the exit-accounting rule of each bridge kind: bridge-kind.ts.
