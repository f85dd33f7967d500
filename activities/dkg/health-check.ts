// Health check of one ssv-dkg operator before a ceremony: GET /health_check over TLS, its signed
// pong decoded, the version and the operator's key compared with what the bot expects.
// The pong is checked as ssv-dkg's initiator checks it (wire.ts: SignedTransport of a Pong, RSA-PSS
// over SSZ(Transport)), but against the chain's key for the operator id, not the key it announces.
import { request } from 'node:https';
import type { KeyObject } from 'node:crypto';
import { MalformedOperatorKeyError, parseOperatorPublicKey } from '../keys/operator-keys';
import { DkgOperatorDownError, DkgOperatorKeyMismatchError, DkgVersionMismatchError } from './errors';
import { decodePong, decodeSignedTransport, encodeTransport, PONG_MESSAGE_TYPE, verifyRsa } from './wire';

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
export async function checkOperatorHealth(
  operator: DkgOperatorEndpoint,
  opts: HealthCheckOptions,
): Promise<OperatorHealth> {
  const endpoint = operator.dkgEndpoint.replace(/\/+$/, '');
  let chainKey: KeyObject;
  try {
    chainKey = parseOperatorPublicKey(operator.publicKeyBase64, operator.id);
  } catch (err) {
    if (err instanceof MalformedOperatorKeyError)
      throw new DkgOperatorKeyMismatchError(operator.id, `the chain's key is unusable: ${err.reason}`);
    throw err;
  }
  const body = await getHealthCheck(operator.id, endpoint, opts);
  const who = `ssv-dkg operator ${operator.id} at ${endpoint}`;
  let signed;
  let pong;
  try {
    signed = await decodeSignedTransport(body);
    if (signed.message.type !== PONG_MESSAGE_TYPE)
      throw new Error(`message type ${signed.message.type}, not PongMessageType (${PONG_MESSAGE_TYPE})`);
    pong = await decodePong(signed.message.data);
  } catch (err) {
    // Not a v3.1 pong: another (older) ssv-dkg wire format.
    throw new DkgVersionMismatchError(
      who,
      `unknown (undecodable pong: ${(err as Error).message})`,
      opts.expectedVersion,
    );
  }
  const version = Buffer.from(signed.message.version).toString('utf8');
  if (version !== opts.expectedVersion) throw new DkgVersionMismatchError(who, version, opts.expectedVersion);
  const announced = Buffer.from(pong.pubKey).toString('utf8');
  if (announced.trim() !== operator.publicKeyBase64.trim()) {
    throw new DkgOperatorKeyMismatchError(
      operator.id,
      `${endpoint} answers with another operator key than the chain's for id ${operator.id}`,
    );
  }
  if (!verifyRsa(chainKey, await encodeTransport(signed.message), signed.signature)) {
    throw new DkgOperatorKeyMismatchError(
      operator.id,
      `the pong of ${endpoint} is not signed by the chain's key for id ${operator.id}`,
    );
  }
  if (pong.id !== operator.id) {
    throw new DkgOperatorKeyMismatchError(
      operator.id,
      `${endpoint} says it is operator ${pong.id}, not ${operator.id}`,
    );
  }
  return { operatorId: operator.id, endpoint, version };
}

function getHealthCheck(operatorId: number, endpoint: string, opts: HealthCheckOptions): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const down = (detail: string) => new DkgOperatorDownError(operatorId, endpoint, detail);
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request(
        `${endpoint}/health_check`,
        { method: 'GET', ca: opts.caPem, agent: false, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(down(err.message)));
          res.on('end', () => {
            const answer = Buffer.concat(chunks);
            if (res.statusCode === 200) resolve(answer);
            else
              reject(
                down(`GET /health_check answered HTTP ${res.statusCode}: ${answer.toString('utf8').slice(0, 200)}`),
              );
          });
        },
      );
    } catch (err) {
      reject(down(`bad endpoint: ${(err as Error).message}`));
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`GET /health_check timed out after ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(down(err.code ? `${err.code}: ${err.message}` : err.message)),
    );
    req.end();
  });
}
