// What the chain reads return (reads.ts): small plain JSON that crosses activity boundaries.
import type { BlockTag } from 'ethers';
import type { BasisPoints } from '../../protocol/identifiers';
import type { BlockRangeOptions } from './logs';

/** Which of the two public bridge variants a rollup uses (bridge-kind.ts tells them apart). */
export type BridgeKind = 'DAO' | 'User';

// The Nexus enum is the protocol's (workflows read it too).
export { NEXUS_VALIDATOR_STATUSES, type NexusValidatorStatus } from '../../protocol/nexus';
import type { NexusValidatorStatus } from '../../protocol/nexus';

/** SSV operator committee sizes (3f+1, f = 1..4). */
export const SSV_CLUSTER_SIZES: readonly number[] = [4, 7, 10, 13];

export interface PinnedBlock {
  blockNumber: number;
  blockHash: string;
}

export interface RollupState extends PinnedBlock {
  rollupAdmin: string;
  bridge: string;
  /** Checked 0..10000 as it was read (call.ts chainStakingLimit). */
  stakingLimit: BasisPoints;
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
  statuses: { pubkey: string; status: NexusValidatorStatus }[];
}

interface RollupEventBase extends LogPosition {
  rollupAdmin: string;
}
export type RollupEvent =
  | (RollupEventBase & {
      event: 'RollupRegistered';
      bridge: string;
      stakingLimit: BasisPoints;
      operatorCluster: string;
      nexusFee: string;
    })
  | (RollupEventBase & { event: 'StakingLimitChanged'; stakingLimit: BasisPoints })
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
