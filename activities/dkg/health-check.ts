// Health check of one ssv-dkg operator before a ceremony: GET /health_check over TLS, its signed
// pong decoded, the version and the operator's key compared with what the bot expects.
// (Interface fixed first so that the ceremony runner can be written against it; body to follow.)
import type { DkgOperatorDownError, DkgOperatorKeyMismatchError, DkgVersionMismatchError } from './errors';

export interface DkgOperatorEndpoint {
  id: number;
  /** `https://host:port`, from NodeOperator.ssvDKGIP (no trailing slash). */
  dkgEndpoint: string;
  /** The operator key from the chain: base64 of the "RSA PUBLIC KEY" PEM. */
  publicKeyBase64: string;
}

export interface OperatorHealth {
  operatorId: number;
  endpoint: string;
  /** The version string the operator signs its messages with, e.g. "v3.1.0-653210c". */
  version: string;
}

export interface HealthCheckOptions {
  /** The ssv-dkg version the ceremony will run with (the binary's own `version`). */
  expectedVersion: string;
  /** PEM of the CA (or the self-signed certificate) to trust for this operator; the system CAs when absent. */
  caPem?: string;
  timeoutMs?: number;
}

/**
 * Resolves with the operator's health when it answers, runs `expectedVersion` and signs with the
 * chain's key for its id. Rejects with DkgOperatorDownError, DkgVersionMismatchError or
 * DkgOperatorKeyMismatchError, each naming the operator.
 */
export async function checkOperatorHealth(operator: DkgOperatorEndpoint, opts: HealthCheckOptions): Promise<OperatorHealth> {
  void opts;
  throw new Error(`checkOperatorHealth(${operator.id}) is not implemented yet`) as DkgOperatorDownError | DkgOperatorKeyMismatchError | DkgVersionMismatchError;
}
