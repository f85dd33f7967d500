// What the validator creation activities share: their dependencies, and what is built from them
// once per worker (the log scan range, the preflight dependencies, the status and owner-nonce
// reads, and the mnemonic path's vault and index store, absent on a worker without the salt).
import { ethers } from 'ethers';
import { latestBlockNumber, readSsvOwnerNonce, readValidatorStatuses } from './chain/reads';
import { confirmedReadBlock, nonceAtLeast } from './chain/owner-nonce-floor';
import type { FundingPolicy } from './funding/arithmetic';
import type { PreflightDependencies } from './funding/activities';
import type { TransactionManager } from './chain/tx-manager';
import type { IndexStore } from './keys/index-store';
import type { MnemonicVault } from './keys/mnemonic-vault';
import type { DomainMetricsSink } from './metrics-sink';
import { failure } from './typed-failure';
import { OwnerCountCheckpoints } from './chain/owner-count-checkpoints';

export interface CreationDependencies {
  provider: ethers.JsonRpcProvider;
  txManager: TransactionManager;
  contracts: { nexus: string; nodeOperator: string; ssvNetwork: string; ssvToken: string; ssvNetworkViews?: string };
  /** First block to scan for SSV events (the SSVNetwork deployment block). */
  ssvFromBlock: number;
  /** Largest eth_getLogs range the RPC accepts. */
  logMaxRange: number;
  /** Blocks deep (1 = the head) at which the SSV owner nonce is read (transactions.confirmations); default 1. */
  confirmations?: number;
  /** Fork version that signs deposits (the network's GENESIS_FORK_VERSION). */
  genesisForkVersion: Uint8Array;
  /** How much SSV runway each registration brings (the amount is computed per registration). */
  funding: FundingPolicy;
  /** What the deposit fork version is checked against before each batch. */
  network: PreflightDependencies['network'];
  /** Mnemonic path only (deprecated): absent on a worker without a salt. */
  vault?: MnemonicVault;
  indexStore?: IndexStore;
  /** Dry run: snapshots say so, and the monitor plans and logs without starting any batch. */
  dryRun?: boolean;
  /** Counts created validators (worker metrics); absent in tests. */
  metrics?: DomainMetricsSink;
  /** Keyshares registrations of one batch in flight at once (transactions.pipelineDepth); absent or 1: one after another. */
  pipelineDepth?: number;
}

export type CreationContext = ReturnType<typeof creationContext>;

export function creationContext(deps: CreationDependencies) {
  const { provider, txManager, contracts } = deps;
  const scan = { fromBlock: deps.ssvFromBlock, maxRange: deps.logMaxRange };
  const confirmations = deps.confirmations ?? 1;
  // The owner's ValidatorAdded counted once per worker, not from the deployment block per read.
  const ownerCounts = new OwnerCountCheckpoints(provider, deps.ssvFromBlock, deps.logMaxRange);

  const preflight: PreflightDependencies = {
    provider,
    contracts,
    scan,
    funding: deps.funding,
    network: deps.network,
    metrics: deps.metrics,
  };

  return {
    deps,
    provider,
    txManager,
    contracts,
    scan,
    confirmations,
    preflight,
    ownerCounts,

    /** The vault and index store, or a final failure on a worker started without the salt. */
    mnemonicPath() {
      if (!deps.vault || !deps.indexStore) {
        throw failure(
          'MnemonicPathDisabled',
          'this worker has no mnemonic vault: start it with the salt (mnemonic key path)',
        );
      }
      return { vault: deps.vault, indexStore: deps.indexStore };
    },

    async statusOf(pubkeys: string[]) {
      return (await readValidatorStatuses(provider, contracts.nexus, pubkeys)).statuses;
    },

    /**
     * The owner nonce at the configured confirmations, from a backend that has reached the last
     * registration's block, never below `floor` (owner-nonce-floor.ts). Its errors are named read
     * errors (retryable ones stay retryable): no failure-type conversion needed.
     */
    async currentOwnerNonce(floor: number | undefined, lastRegistrationBlock: number | undefined): Promise<number> {
      const toBlock = confirmedReadBlock(await latestBlockNumber(provider), confirmations, lastRegistrationBlock);
      const read = await ownerCounts.count(toBlock, async (start) => {
        const counted = await readSsvOwnerNonce(provider, contracts.ssvNetwork, contracts.nexus, {
          ...scan,
          fromBlock: start.fromBlock,
          startNonce: start.count,
          toBlock,
        });
        return { ...counted, total: counted.nonce };
      });
      return nonceAtLeast(read, floor);
    },
  };
}
