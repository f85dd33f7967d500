// Failures of the Beacon API client. Each class's `name` is its failure type, registered with its
// retryability in protocol/failure-types.ts. Messages name the endpoint (redacted: scheme, host and port only) and
// what is wrong; they never contain a signed exit (a bearer instrument, see keys/voluntary-exit.ts).
import { TypedError } from '../typed-failure';

/** Base class: subclasses set `name` to a literal that survives minification and subclassing. */
abstract class BeaconError extends TypedError {}

export interface EndpointFailure {
  /** Redacted endpoint, e.g. `beacon#2 http://127.0.0.1:5052`. */
  endpoint: string;
  /** Why it failed: `connect ECONNREFUSED …`, `no answer within 30000 ms`, `HTTP 503: …`. */
  reason: string;
}

/** No beacon endpoint could answer (down, timing out, HTTP 5xx, unusable answer): retryable. */
export class BeaconUnavailableError extends BeaconError {
  override readonly name = 'BeaconUnavailableError';
  constructor(
    readonly operation: string,
    readonly failures: readonly EndpointFailure[],
  ) {
    super(`no beacon node could ${operation}: ${failures.map((f) => `${f.endpoint}: ${f.reason}`).join('; ')}`);
  }
}

/**
 * A beacon endpoint is on another network than the configured one (or than the other endpoints):
 * a configuration error. The bot must never sign or broadcast for another network.
 */
export class BeaconNetworkMismatchError extends BeaconError {
  override readonly name = 'BeaconNetworkMismatchError';
  constructor(
    readonly endpoint: string,
    readonly field: 'genesis validators root' | 'genesis fork version',
    readonly expected: string,
    readonly found: string,
    /** Where `expected` comes from: `configuration`, or the endpoint that answered first. */
    readonly expectedFrom: string,
  ) {
    super(
      `${endpoint} is on another network: its ${field} is ${found}, expected ${expected} (from ${expectedFrom}); fix the beacon URL list or the expected network`,
    );
  }
}

/**
 * The beacon node refused a voluntary exit (any answer but 2xx, 429, 502, 503, 504): retrying the
 * same exit cannot help. Lodestar 1.5.1 answers these with HTTP 500, current nodes with 400.
 */
export class VoluntaryExitRejectedError extends BeaconError {
  override readonly name = 'VoluntaryExitRejectedError';
  constructor(
    readonly endpoint: string,
    readonly validatorIndex: number,
    readonly epoch: number,
    readonly status: number,
    /** The node's `message`, e.g. VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE. */
    readonly nodeMessage: string,
  ) {
    super(
      `${endpoint} rejected the voluntary exit of validator ${validatorIndex} at epoch ${epoch}: HTTP ${status}: ${nodeMessage}`,
    );
  }
}

/** A bad client configuration or argument (not the node's fault). */
export class InvalidBeaconArgumentError extends BeaconError {
  override readonly name = 'InvalidBeaconArgumentError';
}
