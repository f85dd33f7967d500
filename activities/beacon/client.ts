// The bot's Beacon API client: chain info, validator records and voluntary-exit broadcast over the
// standard REST routes, through @lodestar/api (its route definitions, request encoding and SSZ JSON
// codecs), one single-URL client per endpoint, with failover and a network check of our own.
//
// Why not @lodestar/api's multi-URL mode: it fails over on *any* non-2xx answer and reports only the
// last error, so a node's rejection of an exit followed by a second node being down surfaces as
// "unavailable" (retried for ever) instead of "rejected"; and it hides which URL answered, so it
// cannot tell us that the endpoint which answered is on the expected network. Here an endpoint is
// used only after its genesis matched, and every URL tried is named with its reason.
//
// Compatibility with Lodestar 1.5.1 (the local dev node, see facts/local-infra.md §4):
// - validators are asked with repeated `id=` query parameters (what @lodestar/api sends); 1.5.1
//   ignores the comma form and has no POST /validators;
// - @lodestar/api 1.46 parses response metadata strictly and requires `finalized`, which 1.5.1 does
//   not send: for headers and validators we decode only `data`, with the route's own SSZ JSON type;
// - 1.5.1 answers an invalid exit with HTTP 500, so any non-2xx answer to an exit is a rejection,
//   except 429, 502, 503 and 504, which say the node (or its proxy) cannot take requests now.
import { forkScheduleFromSpec, type ForkSchedule } from './fork-schedule';
import {
  BeaconNetworkMismatchError,
  BeaconUnavailableError,
  InvalidBeaconArgumentError,
  VoluntaryExitRejectedError,
  type EndpointFailure,
} from './errors';
import type { BeaconValidator } from './validators';
import { EndpointAnswerError, dataOf, nodeMessage, ok, specInteger, toBeaconValidator, toHex } from './answers';
import {
  loadLodestarApi,
  loadLodestarConfig,
  loadLodestarTypes,
  loadLodestarUtils,
  type LodestarApi,
  type LodestarUtils,
} from '../esm/loaders';
import type { SignedVoluntaryExitJson } from './voluntary-exit-json';
import { describeBeaconUrl, hexArgument, positiveInteger } from './client-arguments';

export interface BeaconClientOptions {
  /** Beacon API base URLs in order of preference (the first healthy one answers). */
  urls: readonly string[];
  /** Per-request timeout before failing over; default 30 s. */
  timeoutMs?: number;
  /** How long a failed endpoint is tried only after the others; default 30 s. */
  cooldownMs?: number;
  /** Pubkeys per validators request (repeated id= in the URL, ~100 bytes each); default 40. */
  validatorBatchSize?: number;
  /** The network the bot is configured for: every endpoint's genesis must match. */
  expected?: { genesisForkVersion?: string; genesisValidatorsRoot?: string };
}

export interface ChainInfo {
  /** Unix seconds. */
  genesisTime: number;
  /** 32 bytes, lower-case 0x-hex. */
  genesisValidatorsRoot: string;
  /** 4 bytes, lower-case 0x-hex. */
  genesisForkVersion: string;
  /** From the node's spec, never from the preset this process imports. */
  secondsPerSlot: number;
  /** From the node's spec (a minimal-preset dev node has 8, mainnet 32). */
  slotsPerEpoch: number;
  headSlot: number;
  /** The head slot's epoch: an exit signed for it is never early for the node that answered. */
  currentEpoch: number;
  forkSchedule: ForkSchedule;
}

export type ExitOutcome =
  /** The node took the exit into its pool and gossips it. */
  | 'accepted'
  /**
   * The node already holds a valid exit for this validator (VOLUNTARY_EXIT_ERROR_ALREADY_EXISTS;
   * Lodestar keys its pool by validator index): an earlier broadcast of this exit, or another exit
   * of the same validator, which exits it all the same. Success: nothing to resend.
   */
  | 'already_known';

export interface ExitSubmission {
  outcome: ExitOutcome;
  /** The endpoint that answered (redacted). */
  endpoint: string;
  validatorIndex: number;
  epoch: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_COOLDOWN_MS = 30_000;
const DEFAULT_VALIDATOR_BATCH_SIZE = 40;
/** Answers to an exit that mean "not now" rather than "not this exit". */
const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);
/** Lodestar's code for an exit of a validator whose exit is already in its pool. */
const ALREADY_EXISTS = 'VOLUNTARY_EXIT_ERROR_ALREADY_EXISTS';

