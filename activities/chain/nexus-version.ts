// Which public Nexus version the bot talks to (facts/nexus-contracts.md): v2024-06 has the getter
// SSV_NETWORK() and exits one key at a time through SSV; v2024-03 has neither (SSV_NETWORK()
// reverts without data) and cannot exit DKG validators. Chosen by configuration
// (chain.nexusVersion) or detected, once per process: the version of a deployed proxy changes
// only with an upgrade, which comes with a worker restart.
import type { Provider } from 'ethers';
import { nexusInterface } from './abi';
import { callView, checkAddress, pinBlock } from './call';
import { EmptyRevertCallError, NexusVersionMismatchError } from './read-errors';

export type NexusVersion = 'v2024-03' | 'v2024-06';
export type NexusVersionSetting = 'auto' | NexusVersion;

export interface NexusVersionInput {
  provider: Provider;
  nexus: string;
  /** The configured contracts.ssvNetwork: on v2024-06 it must be the one Nexus calls. */
  ssvNetwork: string;
  setting: NexusVersionSetting;
}

/**
 * The version, checking what can be checked: on v2024-06 (configured or detected) SSV_NETWORK()
 * must equal the configured SSVNetwork, or the owner-nonce and cluster-snapshot scans would read
 * the wrong contract (NexusVersionMismatchError, a configuration error naming both addresses).
 */
export async function detectNexusVersion(input: NexusVersionInput): Promise<NexusVersion> {
  const nexus = checkAddress(input.nexus, 'Nexus address');
  const configured = checkAddress(input.ssvNetwork, 'SSVNetwork address');
  if (input.setting === 'v2024-03') return 'v2024-03'; // nothing to probe: it has no getter
  const { blockNumber } = await pinBlock(input.provider);
  let answered: string;
  try {
    [answered] = (await callView(
      input.provider,
      { name: 'Nexus', address: nexus, iface: nexusInterface },
      'SSV_NETWORK',
      [],
      blockNumber,
    )) as unknown as [string];
  } catch (err) {
    if (!(err instanceof EmptyRevertCallError)) throw err;
    if (input.setting === 'v2024-06') {
      throw new NexusVersionMismatchError(
        `chain.nexusVersion is v2024-06, but Nexus ${nexus} has no SSV_NETWORK() (an empty revert at block ${blockNumber}): it is v2024-03; fix chain.nexusVersion or use auto`,
      );
    }
    return 'v2024-03';
  }
  if (checkAddress(answered, 'Nexus.SSV_NETWORK()') !== configured) {
    throw new NexusVersionMismatchError(
      `Nexus ${nexus} calls SSVNetwork ${checkAddress(answered, 'SSV_NETWORK')} (SSV_NETWORK() at block ${blockNumber}), but contracts.ssvNetwork is ${configured}: fix contracts.ssvNetwork`,
    );
  }
  return 'v2024-06';
}

/**
 * A resolver that detects once and then answers from memory. A failed detection (RPC down) is not
 * cached: the next call tries again.
 */
export function nexusVersionResolver(input: NexusVersionInput): () => Promise<NexusVersion> {
  let pending: Promise<NexusVersion> | undefined;
  return () => {
    pending ??= detectNexusVersion(input).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
