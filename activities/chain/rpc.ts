// The bot's read provider: one ethers JsonRpcProvider that sends each JSON-RPC request (or batch) to
// the first healthy endpoint of an ordered URL list and moves to the next when an endpoint fails at
// the transport level (connection refused, timeout, HTTP 5xx/429, unparseable body).
//
// Why not ethers.FallbackProvider with quorum 1: in ethers 6.17 a backend's transport error counts
// as that backend's *answer*, so with quorum 1 a node that dies after startup makes every request
// routed to it fail instead of falling over (checked on anvil; ethers-io/ethers.js#3131, open); a
// backend that is down at startup is excluded for the provider's whole life; and with staticNetwork
// it never asks the backends for their chain id. Subclassing JsonRpcProvider and overriding only its
// documented `_send` primitive keeps everything else maintained by ethers (request batching, error
// decoding, block tags) and adds what the bot needs: ordered failover with a cool-down, a chain-id
// check of every endpoint before it answers anything, and URLs redacted in every message.
import { FetchRequest, JsonRpcProvider, Network, type JsonRpcPayload, type JsonRpcResult } from 'ethers';
import { ChainIdMismatchError, InvalidReadArgumentError, RpcUnavailableError } from './read-errors';

export interface RpcEndpointsConfig {
  /** http(s) JSON-RPC URLs in order of preference (the first healthy one answers). */
  urls: readonly string[];
  /** The chain id every endpoint must report (eth_chainId). */
  chainId: number | bigint;
  /** Per-request timeout before failing over; default 30 s. */
  requestTimeoutMs?: number;
  /** How long a failed endpoint is tried only after the healthy ones; default 30 s. */
  endpointCooldownMs?: number;
  /** Most requests in one JSON-RPC batch (some providers cap batches); default 100. */
  batchMaxCount?: number;
}

export interface RpcEndpointStatus {
  /** Redacted URL with its position, e.g. `rpc#2 https://eth.example.org/…`. */
  endpoint: string;
  chainIdVerified: boolean;
  healthy: boolean;
  /** Short description of the last transport failure, if any. */
  lastError?: string;
}

export interface RpcEndpointCheck {
  endpoint: string;
  ok: boolean;
  /** Decimal chain id when the endpoint answered. */
  chainId?: string;
  error?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_COOLDOWN_MS = 30_000;
/** FetchRequest retries HTTP 429 with back-off; keep that short so another endpoint gets the request. */
const THROTTLE_ATTEMPTS = 2;

/**
 * A URL as it may appear in logs and errors: scheme, host and port, with credentials and any path
 * or query (where providers put API keys) replaced by "…". `index` is the 0-based list position.
 */
export function describeRpcUrl(url: string, index?: number): string {
  const prefix = index === undefined ? '' : `rpc#${index + 1} `;
  try {
    const u = new URL(url);
    const hidden = u.pathname !== '/' || u.search !== '' || u.username !== '' || u.password !== '';
    return `${prefix}${u.protocol}//${u.host}${hidden ? '/…' : ''}`;
  } catch {
    return `${prefix}<unparseable URL>`;
  }
}

interface Endpoint {
  readonly index: number;
  readonly url: string;
  readonly label: string;
  verified: boolean;
  verifying?: Promise<void>;
  failedAt?: number;
  lastError?: string;
}

function shortError(err: unknown): string {
  const e = err as { code?: unknown; shortMessage?: unknown; message?: unknown; cause?: { code?: unknown } };
  const text =
    typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.cause?.code === 'string' ? ` (${e.cause.code})` : '';
  return `${text.split('\n')[0].slice(0, 200)}${code}`;
}

function parseConfig(config: RpcEndpointsConfig): { urls: string[]; chainId: bigint } {
  if (!Array.isArray(config.urls) || config.urls.length === 0) {
    throw new InvalidReadArgumentError('RPC configuration: at least one RPC URL is required');
  }
  const seen = new Set<string>();
  config.urls.forEach((url, i) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidReadArgumentError(`RPC configuration: rpc#${i + 1} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidReadArgumentError(
        `RPC configuration: ${describeRpcUrl(url, i)} must be http(s) (got ${parsed.protocol})`,
      );
    }
    if (seen.has(parsed.href))
      throw new InvalidReadArgumentError(`RPC configuration: ${describeRpcUrl(url, i)} is listed twice`);
    seen.add(parsed.href);
  });
  let chainId: bigint;
  try {
    chainId = BigInt(config.chainId);
  } catch {
    throw new InvalidReadArgumentError(`RPC configuration: chain id ${String(config.chainId)} is not an integer`);
  }
  if (chainId <= 0n) throw new InvalidReadArgumentError(`RPC configuration: chain id must be positive, got ${chainId}`);
  for (const [name, value] of [
    ['requestTimeoutMs', config.requestTimeoutMs],
    ['endpointCooldownMs', config.endpointCooldownMs],
    ['batchMaxCount', config.batchMaxCount],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new InvalidReadArgumentError(`RPC configuration: ${name} must be a positive integer, got ${value}`);
    }
  }
  return { urls: [...config.urls], chainId };
}

/**
 * JsonRpcProvider with ordered failover over several endpoints and a chain-id check of each
 * endpoint before its first answer is used. Built with `{ staticNetwork, cacheTimeout: -1 }`: no
 * network polling, no 250 ms answer cache (wrong for reads that must see the latest state).
 */
export class FailoverJsonRpcProvider extends JsonRpcProvider {
  readonly expectedChainId: bigint;
  readonly #endpoints: Endpoint[];
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;

  constructor(config: RpcEndpointsConfig) {
    const { urls, chainId } = parseConfig(config);
    const network = Network.from(chainId);
    super(urls[0], network, {
      staticNetwork: network,
      cacheTimeout: -1,
      batchMaxCount: config.batchMaxCount ?? 100,
      polling: false,
    });
    this.expectedChainId = chainId;
    this.#timeoutMs = config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#cooldownMs = config.endpointCooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.#endpoints = urls.map((url, index) => ({ index, url, label: describeRpcUrl(url, index), verified: false }));
  }

  /** Health of every endpoint, for status output and metrics (no secrets). */
  get endpointStatus(): RpcEndpointStatus[] {
    const now = Date.now();
    return this.#endpoints.map((e) => ({
      endpoint: e.label,
      chainIdVerified: e.verified,
      healthy: e.failedAt === undefined || now - e.failedAt >= this.#cooldownMs,
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
    }));
  }

  /**
   * Asks every endpoint for its chain id (in parallel). Throws ChainIdMismatchError (naming the
   * endpoint) when any reachable endpoint is on another chain, RpcUnavailableError when none
   * answers; unreachable endpoints are reported and checked again before their first use.
   */
  async verifyEndpoints(): Promise<RpcEndpointCheck[]> {
    const checks = await Promise.all(
      this.#endpoints.map(async (e): Promise<RpcEndpointCheck> => {
        try {
          const chainId = await this.#fetchChainId(e);
          return { endpoint: e.label, ok: chainId === this.expectedChainId, chainId: chainId.toString() };
        } catch (err) {
          this.#markFailed(e, err);
          return { endpoint: e.label, ok: false, error: shortError(err) };
        }
      }),
    );
    const wrong = checks.find((c) => c.chainId !== undefined && !c.ok);
    if (wrong) throw new ChainIdMismatchError(wrong.endpoint, this.expectedChainId, BigInt(wrong.chainId as string));
    for (const [i, c] of checks.entries()) if (c.ok) this.#endpoints[i].verified = true;
    if (!checks.some((c) => c.ok)) {
      throw new RpcUnavailableError(
        `no RPC endpoint answered eth_chainId: ${checks.map((c) => `${c.endpoint}: ${c.error}`).join('; ')}`,
      );
    }
    return checks;
  }

  /** The JSON-RPC transport: the first endpoint that answers wins; see the file comment. */
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const failures: string[] = [];
    let lastError: unknown;
    for (const endpoint of this.#order()) {
      try {
        await this.#ensureVerified(endpoint);
        const result = await this.#post(endpoint, payload);
        endpoint.failedAt = undefined;
        return result;
      } catch (err) {
        if (err instanceof ChainIdMismatchError) throw err;
        this.#markFailed(endpoint, err);
        failures.push(`${endpoint.label}: ${shortError(err)}`);
        lastError = err;
      }
    }
    throw new RpcUnavailableError(`all ${this.#endpoints.length} RPC endpoints failed: ${failures.join('; ')}`, {
      cause: lastError,
    });
  }

  /** Healthy endpoints in configured order, then those cooling down, least recently failed first. */
  #order(): Endpoint[] {
    const now = Date.now();
    const healthy = this.#endpoints.filter((e) => e.failedAt === undefined || now - e.failedAt >= this.#cooldownMs);
    const cooling = this.#endpoints
      .filter((e) => !healthy.includes(e))
      .sort((a, b) => (a.failedAt as number) - (b.failedAt as number));
    return [...healthy, ...cooling];
  }

