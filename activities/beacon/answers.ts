// Reading a Beacon API node's answers: a non-2xx answer becomes the node's own message, and every
// value the client uses is checked before use. An answer that fails here is EndpointAnswerError:
// the endpoint answered, but not usefully, so the client tries the next one.
import { isBeaconStatus, type BeaconValidator } from './validators';

/** The endpoint answered, but not usefully (HTTP error, unusable body): try the next one. */
export class EndpointAnswerError extends Error {}

/** Resolves to the response when it is 2xx; otherwise throws EndpointAnswerError with the node's message. */
export async function ok<R extends { ok: boolean; status: number; statusText: string; errorBody(): Promise<string> }>(
  response: Promise<R>,
): Promise<R> {
  const res = await response;
  if (!res.ok)
    throw new EndpointAnswerError(`HTTP ${res.status}: ${nodeMessage(await res.errorBody(), res.statusText)}`);
  return res;
}

/** The `data` of a JSON answer (metadata such as `finalized` is not needed and not always sent). */
export function dataOf(res: { json(): unknown }): unknown {
  const body = res.json() as { data?: unknown } | null;
  if (body === null || typeof body !== 'object' || body.data === undefined)
    throw new EndpointAnswerError('unusable answer: the JSON body has no `data`');
  return body.data;
}

/** The `message` of a Beacon API error body, else the body's start, else the status text. */
export function nodeMessage(body: string, statusText: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed?.message === 'string' && parsed.message !== '') return parsed.message.slice(0, 500);
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 200) || statusText || '(empty answer)';
}

export type ValidatorRecord = {
  index: number;
  balance: number;
  status: string;
  validator: {
    pubkey: Uint8Array;
    withdrawalCredentials: Uint8Array;
    effectiveBalance: number;
    activationEpoch: number;
    exitEpoch: number;
    withdrawableEpoch: number;
  };
};

export function toBeaconValidator(r: ValidatorRecord): [string, BeaconValidator] {
  if (!isBeaconStatus(r.status))
    throw new EndpointAnswerError(
      `unusable answer: validator ${r.index} has the unknown status ${JSON.stringify(r.status)}`,
    );
  return [
    toHex(r.validator.pubkey),
    {
      index: r.index,
      status: r.status,
      balanceGwei: String(r.balance),
      effectiveBalanceGwei: String(r.validator.effectiveBalance),
      activationEpoch: finiteOrNull(r.validator.activationEpoch),
      exitEpoch: finiteOrNull(r.validator.exitEpoch),
      withdrawableEpoch: finiteOrNull(r.validator.withdrawableEpoch),
      withdrawalCredentials: toHex(r.validator.withdrawalCredentials),
    },
  ];
}

/** Lodestar's epoch type decodes FAR_FUTURE_EPOCH as Infinity. */
function finiteOrNull(epoch: number): number | null {
  return Number.isFinite(epoch) ? epoch : null;
}

export function specInteger(spec: Record<string, unknown>, key: string): number {
  const value = spec[key];
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new EndpointAnswerError(
      `unusable answer: the spec's ${key} is ${JSON.stringify(value)}, not a positive integer`,
    );
  return n;
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