type ApiClient = ReturnType<LodestarApi['getClient']>;

interface Genesis {
  genesisTime: number;
  genesisValidatorsRoot: string;
  genesisForkVersion: string;
}

interface Endpoint {
  readonly url: string;
  readonly label: string;
  api?: ApiClient;
  /** Set once the endpoint's genesis passed the network check. */
  genesis?: Genesis;
  failedAt?: number;
}

export class BeaconClient {
  readonly #endpoints: Endpoint[];
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  readonly #batchSize: number;
  readonly #expected: { genesisForkVersion?: string; genesisValidatorsRoot?: string };
  /** The first endpoint that passed the network check: the others must agree with it. */
  #reference?: { genesis: Genesis; endpoint: string };
  #libs?: { api: LodestarApi; utils: LodestarUtils };

  constructor(options: BeaconClientOptions) {
    const { urls } = options;
    if (!Array.isArray(urls) || urls.length === 0)
      throw new InvalidBeaconArgumentError('beacon client: at least one beacon API URL is required');
    const seen = new Set<string>();
    this.#endpoints = urls.map((url, i) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new InvalidBeaconArgumentError(`beacon client: beacon#${i + 1} is not a URL`);
      }
      const label = describeBeaconUrl(url, i);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new InvalidBeaconArgumentError(`beacon client: ${label} must be http(s), got ${parsed.protocol}`);
      }
      if (seen.has(parsed.href)) throw new InvalidBeaconArgumentError(`beacon client: ${label} is listed twice`);
      seen.add(parsed.href);
      return { url, label };
    });
    this.#timeoutMs = positiveInteger(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.#cooldownMs = positiveInteger(options.cooldownMs, DEFAULT_COOLDOWN_MS, 'cooldownMs');
    this.#batchSize = positiveInteger(options.validatorBatchSize, DEFAULT_VALIDATOR_BATCH_SIZE, 'validatorBatchSize');
    const expected = options.expected ?? {};
    this.#expected = {
      genesisForkVersion:
        expected.genesisForkVersion === undefined
          ? undefined
          : hexArgument(expected.genesisForkVersion, 4, 'expected genesisForkVersion'),
      genesisValidatorsRoot:
        expected.genesisValidatorsRoot === undefined
          ? undefined
          : hexArgument(expected.genesisValidatorsRoot, 32, 'expected genesisValidatorsRoot'),
    };
  }

  /** The genesis of the first endpoint that answers (asked afresh), with that endpoint's redacted name. */
  async getGenesis(): Promise<{
    genesisTime: number;
    genesisValidatorsRoot: string;
    genesisForkVersion: string;
    endpoint: string;
  }> {
    return this.#run('read the genesis', { freshGenesis: true }, async (_api, endpoint, genesis) => ({
      ...genesis,
      endpoint: endpoint.label,
    }));
  }

  /** Genesis, slot timing and fork schedule from the node's own spec, and the head slot, all from one endpoint. */
  async getChainInfo(): Promise<ChainInfo> {
    // Fresh genesis every time: a URL behind a load balancer may reach another node than before.
    return this.#run('read the chain info', { freshGenesis: true }, async (api, _endpoint, genesis) => {
      const spec = (await ok(api.config.getSpec())).value() as Record<string, unknown>;
      const slotsPerEpoch = specInteger(spec, 'SLOTS_PER_EPOCH');
      const secondsPerSlot =
        spec.SECONDS_PER_SLOT !== undefined
          ? specInteger(spec, 'SECONDS_PER_SLOT')
          : specInteger(spec, 'SLOT_DURATION_MS') / 1000;
      const forkSchedule = forkScheduleFromSpec(spec);
      if (forkSchedule.GENESIS.version !== genesis.genesisForkVersion) {
        throw new EndpointAnswerError(
          `the spec's GENESIS_FORK_VERSION ${forkSchedule.GENESIS.version} differs from the genesis fork version ${genesis.genesisForkVersion}`,
        );
      }
      const { routes } = this.#lib().api;
      const head = routes.beacon.block.BlockHeaderResponseType.fromJson(
        dataOf(await ok(api.beacon.getBlockHeader({ blockId: 'head' }))),
      );
      const headSlot = head.header.message.slot;
      return {
        ...genesis,
        secondsPerSlot,
        slotsPerEpoch,
        headSlot,
        currentEpoch: Math.floor(headSlot / slotsPerEpoch),
        forkSchedule,
      };
    });
  }

  /**
   * The head state's records of `pubkeys` (0x-hex, any case), keyed by lower-case pubkey; pubkeys
   * the node does not know are absent. Asked in batches with repeated `id=`, each batch from the
   * first endpoint that answers. A Map: turn it into a plain object before an activity returns it.
   */
  async getValidators(pubkeys: readonly string[]): Promise<Map<string, BeaconValidator>> {
    const wanted = [...new Set(pubkeys.map((p, i) => hexArgument(p, 48, `pubkey #${i + 1}`)))];
    const result = new Map<string, BeaconValidator>();
    // Never send an empty id list: a node answers that with every validator of the state.
    for (let start = 0; start < wanted.length; start += this.#batchSize) {
      const batch = wanted.slice(start, start + this.#batchSize);
      const asked = new Set(batch);
      const records = await this.#run(
        `read validators ${start + 1}-${start + batch.length} of ${wanted.length}`,
        {},
        async (api) => {
          const { routes } = this.#lib().api;
          const res = await ok(api.beacon.getStateValidators({ stateId: 'head', validatorIds: batch }));
          return routes.beacon.state.ValidatorResponseListType.fromJson(dataOf(res)).map(toBeaconValidator);
        },
      );
      for (const [pubkey, validator] of records) if (asked.has(pubkey)) result.set(pubkey, validator);
    }
    return result;
  }

  /**
   * Broadcasts a signed voluntary exit (POST /eth/v1/beacon/pool/voluntary_exits). Returns
   * `accepted` or `already_known` (see ExitOutcome); throws VoluntaryExitRejectedError when a node
   * refuses it, BeaconUnavailableError when none could take it.
   */
  async submitVoluntaryExit(signedExit: SignedVoluntaryExitJson): Promise<ExitSubmission> {
    const { ssz } = await loadLodestarTypes();
    let exit: ReturnType<typeof ssz.phase0.SignedVoluntaryExit.fromJson>;
    try {
      exit = ssz.phase0.SignedVoluntaryExit.fromJson(signedExit);
    } catch (err) {
      throw new InvalidBeaconArgumentError(
        `the signed voluntary exit is malformed: ${String((err as Error).message).slice(0, 200)}`,
      );
    }
    const { validatorIndex, epoch } = exit.message;
    return this.#run(`take the voluntary exit of validator ${validatorIndex}`, {}, async (api, endpoint) => {
      const res = await api.beacon.submitPoolVoluntaryExit({ signedVoluntaryExit: exit });
      if (res.ok) return { outcome: 'accepted', endpoint: endpoint.label, validatorIndex, epoch };
      const message = nodeMessage(await res.errorBody(), res.statusText);
      if (UNAVAILABLE_STATUSES.has(res.status)) throw new EndpointAnswerError(`HTTP ${res.status}: ${message}`);
      if (message.includes(ALREADY_EXISTS))
        return { outcome: 'already_known', endpoint: endpoint.label, validatorIndex, epoch };
      throw new VoluntaryExitRejectedError(endpoint.label, validatorIndex, epoch, res.status, message);
    });
  }

  /**
   * Runs `operation` on the first endpoint that passes the network check and answers; a final
   * verdict (wrong network, rejected exit) stops the search. Healthy endpoints come first, in
   * configured order, then those that failed within the cool-down, least recently failed first.
   * `freshGenesis` asks the endpoint's genesis again instead of trusting the one checked before.
   */
  async #run<T>(
    operation: string,
    { freshGenesis = false }: { freshGenesis?: boolean },
    fn: (api: ApiClient, endpoint: Endpoint, genesis: Genesis) => Promise<T>,
  ): Promise<T> {
    const failures: EndpointFailure[] = [];
    for (const endpoint of this.#order()) {
      try {
        const api = await this.#apiOf(endpoint);
        const genesis = await this.#checkNetwork(endpoint, api, freshGenesis);
        const result = await fn(api, endpoint, genesis);
        endpoint.failedAt = undefined;
        return result;
      } catch (err) {
        if (err instanceof VoluntaryExitRejectedError) endpoint.failedAt = undefined;
        if (
          err instanceof BeaconNetworkMismatchError ||
          err instanceof VoluntaryExitRejectedError ||
          err instanceof InvalidBeaconArgumentError
        )
          throw err;
        endpoint.failedAt = Date.now();
        failures.push({ endpoint: endpoint.label, reason: this.#reason(err) });
      }
    }
    throw new BeaconUnavailableError(operation, failures);
  }

  #order(): Endpoint[] {
    const now = Date.now();
    const healthy = this.#endpoints.filter((e) => e.failedAt === undefined || now - e.failedAt >= this.#cooldownMs);
    const cooling = this.#endpoints
      .filter((e) => !healthy.includes(e))
      .sort((a, b) => (a.failedAt as number) - (b.failedAt as number));
    return [...healthy, ...cooling];
  }

  async #apiOf(endpoint: Endpoint): Promise<ApiClient> {
    if (endpoint.api) return endpoint.api;
    const [api, utils, { createChainForkConfig, defaultChainConfig }] = await Promise.all([
      loadLodestarApi(),
      loadLodestarUtils(),
      loadLodestarConfig(),
    ]);
    this.#libs ??= { api, utils };
    // The fork config only types fork-dependent routes (blocks, states as SSZ); the routes used
    // here do not depend on it, so the library's default serves for any network.
    endpoint.api = api.getClient(
      {
        baseUrl: endpoint.url,
        globalInit: { timeoutMs: this.#timeoutMs, requestWireFormat: 'json', responseWireFormat: 'json' },
      },
      { config: createChainForkConfig(defaultChainConfig) },
    );
    return endpoint.api;
  }

  #lib(): { api: LodestarApi; utils: LodestarUtils } {
    if (!this.#libs) throw new Error('BeaconClient: libraries used before they were loaded');
    return this.#libs;
  }

  /**
   * The endpoint's genesis, checked against the configured network (or, without one, against the
   * first endpoint that passed): a mismatch throws BeaconNetworkMismatchError.
   */
  async #checkNetwork(endpoint: Endpoint, api: ApiClient, fresh: boolean): Promise<Genesis> {
    if (endpoint.genesis && !fresh) return endpoint.genesis;
    const answer = (await ok(api.beacon.getGenesis())).value();
    const genesis: Genesis = {
      genesisTime: answer.genesisTime,
      genesisValidatorsRoot: toHex(answer.genesisValidatorsRoot),
      genesisForkVersion: toHex(answer.genesisForkVersion),
    };
    // No await from here on: the check and the first reference are one step.
    for (const [key, field] of [
      ['genesisValidatorsRoot', 'genesis validators root'],
      ['genesisForkVersion', 'genesis fork version'],
    ] as const) {
      const configured = this.#expected[key];
      const expected = configured ?? this.#reference?.genesis[key];
      if (expected !== undefined && genesis[key] !== expected) {
        endpoint.genesis = undefined;
        throw new BeaconNetworkMismatchError(
          endpoint.label,
          field,
          expected,
          genesis[key],
          configured !== undefined ? 'configuration' : (this.#reference as { endpoint: string }).endpoint,
        );
      }
    }
    this.#reference ??= { genesis, endpoint: endpoint.label };
    endpoint.genesis = genesis;
    return genesis;
  }

  /** Why an endpoint failed, without its URL path or query (they may hold API keys). */
  #reason(err: unknown): string {
    if (err instanceof EndpointAnswerError) return err.message;
    const utils = this.#libs?.utils;
    if (utils && err instanceof utils.TimeoutError) return `no answer within ${this.#timeoutMs} ms`;
    if (utils?.isFetchError(err)) {
      return err.type === 'failed' && err.cause?.message ? err.cause.message : `request failed (${err.code})`;
    }
    return `unusable answer: ${String((err as Error)?.message ?? err)
      .split('\n')[0]
      .slice(0, 200)}`;
  }
}
