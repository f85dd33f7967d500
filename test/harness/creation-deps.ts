// The creation activities' dependencies as the integration tests and benches give them on anvil
// with our contracts: the head read (confirmations 1), the SSV scan from the system's deployment,
// zero fork version (anvil's deposit domain), mainnet deposit network and a short SSV runway.
// The caller adds what its test is about (vault, index store, pipeline depth, ...).
import type { ethers } from 'ethers';
import type { TransactionManager } from '../../activities/chain/tx-manager';
import type { CreationDependencies } from '../../activities/creation-context';

export interface SystemAddresses {
  nexus: string;
  nodeOperator: string;
  ssvNetwork: string;
  ssvToken: string;
  ssvNetworkViews: string;
}

export function localCreationDeps(opts: {
  provider: ethers.JsonRpcProvider;
  /** Absent for a test of reads only: any transaction then fails. */
  txManager?: TransactionManager;
  addresses: SystemAddresses;
  deployBlock: number;
  logMaxRange?: number;
}): CreationDependencies {
  const a = opts.addresses;
  return {
    provider: opts.provider,
    txManager: opts.txManager ?? (undefined as unknown as TransactionManager),
    confirmations: 1,
    contracts: {
      nexus: a.nexus,
      nodeOperator: a.nodeOperator,
      ssvNetwork: a.ssvNetwork,
      ssvToken: a.ssvToken,
      ssvNetworkViews: a.ssvNetworkViews,
    },
    ssvFromBlock: opts.deployBlock,
    logMaxRange: opts.logMaxRange ?? 1000,
    genesisForkVersion: new Uint8Array(4),
    funding: { runwayBlocks: 1000n, safetyMarginBlocks: 10n },
    network: { depositNetwork: 'mainnet', signingForkVersion: '0x00000000', chainForkVersions: {} },
  };
}
