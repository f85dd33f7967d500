// Errors of the chain read layer. Each sets its `name`, a failure type of protocol/failure-types.ts
// (which says whether retrying can heal it). Messages name the contract, the call and the bad
// value; they never hold secrets (RPC URLs are shown redacted, see describeRpcUrl).
import { TypedError } from '../typed-failure';

export class ChainReadError extends TypedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainReadError';
  }
}

/** An RPC endpoint answers for another chain than the configured one: a configuration error. */
export class ChainIdMismatchError extends ChainReadError {
  constructor(
    readonly endpoint: string,
    readonly expectedChainId: bigint,
    readonly actualChainId: bigint,
  ) {
    super(
      `RPC endpoint ${endpoint} reports chain id ${actualChainId}, but the bot is configured for chain id ${expectedChainId}: fix the RPC URL list`,
    );
    this.name = 'ChainIdMismatchError';
  }
}

/** Every configured RPC endpoint failed at the transport level (down, timing out, HTTP errors): retryable. */
export class RpcUnavailableError extends ChainReadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpcUnavailableError';
  }
}

/** A bad argument or configuration passed to a read function (not the chain's fault). */
export class InvalidReadArgumentError extends ChainReadError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadArgumentError';
  }
}

/** The chain answered something the bot cannot accept (out-of-range value, no contract at an address, ...). */
export class InvalidChainDataError extends ChainReadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidChainDataError';
  }
}

/** Nexus.rollups(admin) has no bridge: the address is not a registered rollup admin. */
export class RollupNotRegisteredError extends ChainReadError {
  constructor(
    readonly nexus: string,
    readonly rollupAdmin: string,
    readonly blockNumber: number,
    /** What failed because of it, e.g. 'depositValidatorRollup reverted without data'. */
    context?: string,
  ) {
    super(
      `the rollup ${rollupAdmin} is not registered with Nexus ${nexus} at block ${blockNumber} (Nexus.rollups returned the zero bridge address)${context ? `: ${context}` : ''}`,
    );
    this.name = 'RollupNotRegisteredError';
  }
}

/** NodeOperator.getCluster reverted ClusterNotPresent(). */
export class ClusterNotFoundError extends ChainReadError {
  constructor(
    readonly nodeOperator: string,
    readonly clusterId: string,
    readonly blockNumber: number,
  ) {
    super(
      `NodeOperator ${nodeOperator}.getCluster(${clusterId}) reverted ClusterNotPresent() at block ${blockNumber}: no such operator cluster`,
    );
    this.name = 'ClusterNotFoundError';
  }
}

/** Nexus answers SSV_NETWORK() with another address than the configured contracts.ssvNetwork: a configuration error. */
export class NexusVersionMismatchError extends ChainReadError {
  constructor(message: string) {
    super(message);
    this.name = 'NexusVersionMismatchError';
  }
}

/** An operator of a cluster has unusable data in NodeOperator (no key, bad DKG endpoint) or the cluster has a bad shape. */
export class InvalidOperatorDataError extends ChainReadError {
  constructor(
    message: string,
    readonly operatorId?: number,
  ) {
    super(message);
    this.name = 'InvalidOperatorDataError';
  }
}

/** A view call reverted with an error the caller did not expect (decoded name when the ABI knows it). */
export class ContractCallRevertedError extends ChainReadError {
  constructor(
    message: string,
    readonly revertName: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContractCallRevertedError';
  }
}

/**
 * A view call reverted without data: the contract lacks the function (a public contract where the
 * bot expected another version or kind) or called address(0). Not retried: the same call at the
 * same contract reverts the same way. Callers that probe (bridge kind, Nexus version) catch it.
 */
export class EmptyRevertCallError extends ContractCallRevertedError {
  constructor(
    readonly contract: string,
    readonly address: string,
    readonly call: string,
    readonly blockNumber: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${call} at ${address} reverted without data at block ${blockNumber}: this ${contract} has no such function (another version or kind of the contract?)`,
      'EmptyRevert',
      options,
    );
    this.name = 'EmptyRevertCallError';
  }
}

/** The rollup's bridge lacks validatorCount() (the nexusLibrary.sol variant): the bot cannot plan for it. */
export class UnsupportedBridgeError extends ChainReadError {
  constructor(
    readonly bridge: string,
    readonly rollupAdmin: string,
    readonly blockNumber: number,
  ) {
    super(
      `bridge ${bridge} of rollup ${rollupAdmin} has no validatorCount() (an empty revert at block ${blockNumber}): it is the nexusLibrary.sol bridge variant, which the bot does not support`,
    );
    this.name = 'UnsupportedBridgeError';
  }
}

/**
 * NodeOperator's key for an operator (SSVOperatorRegistered) is not the one SSVNetwork knows
 * (OperatorAdded), or one of the two events is missing: key shares encrypted to it could not be
 * decrypted by the operator, so nothing may be deposited for this cluster.
 */
export class OperatorKeyMismatchError extends ChainReadError {
  constructor(
    message: string,
    readonly operatorId: number,
  ) {
    super(message);
    this.name = 'OperatorKeyMismatchError';
  }
}

/** A key the bot must act on in SSV was never registered there by the owner (no ValidatorAdded). */
export class ValidatorNotInSsvError extends ChainReadError {
  constructor(message: string) {
    super(message);
    this.name = 'ValidatorNotInSsvError';
  }
}
