// The codec server: Temporal's remote codec protocol over HTTP, so that the Web UI and the
// `temporal` CLI (`--codec-endpoint`) can show encrypted payloads in clear without holding keys.
//   POST /encode, /decode, /{namespace}/encode, /{namespace}/decode
//   body and answer: {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}
//   (protobuf JSON of temporal.api.common.v1.Payloads; the namespace also comes as X-Namespace)
// Whoever reaches it can decrypt every payload: it listens on 127.0.0.1 unless told otherwise,
// answers CORS only for the configured Web UI origins and can require a bearer token.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) = any free port. */
  port?: number;
  /** Web UI origins allowed to call from a browser, e.g. http://127.0.0.1:8233. */
  corsOrigins?: string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  maxBodyBytes?: number;
  /** One line per request (method, path, status, payload count): never a payload. */
  log?: (line: string) => void;
}

export interface CodecServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ROUTE = /^(?:\/([^/]+))?\/(encode|decode)$/;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A request the server refuses, with the HTTP status and a message for the caller. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => void handle(opts, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`codec server: port ${opts.port} on ${host} is already in use`, { cause: err })
          : err,
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close: () => closeServer(server) };
}

async function handle(opts: CodecServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://codec').pathname;
  const origin = req.headers.origin;
  const corsAllowed = origin !== undefined && (opts.corsOrigins ?? []).includes(origin);
  if (corsAllowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  res.setHeader('Vary', 'Origin');
  let count = 0;
  try {
    const route = ROUTE.exec(path);
    if (!route)
      throw new HttpError(
        404,
        `no such route ${path}: expected POST /encode, /decode, /{namespace}/encode or /{namespace}/decode`,
      );
    if (req.method === 'OPTIONS') {
      // A browser's preflight: it carries no credentials, so it is answered before the token check.
      if (!corsAllowed)
        throw new HttpError(
          403,
          `origin ${origin ?? '(none)'} is not allowed to call this codec server (allowed: ${(opts.corsOrigins ?? []).join(', ') || 'none'})`,
        );
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST')
      throw new HttpError(405, `${req.method} is not supported: use POST ${path}`, { Allow: 'POST, OPTIONS' });
    checkToken(opts.authToken, req.headers.authorization);
    const body = await readBody(req, opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    const payloads = payloadsFromJson(body);
    count = payloads.length;
    let result: Payload[];
    try {
      result = route[2] === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    } catch (err) {
      // The codec's errors name a key id or the failure, never key bytes or plaintext.
      throw new HttpError(422, `cannot ${route[2]}: ${(err as Error).message}`);
    }
    const answer = JSON.stringify({ payloads: result.map(payloadToJson) });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(answer);
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof HttpError ? err.message : 'internal error of the codec server';
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      ...(err instanceof HttpError ? err.headers : {}),
    });
    res.end(`${message}\n`);
  } finally {
    const namespace = ROUTE.exec(path)?.[1] ?? req.headers['x-namespace'] ?? '-';
    opts.log?.(`${req.method} ${path} namespace=${String(namespace)} payloads=${count} -> ${res.statusCode}`);
  }
}

function checkToken(expected: string | undefined, header: string | undefined): void {
  if (expected === undefined) return;
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(
      401,
      header ? 'the bearer token is not valid' : 'missing "Authorization: Bearer <token>" header',
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(
      400,
      'request body is not JSON: expected {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}',
    );
  }
}

/** protobuf JSON of Payloads: absent fields are empty (as protojson omits them). */
function payloadsFromJson(body: unknown): Payload[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'request body: expected a JSON object {"payloads": [...]}');
  const list = (body as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(list)) throw new HttpError(400, 'payloads: expected an array');
  return list.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new HttpError(400, `payloads[${i}]: expected an object {"metadata", "data"}`);
    const { metadata = {}, data = '' } = item as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      throw new HttpError(400, `payloads[${i}].metadata: expected an object of base64 strings`);
    const decoded: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(metadata))
      decoded[key] = base64Field(value, `payloads[${i}].metadata.${key}`);
    return { metadata: decoded, data: base64Field(data, `payloads[${i}].data`) };
  });
}

function base64Field(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new HttpError(400, `${field}: expected a base64 string`);
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}

function payloadToJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    if (value) metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
