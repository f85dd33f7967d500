// The DKG operators of a NodeOperator cluster, from the public NodeOperator contract, which has no
// getter for an operator's key (facts/nexus-contracts.md):
// - ids from getCluster(id), stored as given: sorted ascending here and checked for 4/7/10/13;
// - RSA public keys from SSVOperatorRegistered events (operatorId indexed; the latest
//   registration per id), cross-checked against SSVNetwork's OperatorAdded key for that id: key
//   shares encrypted to a key SSV does not know would be lost, so a mismatch or a missing event
//   stops creation before any ceremony or deposit (OperatorKeyMismatchError, not retried);
// - DKG endpoints from ssvDKGIP(id): the current value, so SSVOperatorUpdated is followed.
import { createHash } from 'node:crypto';
import { AbiCoder, ethers, type Provider } from 'ethers';
import { nodeOperatorInterface, ssvNetworkInterface } from './abi';
import { callView, checkAddress, pinBlock, uint64Arg, type ContractRef } from './call';
import { scanLogs } from './logs';
import {
  ClusterNotFoundError,
  ContractCallRevertedError,
  InvalidChainDataError,
  InvalidOperatorDataError,
  OperatorKeyMismatchError,
} from './read-errors';
import { SSV_CLUSTER_SIZES, type ClusterOperator, type ScanOptions } from './reads';

const DKG_ENDPOINT = /^https:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/?$/;
const PEM_RSA_PUBLIC_KEY = /^-----BEGIN RSA PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END RSA PUBLIC KEY-----\r?\n?$/;

export interface OperatorContracts {
  nodeOperator: string;
  ssvNetwork: string;
}

/** A short, public fingerprint of an operator key for messages (the key itself is long, not secret). */
export function keyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key.trim()).digest('hex').slice(0, 16)}`;
}

function checkOperator(nodeOperator: string, clusterId: string, id: number, pubKey: string, ip: string): void {
  const where = `NodeOperator ${nodeOperator}: operator ${id} (cluster ${clusterId})`;
  if (pubKey.length === 0) throw new InvalidOperatorDataError(`${where} has no public key`, id);
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(pubKey) && pubKey.length % 4 === 0;
  if (!base64 || !PEM_RSA_PUBLIC_KEY.test(Buffer.from(pubKey, 'base64').toString('utf8'))) {
    throw new InvalidOperatorDataError(
      `${where} has a public key that is not base64 of an "RSA PUBLIC KEY" PEM: ${JSON.stringify(pubKey.slice(0, 40))}…`,
      id,
    );
  }
  const match = DKG_ENDPOINT.exec(ip);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new InvalidOperatorDataError(
      `${where} has DKG endpoint ${JSON.stringify(ip.slice(0, 100))}, expected https://host:port`,
      id,
    );
  }
}

const idTopic = (id: number) => ethers.zeroPadValue(ethers.toBeHex(id), 32).toLowerCase();

/** OperatorAdded.publicKey is `bytes` holding abi.encode(string base64Key); an unencoded key is accepted as UTF-8. */
export function decodeSsvOperatorKey(publicKey: string): string {
  try {
    const [key] = AbiCoder.defaultAbiCoder().decode(['string'], publicKey) as unknown as [string];
    return key;
  } catch {
    return ethers.toUtf8String(publicKey);
  }
}

/** The latest event per operator id among `ids` (forward scan: later logs overwrite earlier ones). */
async function latestEvents(
  provider: Provider,
  address: string,
  contract: string,
  event: ethers.EventFragment,
  iface: ethers.Interface,
  ids: number[],
  range: ScanOptions & { toBlock: number },
): Promise<Map<number, ethers.Result>> {
  const latest = new Map<number, ethers.Result>();
  await scanLogs(
    provider,
    { contract, what: event.name, address, topic0: [event.topicHash], topic1: ids.map(idTopic) },
    range,
    'forward',
    (logs) => {
      for (const log of logs) {
        let args: ethers.Result;
        try {
          args = iface.decodeEventLog(event, log.data, log.topics);
        } catch (err) {
          throw new InvalidChainDataError(
            `${contract} ${address} ${event.name} log ${log.transactionHash}#${log.index} does not decode`,
            { cause: err },
          );
        }
        latest.set(Number(args.operatorId as bigint), args);
      }
    },
  );
  return latest;
}

/**
 * The DKG operators of NodeOperator cluster `clusterId`, ascending by id, each with its RSA public
 * key and ssv-dkg endpoint, read at one block (toBlock: the pinned block). ClusterNotPresent →
 * ClusterNotFoundError; a size other than 4/7/10/13, a duplicate id, a bad key or endpoint →
 * InvalidOperatorDataError; a key missing from either contract's events, or different →
 * OperatorKeyMismatchError. All non-retryable.
 */
