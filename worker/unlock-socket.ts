// The worker's unlock socket (issue 17): a Unix socket on which `nexus-bot unlock`, `lock` and
// `unlock --status` reach the running worker's SaltLock. Only this host can reach a Unix socket;
// only the worker's own user (and root) can connect to this one: it is created inside a folder
// of mode 0700 owned by that user (so there is no moment at which another user could connect),
// then set to mode 0600 and checked. A stale socket of a dead worker is replaced; a live one is not.
//
// Protocol: one request per connection, a JSON object on one line (newline-terminated, at most
// MAX_REQUEST_BYTES, within REQUEST_TIMEOUT_MS), answered by one JSON line (LockAnswer):
//   {"op":"status"}  {"op":"unlock","salt":"…","rollup":"0x…"?}  {"op":"lock"}
// Bad input gets an answer that describes it without repeating it (it may hold a salt); the
// request's bytes are overwritten once parsed.
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { SaltHolder } from '../activities/keys/salt';
import { ConfigError, type WorkerConfig } from './config';
import { defaultStateDir } from './dependencies';
import type { LockAnswer, LockState } from './salt-lock';

/** More than a salt (client/salt-input.ts reads at most 64 KiB) plus its JSON. */
export const MAX_REQUEST_BYTES = 160 * 1024;
export const REQUEST_TIMEOUT_MS = 10_000;
/** sun_path is 108 bytes on Linux, with its terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** What the socket serves: the worker's SaltLock. */
export interface UnlockService {
  readonly state: LockState;
  status(): LockAnswer;
  unlock(candidate: SaltHolder, opts: { rollup?: string }): Promise<LockAnswer>;
  lock(): Promise<LockAnswer>;
}

/**
 * unlock.socketPath, or <state folder>/unlock/unlock.sock (the state folder of `workerName`,
 * dependencies.ts): a folder of its own, created 0700, since the state folder itself may have been
 * created more open (by the DKG archive, say, under a umask of 022).
 */
export function unlockSocketPath(
  config: Pick<WorkerConfig, 'workerName' | 'unlock'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return config.unlock.socketPath ?? join(defaultStateDir(config.workerName, env), 'unlock', 'unlock.sock');
}

export interface UnlockSocket {
  path: string;
  close(): Promise<void>;
}

export async function startUnlockSocket(
  path: string,
  service: UnlockService,
  opts: { maxRequestBytes?: number; requestTimeoutMs?: number; onError?: (message: string) => void } = {},
): Promise<UnlockSocket> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError(
      `invalid config:\n  unlock.socketPath: ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (a Unix socket path); give a shorter one`,
    );
  }
  privateFolder(dirname(path));
  await replaceStale(path);
  // allowHalfOpen: a client that ends its side after the request still gets the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => serve(socket, service, opts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(`invalid config:\n  unlock.socketPath: cannot listen on ${path} (${err.code ?? err.message})`),
      ),
    );
    server.listen(path, () => resolve());
  });
  try {
    chmodSync(path, 0o600);
    const st = lstatSync(path);
    if (!st.isSocket() || (st.mode & 0o777) !== 0o600 || st.uid !== process.getuid?.())
      throw new Error(`mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}`);
  } catch (err) {
    await closeServer(server, path);
    throw new ConfigError(
      `invalid config:\n  unlock.socketPath: ${path} is not a socket of mode 0600 owned by this user after chmod (${(err as Error).message})`,
    );
  }
  server.on('error', (err) => opts.onError?.(`unlock socket ${path}: ${err.message}`));
  return { path, close: () => closeServer(server, path) };
}

/**
 * The socket's folder: created with mode 0700 when missing; an existing one must be this user's
 * and closed to everyone else (a folder others may enter would let them reach the socket in the
 * instant between its creation and its chmod).
 */
function privateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const st = statSync(folder);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new ConfigError(
      `invalid config:\n  unlock.socketPath: its folder ${folder} must be a directory owned by this user with no access for group or others (it has mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}); give the socket a folder of its own (mode 0700)`,
    );
  }
}

