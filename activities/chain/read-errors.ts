// Errors of the chain read layer. Each sets an explicit `name`: a plain Error thrown from a Temporal
// activity becomes an ApplicationFailure whose `type` is that name, so retry policies can list the
// non-retryable ones (NON_RETRYABLE_CHAIN_READ_ERRORS). Messages name the contract, the call and
// the bad value; they never hold secrets (RPC URLs are shown redacted, see describeRpcUrl).

export class ChainReadError extends Error {
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
    super(`RPC endpoint ${endpoint} reports chain id ${actualChainId}, but the bot is configured for chain id ${expectedChainId}: fix the RPC URL list`);
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
  ) {
    super(`rollup admin ${rollupAdmin} is not registered in Nexus ${nexus} at block ${blockNumber} (Nexus.rollups returned the zero bridge address)`);
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
    super(`NodeOperator ${nodeOperator}.getCluster(${clusterId}) reverted ClusterNotPresent() at block ${blockNumber}: no such operator cluster`);
    this.name = 'ClusterNotFoundError';
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

/** A key the bot must act on in SSV was never registered there by the owner (no ValidatorAdded). */
export class ValidatorNotInSsvError extends ChainReadError {
  constructor(message: string) {
    super(message);
    this.name = 'ValidatorNotInSsvError';
  }
}

/**
 * Error types (names) that retrying the same activity cannot fix: list them in the activity retry
 * policy's nonRetryableErrorTypes. RpcUnavailableError, ContractCallRevertedError and
 * plain provider errors stay retryable (node outages, a lagging node that lacks the block).
 */
export const NON_RETRYABLE_CHAIN_READ_ERRORS = [
  'ChainIdMismatchError',
  'InvalidReadArgumentError',
  'InvalidChainDataError',
  'RollupNotRegisteredError',
  'ClusterNotFoundError',
  'InvalidOperatorDataError',
  'ValidatorNotInSsvError',
] as const;