/**
 * A NodeOperator cluster's operator ids at a block: sorted ascending (addCluster stores them as
 * given; SSV wants them ascending), each usable, no repeats, 4, 7, 10 or 13 of them.
 */
export async function readClusterOperatorIds(
  provider: Provider,
  nodeOperator: string,
  clusterId: string | number | bigint,
  blockNumber: number,
): Promise<number[]> {
  const ref: ContractRef = {
    name: 'NodeOperator',
    address: checkAddress(nodeOperator, 'NodeOperator address'),
    iface: nodeOperatorInterface,
  };
  const cluster = uint64Arg(clusterId, 'cluster id');
  let rawIds: bigint[];
  try {
    rawIds = [...((await callView(provider, ref, 'getCluster', [cluster], blockNumber))[0] as bigint[])];
  } catch (err) {
    if (err instanceof ContractCallRevertedError && err.revertName === 'ClusterNotPresent')
      throw new ClusterNotFoundError(ref.address, cluster.toString(), blockNumber);
    throw err;
  }
  const ids = rawIds
    .map((id) => {
      if (id === 0n || id > BigInt(Number.MAX_SAFE_INTEGER))
        throw new InvalidOperatorDataError(
          `NodeOperator ${ref.address}: cluster ${cluster} lists operator id ${id}, not usable`,
        );
      return Number(id);
    })
    .sort((a, b) => a - b);
  if (!SSV_CLUSTER_SIZES.includes(ids.length)) {
    throw new InvalidOperatorDataError(
      `NodeOperator ${ref.address}: cluster ${cluster} has ${ids.length} operators (${ids.join(',')}) at block ${blockNumber}; SSV clusters have 4, 7, 10 or 13`,
    );
  }
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1])
      throw new InvalidOperatorDataError(
        `NodeOperator ${ref.address}: cluster ${cluster} lists operator ${ids[i]} twice`,
        ids[i],
      );
  }
  return ids;
}

export async function readClusterOperators(
  provider: Provider,
  contracts: OperatorContracts,
  clusterId: string | number | bigint,
  scan: ScanOptions,
): Promise<ClusterOperator[]> {
  const ref: ContractRef = {
    name: 'NodeOperator',
    address: checkAddress(contracts.nodeOperator, 'NodeOperator address'),
    iface: nodeOperatorInterface,
  };
  const ssvNetwork = checkAddress(contracts.ssvNetwork, 'SSVNetwork address');
  const cluster = uint64Arg(clusterId, 'cluster id');
  const { blockNumber } = await pinBlock(provider, scan.toBlock ?? 'latest');
  const ids = await readClusterOperatorIds(provider, ref.address, cluster, blockNumber);
  const range = { ...scan, toBlock: blockNumber };
  const registered = nodeOperatorInterface.getEvent('SSVOperatorRegistered');
  const added = ssvNetworkInterface.getEvent('OperatorAdded');
  if (!registered || !added) throw new Error('the bot ABI lacks SSVOperatorRegistered or OperatorAdded');
  const [registrations, ssvAdded, endpoints] = await Promise.all([
    latestEvents(provider, ref.address, 'NodeOperator', registered, nodeOperatorInterface, ids, range),
    latestEvents(provider, ssvNetwork, 'SSVNetwork', added, ssvNetworkInterface, ids, range),
    Promise.all(ids.map(async (id) => (await callView(provider, ref, 'ssvDKGIP', [id], blockNumber))[0] as string)),
  ]);
  return ids.map((id, i) => {
    const registration = registrations.get(id);
    const nodeKey = registration?.pubKey as string | undefined;
    const ssvEvent = ssvAdded.get(id);
    const ssvKey = ssvEvent ? decodeSsvOperatorKey(ssvEvent.publicKey as string) : undefined;
    const where = `operator ${id} of cluster ${cluster}`;
    if (nodeKey === undefined)
      throw new OperatorKeyMismatchError(
        `${where}: NodeOperator ${ref.address} has no SSVOperatorRegistered event for it up to block ${blockNumber}: its key is unknown`,
        id,
      );
    if (ssvKey === undefined)
      throw new OperatorKeyMismatchError(
        `${where}: SSVNetwork ${ssvNetwork} has no OperatorAdded event for it up to block ${blockNumber}: SSV does not know this operator`,
        id,
      );
    if (nodeKey.trim() !== ssvKey.trim()) {
      throw new OperatorKeyMismatchError(
        `${where}: NodeOperator's key (${keyFingerprint(nodeKey)}) is not the key SSVNetwork ${ssvNetwork} registered (${keyFingerprint(ssvKey)}): refusing to encrypt key shares to it`,
        id,
      );
    }
    checkOperator(ref.address, cluster.toString(), id, nodeKey.trim(), endpoints[i]);
    return {
      id,
      publicKeyBase64: nodeKey.trim(),
      dkgEndpoint: endpoints[i].replace(/\/$/, ''),
      name: String(registration?.name ?? ''),
    };
  });
}