/** Removes a socket left by a worker that died; refuses when a live worker answers on it, or when it is no socket. */
async function replaceStale(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket())
    throw new ConfigError(
      `invalid config:\n  unlock.socketPath: ${path} exists and is not a socket; remove it or choose another path`,
    );
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive)
    throw new ConfigError(
      `invalid config:\n  unlock.socketPath: another worker listens on ${path}; give each worker its own socket`,
    );
  unlinkSync(path);
}

async function closeServer(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    unlinkSync(path);
  } catch {
    // already gone (Node removes it on close on some versions)
  }
}

function answer(socket: Socket, a: LockAnswer): void {
  if (!socket.writable) return;
  socket.end(`${JSON.stringify(a)}\n`);
}

function refuse(socket: Socket, state: LockState, error: string, message: string): void {
  answer(socket, { ok: false, state, error, message });
}

/** One connection: reads one line, answers it, closes. Every chunk read is overwritten afterwards. */
function serve(
  socket: Socket,
  service: UnlockService,
  opts: { maxRequestBytes?: number; requestTimeoutMs?: number },
): void {
  const max = opts.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  const wipe = () => {
    for (const c of chunks) c.fill(0);
    chunks.length = 0;
  };
  const finish = () => {
    done = true;
    socket.removeAllListeners('data');
    socket.setTimeout(0);
    wipe();
  };
  socket.on('error', () => wipe()); // a client that went away: nothing to answer
  socket.setTimeout(opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, () => {
    if (done) return;
    finish();
    refuse(
      socket,
      service.state,
      'timeout',
      `no complete request (one JSON line) within ${(opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) / 1000} s`,
    );
  });
  socket.on('data', (chunk: Buffer) => {
    if (done) {
      chunk.fill(0);
      return;
    }
    const newline = chunk.indexOf(0x0a);
    chunks.push(chunk);
    length += newline === -1 ? chunk.length : newline;
    if (length > max) {
      finish();
      return refuse(socket, service.state, 'too-large', `request larger than ${max} bytes: refused unread`);
    }
    if (newline === -1) return;
    const all = Buffer.concat(chunks);
    finish();
    void handle(all.subarray(0, length), service)
      .then(
        (a) => answer(socket, a),
        (err: unknown) =>
          refuse(socket, service.state, 'internal', `the worker failed to answer: ${(err as Error).name}`),
      )
      .finally(() => all.fill(0));
  });
  socket.on('end', () => {
    if (done) return;
    finish();
    refuse(
      socket,
      service.state,
      'bad-request',
      'the request ended without a newline (expected one JSON object on one line)',
    );
  });
}

async function handle(line: Buffer, service: UnlockService): Promise<LockAnswer> {
  const bad = (message: string): LockAnswer => ({ ok: false, state: service.state, error: 'bad-request', message });
  let request: unknown;
  try {
    request = JSON.parse(line.toString('utf8'));
  } catch {
    return bad('not JSON (expected one object such as {"op":"status"} on one line)');
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return bad('expected a JSON object with "op"');
  const { op, salt, rollup, ...rest } = request as Record<string, unknown>;
  const extra = Object.keys(rest);
  // The names are not echoed: a salt pasted where a key belongs would come back in the answer.
  if (extra.length > 0) return bad(`${extra.length} unknown field(s): a request has only "op", "salt" and "rollup"`);
  if (op === 'status' || op === 'lock') {
    if (salt !== undefined || rollup !== undefined) return bad(`"${op}" takes no other field`);
    return op === 'status' ? service.status() : service.lock();
  }
  if (op !== 'unlock') return bad('"op" must be "status", "unlock" or "lock"');
  if (rollup !== undefined && (typeof rollup !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(rollup)))
    return bad('"rollup" must be a rollup admin address (0x and 40 hex digits)');
  // Empty, or only whitespace and control characters (EIP-2335 strips those): no password at all.
  // eslint-disable-next-line no-control-regex
  if (typeof salt !== 'string' || salt.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, '').length === 0)
    return bad('"salt" must be a non-empty string');
  return service.unlock(new SaltHolder(salt), rollup === undefined ? {} : { rollup });
}
