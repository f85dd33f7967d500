// The deposit signature must be for the network the bot is connected to (DESIGN.md invariant 9):
// the GENESIS_FORK_VERSION it signs with (keys.depositNetwork) must be the connected chain's (by
// chain id) and the beacon node's (its genesis). A deposit signed for another network is accepted
// by the deposit contract and never credited: 32 ETH lost. Pure checks; callers bring the values.
import { TypedError } from '../typed-failure';

/** Chain ids of the public networks and their genesis fork versions. */
export const KNOWN_CHAIN_FORK_VERSIONS: Readonly<Record<string, { network: string; forkVersion: string }>> =
  Object.freeze({
    1: { network: 'mainnet', forkVersion: '0x00000000' },
    17000: { network: 'holesky', forkVersion: '0x01017000' },
    11155111: { network: 'sepolia', forkVersion: '0x90000069' },
    560048: { network: 'hoodi', forkVersion: '0x10000910' },
  });

/** A deposit would be signed for another network than the connected one: never retried. */
export class SigningNetworkMismatchError extends TypedError {
  override readonly name = 'SigningNetworkMismatchError';
}

export interface SigningNetworkInput {
  /** keys.depositNetwork, for the message. */
  depositNetwork: string;
  /** The fork version the bot signs deposits with (0x + 8 hex). */
  signingForkVersion: string;
  /** The connected chain's id (eth_chainId). */
  chainId: number | bigint;
  /** keys.chainForkVersions: fork versions of chain ids that are not public networks. */
  chainForkVersions: Readonly<Record<string, string>>;
  /** The beacon node's genesis fork version and which node said it; absent without a beacon node. */
  beacon?: { genesisForkVersion: string; endpoint: string };
}

/** The fork version chain `chainId` uses and where that comes from, or undefined when unknown. */
export function forkVersionOfChain(
  chainId: number | bigint,
  configured: Readonly<Record<string, string>>,
): { forkVersion: string; from: string } | undefined {
  const id = chainId.toString();
  const known = KNOWN_CHAIN_FORK_VERSIONS[id];
  if (known) return { forkVersion: known.forkVersion, from: known.network };
  const mapped = configured[id];
  return mapped === undefined
    ? undefined
    : { forkVersion: mapped.toLowerCase(), from: `keys.chainForkVersions["${id}"]` };
}

/** Throws SigningNetworkMismatchError (one line naming both values) unless everything agrees. */
export function checkSigningNetwork(input: SigningNetworkInput): void {
  const signing = input.signingForkVersion.toLowerCase();
  const signs = `keys.depositNetwork ${input.depositNetwork} signs deposits with fork version ${signing}`;
  const chain = forkVersionOfChain(input.chainId, input.chainForkVersions);
  if (!chain) {
    throw new SigningNetworkMismatchError(
      `refusing to sign deposits: ${signs}, but chain id ${input.chainId} is not a known network (map it in keys.chainForkVersions if its genesis fork version is ${signing})`,
    );
  }
  if (chain.forkVersion !== signing) {
    throw new SigningNetworkMismatchError(
      `refusing to sign deposits: ${signs}, but chain id ${input.chainId} (${chain.from}) uses ${chain.forkVersion}`,
    );
  }
  const beacon = input.beacon;
  if (beacon && beacon.genesisForkVersion.toLowerCase() !== signing) {
    throw new SigningNetworkMismatchError(
      `refusing to sign deposits: ${signs}, but beacon node ${beacon.endpoint} has genesis fork version ${beacon.genesisForkVersion.toLowerCase()}`,
    );
  }
}