  #markFailed(endpoint: Endpoint, err: unknown): void {
    endpoint.failedAt = Date.now();
    endpoint.lastError = shortError(err);
  }

  async #ensureVerified(endpoint: Endpoint): Promise<void> {
    if (endpoint.verified) return;
    endpoint.verifying ??= (async () => {
      try {
        const chainId = await this.#fetchChainId(endpoint);
        if (chainId !== this.expectedChainId)
          throw new ChainIdMismatchError(endpoint.label, this.expectedChainId, chainId);
        endpoint.verified = true;
      } finally {
        endpoint.verifying = undefined;
      }
    })();
    await endpoint.verifying;
  }

  async #fetchChainId(endpoint: Endpoint): Promise<bigint> {
    const [answer] = await this.#post(endpoint, { jsonrpc: '2.0', id: 0, method: 'eth_chainId', params: [] });
    const result = (answer as { result?: unknown }).result;
    if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(result)) {
      throw new Error(`eth_chainId answered ${JSON.stringify(answer).slice(0, 200)}`);
    }
    return BigInt(result);
  }

  async #post(endpoint: Endpoint, payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const request = new FetchRequest(endpoint.url);
    request.timeout = this.#timeoutMs;
    request.setThrottleParams({ maxAttempts: THROTTLE_ATTEMPTS });
    request.body = JSON.stringify(payload);
    request.setHeader('content-type', 'application/json');
    const response = await request.send();
    response.assertOk();
    const body: unknown = response.bodyJson;
    const answers = Array.isArray(body) ? body : [body];
    if (answers.some((a) => a === null || typeof a !== 'object'))
      throw new Error('the JSON-RPC answer is not an object');
    return answers as JsonRpcResult[];
  }
}

/** Builds the failover provider and checks every endpoint's chain id once (see verifyEndpoints). */
export async function createChainProvider(
  config: RpcEndpointsConfig,
): Promise<{ provider: FailoverJsonRpcProvider; checks: RpcEndpointCheck[] }> {
  const provider = new FailoverJsonRpcProvider(config);
  try {
    return { provider, checks: await provider.verifyEndpoints() };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}
