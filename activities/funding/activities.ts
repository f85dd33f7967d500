// Pre-deposit checks of a creation batch (DESIGN.md invariant 9: deposit only what will be
// operated): its SSV registrations are fundable, and its deposits are signed for the connected
// network. Plus the amount one registration sends, from the same arithmetic.
import { failure } from '../typed-failure';
import type { ethers } from 'ethers';
import type { ScanOptions } from '../chain/reads';
import { checkSigningNetwork, SigningNetworkMismatchError } from '../chain/signing-network';
import type { DomainMetricsSink } from '../metrics-sink';
import type { RegistrationFunding } from '../types';
import { registrationAmountWei, type FundingPolicy } from './arithmetic';
import { readClusterFunding, readOperatorIds, type ClusterFundingState, type FundingContracts } from './reads';
import { fundingVerdict } from './verdict';

export interface PreflightDependencies {
  provider: ethers.JsonRpcProvider;
  contracts: Omit<FundingContracts, 'ssvNetworkViews'> & { ssvNetworkViews?: string };
  scan: ScanOptions;
  funding: FundingPolicy;
  network: {
    depositNetwork: string;
    /** 0x-hex GENESIS_FORK_VERSION the deposits are signed with. */
    signingForkVersion: string;
    chainForkVersions: Readonly<Record<string, string>>;
    /** A beacon node to ask for its genesis (no expectations of its own); absent: chain id only. */
    beacon?: { getGenesis(): Promise<{ genesisForkVersion: string; endpoint: string }> };
  };
  metrics?: DomainMetricsSink;
}

export interface SigningNetworkReport {
  chainId: number;
  forkVersion: string;
  /** The beacon endpoint whose genesis agreed, if one is configured. */
  beacon?: string;
}

function contractsOf(deps: PreflightDependencies): FundingContracts {
  const views = deps.contracts.ssvNetworkViews;
  if (!views) {
    throw failure(
      'SsvViewsNotConfigured',
      'contracts.ssvNetworkViews is not configured: the bot cannot compute what an SSV registration costs, so it deposits nothing',
    );
  }
  return { ...deps.contracts, ssvNetworkViews: views };
}

/** Chain id and beacon genesis agree with the deposit fork version, or SigningNetworkMismatchError. */
export async function verifySigningNetwork(
  deps: Pick<PreflightDependencies, 'network'>,
  chainId: number | bigint,
): Promise<SigningNetworkReport> {
  const beacon = deps.network.beacon && (await deps.network.beacon.getGenesis());
  checkSigningNetwork({ ...deps.network, chainId, beacon });
  return {
    chainId: Number(chainId),
    forkVersion: deps.network.signingForkVersion,
    ...(beacon ? { beacon: beacon.endpoint } : {}),
  };
}

/** The cluster state and the amount of the next registration into it. */
export async function nextRegistrationFunding(
  deps: PreflightDependencies,
  operatorIds: number[],
): Promise<{ state: ClusterFundingState; amountWei: bigint }> {
  const state = await readClusterFunding(deps.provider, contractsOf(deps), operatorIds, deps.scan);
  return { state, amountWei: registrationAmountWei(state.fees, deps.funding, state.funds) };
}

export function createPreflightActivities(deps: PreflightDependencies) {
  return {
    async checkRegistrationFunding({
      rollupAdmin,
      operatorCluster,
      count,
    }: {
      rollupAdmin: string;
      operatorCluster: number;
      count: number;
    }): Promise<RegistrationFunding> {
      const contracts = contractsOf(deps);
      const operatorIds = await readOperatorIds(deps.provider, contracts.nodeOperator, operatorCluster);
      const state = await readClusterFunding(deps.provider, contracts, operatorIds, deps.scan);
      const verdict = fundingVerdict(state, deps.funding, count);
      deps.metrics?.registrationFunding?.(rollupAdmin, verdict.reason);
      return verdict;
    },

    async checkSigningNetwork(): Promise<SigningNetworkReport> {
      // Asked afresh: the RPC behind a load balancer may have moved to another chain.
      const chainId = BigInt((await deps.provider.send('eth_chainId', [])) as string);
      try {
        return await verifySigningNetwork(deps, chainId);
      } catch (err) {
        if (err instanceof SigningNetworkMismatchError) throw failure(err.name, err.message);
        throw err;
      }
    },
  };
}
