// The few Beacon API calls the local network and its tests make, with the answers checked. Written
// for the local Lodestar 1.5.1 node: it answers an invalid pool submission with HTTP 500 (not the
// spec's 400), and does not parse the comma form `?id=a,b`, so ids are sent as repeated `id=`.
import { z } from 'zod';

export class BeaconApiError extends Error {
  override name = 'BeaconApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

const uint = z.string().regex(/^\d+$/, 'expected a decimal string').transform(Number);
const bytes = z.string().regex(/^0x[0-9a-fA-F]*$/, 'expected 0x-hex');

const genesisSchema = z.object({
  data: z.object({ genesis_time: uint, genesis_validators_root: bytes, genesis_fork_version: bytes }),
});
const headerSchema = z.object({ data: z.object({ header: z.object({ message: z.object({ slot: uint }) }) }) });
const forkSchema = z.object({ data: z.object({ previous_version: bytes, current_version: bytes, epoch: uint }) });

/** Validator statuses of the Beacon API. */
export type BeaconStatus =
  | 'pending_initialized'
  | 'pending_queued'
  | 'active_ongoing'
  | 'active_exiting'
  | 'active_slashed'
  | 'exited_unslashed'
  | 'exited_slashed'
  | 'withdrawal_possible'
  | 'withdrawal_done';

const validatorSchema = z.object({
  index: uint,
  balance: uint,
  status: z.string() as z.ZodType<BeaconStatus>,
  validator: z.object({
    pubkey: bytes,
    withdrawal_credentials: bytes,
    exit_epoch: z.string(),
    withdrawable_epoch: z.string(),
  }),
});
const validatorsSchema = z.object({ data: z.array(validatorSchema) });

export interface BeaconValidator {
  index: number;
  /** Gwei. */
  balance: number;
  status: BeaconStatus;
  pubkey: string;
  withdrawalCredentials: string;
  /** Decimal strings: "18446744073709551615" (far future) while not exiting. */
  exitEpoch: string;
  withdrawableEpoch: string;
}

async function getJson<T>(baseUrl: string, path: string, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (!res.ok)
    throw new BeaconApiError(
      `GET ${path} on ${baseUrl} answered HTTP ${res.status}: ${body.slice(0, 300)}`,
      res.status,
      body,
    );
  const parsed = schema.safeParse(JSON.parse(body));
  if (!parsed.success)
    throw new BeaconApiError(
      `GET ${path} on ${baseUrl}: unexpected answer (${parsed.error.message})`,
      res.status,
      body,
    );
  return parsed.data;
}

export async function getGenesis(
  baseUrl: string,
): Promise<{ genesisTime: number; genesisValidatorsRoot: string; genesisForkVersion: string }> {
  const { data } = await getJson(baseUrl, '/eth/v1/beacon/genesis', genesisSchema);
  return {
    genesisTime: data.genesis_time,
    genesisValidatorsRoot: data.genesis_validators_root,
    genesisForkVersion: data.genesis_fork_version,
  };
}

export async function getHeadSlot(baseUrl: string): Promise<number> {
  return (await getJson(baseUrl, '/eth/v1/beacon/headers/head', headerSchema)).data.header.message.slot;
}

/** The fork of a state (`head` by default): current_version is what signatures use now. */
export async function getFork(
  baseUrl: string,
  stateId = 'head',
): Promise<{ previousVersion: string; currentVersion: string; epoch: number }> {
  const { data } = await getJson(baseUrl, `/eth/v1/beacon/states/${stateId}/fork`, forkSchema);
  return { previousVersion: data.previous_version, currentVersion: data.current_version, epoch: data.epoch };
}

/** Validators of the head state: all of them, or those with the given indices or 0x-pubkeys. */
export async function getValidators(
  baseUrl: string,
  ids: readonly (number | string)[] = [],
): Promise<BeaconValidator[]> {
  const query = ids.length > 0 ? `?${ids.map((id) => `id=${encodeURIComponent(String(id))}`).join('&')}` : '';
  const { data } = await getJson(baseUrl, `/eth/v1/beacon/states/head/validators${query}`, validatorsSchema);
  return data.map((v) => ({
    index: v.index,
    balance: v.balance,
    status: v.status,
    pubkey: v.validator.pubkey.toLowerCase(),
    withdrawalCredentials: v.validator.withdrawal_credentials.toLowerCase(),
    exitEpoch: v.validator.exit_epoch,
    withdrawableEpoch: v.validator.withdrawable_epoch,
  }));
}

/**
 * POSTs a signed voluntary exit (Beacon API JSON: {message: {epoch, validator_index}, signature}).
 * Resolves on 200; otherwise throws BeaconApiError with the node's reason (e.g.
 * VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE). Any non-200 is a rejection: this node uses 500.
 */
export async function submitVoluntaryExit(baseUrl: string, signedExit: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/eth/v1/beacon/pool/voluntary_exits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signedExit),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (res.status !== 200) {
    let reason = body;
    try {
      reason = String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      /* not JSON: keep the raw body */
    }
    throw new BeaconApiError(
      `the beacon node rejected the voluntary exit (HTTP ${res.status}): ${reason}`,
      res.status,
      body,
    );
  }
}
