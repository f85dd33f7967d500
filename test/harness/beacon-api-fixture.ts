// A real HTTP server (node:http on 127.0.0.1) that answers the Beacon API routes the bot uses with
// fixed answers, shaped like Lodestar 1.5.1's (facts/local-infra.md §4): metadata without
// `finalized`, validators filtered by repeated `id=` only (the comma form matches nothing), no POST
// /validators (404), and invalid exits answered with HTTP 500. It is the real HTTP counterpart for
// the client's transport behaviour (failover, timeouts, non-2xx answers, the network check); it
// checks no signature and runs no chain. Exits are judged by a function the test gives.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ValidatorJson {
  index: string;
  balance: string;
  status: string;
  validator: {
    pubkey: string;
    withdrawal_credentials: string;
    effective_balance: string;
    slashed: boolean;
    activation_eligibility_epoch: string;
    activation_epoch: string;
    exit_epoch: string;
    withdrawable_epoch: string;
  };
}

export interface ExitAnswer {
  status: number;
  body: unknown;
}

export interface BeaconFixtureOptions {
  genesis: { genesis_time: string; genesis_validators_root: string; genesis_fork_version: string };
  spec: Record<string, string>;
  headSlot: number;
  validators: ValidatorJson[];
  /** The answer to POST /eth/v1/beacon/pool/voluntary_exits; default: 200 the first time per validator, then 1.5.1's ALREADY_EXISTS. */
  onExit?: (exit: { message: { validator_index: string; epoch: string }; signature: string }) => ExitAnswer;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  body: string;
}

export interface BeaconFixture {
  url: string;
  readonly requests: RecordedRequest[];
  /** Answer every request with this HTTP status and a Lodestar-style error body (null: normal answers). */
  failWith(status: number | null): void;
  /** Accept requests but never answer them (a hung node), until called with false. */
  hang(on: boolean): void;
  stop(): Promise<void>;
}

export const FAR_FUTURE_EPOCH = '18446744073709551615';

export async function startBeaconFixture(options: BeaconFixtureOptions): Promise<BeaconFixture> {
  const requests: RecordedRequest[] = [];
  const exited = new Set<string>();
  let failStatus: number | null = null;
  let hanging = false;
  const onExit =
    options.onExit ??
    ((exit) => {
      if (exited.has(exit.message.validator_index)) return lodestarError(500, 'VOLUNTARY_EXIT_ERROR_ALREADY_EXISTS');
      exited.add(exit.message.validator_index);
      return { status: 200, body: {} };
    });

  const route = (req: IncomingMessage, body: string): ExitAnswer => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/eth/v1/beacon/genesis')
      return { status: 200, body: { data: options.genesis } };
    if (req.method === 'GET' && path === '/eth/v1/config/spec') return { status: 200, body: { data: options.spec } };
    if (req.method === 'GET' && path === '/eth/v1/beacon/headers/head')
      return { status: 200, body: { execution_optimistic: false, data: headHeader(options.headSlot) } };
    if (path === '/eth/v1/beacon/states/head/validators') {
      if (req.method !== 'GET') return lodestarError(404, `Route ${req.method}:${path} not found`);
      const ids = url.searchParams.getAll('id').map((id) => id.toLowerCase());
      const data =
        ids.length === 0
          ? options.validators
          : options.validators.filter((v) => ids.includes(v.validator.pubkey) || ids.includes(v.index));
      return { status: 200, body: { execution_optimistic: false, data } };
    }
    if (req.method === 'POST' && path === '/eth/v1/beacon/pool/voluntary_exits') {
      return onExit(JSON.parse(body) as Parameters<NonNullable<BeaconFixtureOptions['onExit']>>[0]);
    }
    return lodestarError(404, `Route ${req.method}:${path} not found`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (hanging) return; // the socket stays open until the client gives up or the server stops
      const answer =
        failStatus !== null
          ? lodestarError(failStatus, 'fixture: answering every request with this status')
          : route(req, body);
      res.statusCode = answer.status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failWith: (status) => {
      failStatus = status;
    },
    hang: (on) => {
      hanging = on;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Lodestar 1.5.1's error body (fastify): {statusCode, error, message}. */
export function lodestarError(status: number, message: string): ExitAnswer {
  return {
    status,
    body: { statusCode: status, error: status >= 500 ? 'Internal Server Error' : 'Bad Request', message },
  };
}

function headHeader(slot: number) {
  const root = `0x${'ab'.repeat(32)}`;
  return {
    root,
    canonical: true,
    header: {
      message: {
        slot: String(slot),
        proposer_index: '3',
        parent_root: `0x${'cd'.repeat(32)}`,
        state_root: `0x${'ef'.repeat(32)}`,
        body_root: `0x${'12'.repeat(32)}`,
      },
      signature: `0x${'00'.repeat(96)}`,
    },
  };
}
