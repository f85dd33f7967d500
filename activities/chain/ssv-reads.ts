// SSV reads (reads.ts): the owner nonce and a cluster's snapshot, from SSVNetwork's logs and views.
import { ethers, type Provider } from 'ethers';
import { ssvNetworkInterface } from './abi';
import { scanLogs } from './logs';
import { checkAddress } from './call';
import { InvalidChainDataError, InvalidReadArgumentError } from './read-errors';
import {
  type ClusterSnapshot,
  NEW_CLUSTER_SNAPSHOT,
  type ClusterSnapshotResult,
  type SsvOwnerNonce,
  type ScanOptions,
} from './reads-types';
import { logPosition, resolveScan, ownerTopic, operatorIdsArg } from './read-helpers';

/** Events of the bot's SSVNetwork ABI that carry a cluster's new snapshot: (address indexed owner, uint64[] operatorIds, …, Cluster cluster). */
const CLUSTER_EVENTS: ethers.EventFragment[] = (() => {
  const out: ethers.EventFragment[] = [];
  ssvNetworkInterface.forEachEvent((ev) => {
    const [owner, ids] = ev.inputs;
    const last = ev.inputs[ev.inputs.length - 1];
    if (
      owner?.type === 'address' &&
      owner.indexed &&
      ids?.type === 'uint64[]' &&
      last?.name === 'cluster' &&
      last.baseType === 'tuple'
    )
      out.push(ev);
  });
  return out;
})();

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
  if (!Number.isSafeInteger(startNonce) || startNonce < 0)
    throw new InvalidReadArgumentError(`startNonce must be an integer ≥ 0, got ${startNonce}`);
  const range = await resolveScan(provider, opts, 'SSV owner nonce scan');
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
  let count = 0;
  let last: ethers.Log | undefined;
  await scanLogs(
    provider,
    {
      contract: 'SSVNetwork',
      what: 'ValidatorAdded',
      address,
      topic0: [event.topicHash],
      topic1: ownerTopic(ownerAddress),
    },
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
      throw new InvalidChainDataError(
        `SSVNetwork ${address} ValidatorAdded log ${last.transactionHash}#${last.index} does not decode`,
        { cause: err },
      );
    }
    lastValidatorAdded = { ...logPosition(last), publicKey: publicKey.toLowerCase() };
  }
  return { owner: ownerAddress, nonce: startNonce + count, blockNumber: range.toBlock, lastValidatorAdded };
}

function snapshotOf(value: unknown, where: string): ClusterSnapshot {
  const c = value as {
    validatorCount?: unknown;
    networkFeeIndex?: unknown;
    index?: unknown;
    active?: unknown;
    balance?: unknown;
  };
  if (
    typeof c?.validatorCount !== 'bigint' ||
    typeof c.networkFeeIndex !== 'bigint' ||
    typeof c.index !== 'bigint' ||
    typeof c.active !== 'boolean' ||
    typeof c.balance !== 'bigint'
  ) {
    throw new InvalidChainDataError(
      `${where}: the cluster tuple does not decode as (uint32, uint64, uint64, bool, uint256)`,
    );
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
export function clusterTuple(c: ClusterSnapshot): {
  validatorCount: bigint;
  networkFeeIndex: bigint;
  index: bigint;
  active: boolean;
  balance: bigint;
} {
  return {
    validatorCount: BigInt(c.validatorCount),
    networkFeeIndex: BigInt(c.networkFeeIndex),
    index: BigInt(c.index),
    active: c.active,
    balance: BigInt(c.balance),
  };
}
