// `nexus-bot unlock` and `nexus-bot lock`: hand the salt to a running worker, or take it back,
// through the worker's unlock socket (worker/unlock-socket.ts). The salt is read from a hidden
// prompt, a file of mode 0600 (`--salt-file`) or standard input (`--salt-file -`): never an
// argument or the environment (client/salt-input.ts), and it is never printed. The worker checks
// it against a stored keystore: a wrong salt is refused (exit code 1) and nothing changes.
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { loadWorkerConfig } from '../../worker/config';
import type { LockAnswer } from '../../worker/salt-lock';
import { unlockSocketPath } from '../../worker/unlock-socket';
import { UsageError, parseCommand, rollupAdminArgument, type Out } from '../cli-support';
import { canPromptForSalt, readSalt } from '../salt-input';

const SOCKET_HELP = `  --socket <path>         the worker's unlock socket (default: unlock.socketPath of the worker's
                          configuration, else <state folder>/unlock/unlock.sock of its workerName)
  --config <file>         the worker's configuration (NEXUS_BOT_CONFIG), to find the socket
  -h, --help              this help

The socket is mode 0600 and owned by the worker's user: run this as that user (e.g.
\`sudo -u nexus-bot nexus-bot unlock --config /etc/nexus-bot/worker-config.json\`).`;

export const UNLOCK_USAGE = `Usage: nexus-bot unlock [--salt-file <path>|-] [--rollup <rollupAdmin>] [--socket <path> | --config <file>]
       nexus-bot unlock --status [--socket <path> | --config <file>]

Gives a running worker the mnemonic salt. A worker started without it (as by systemd) is locked:
it serves everything but the salt task queue, where mnemonic steps wait, "locked: waiting for the
salt". The worker checks the salt against a stored mnemonic keystore (the rollup named by --rollup,
else those of the running mnemonic monitors) and keeps it only when it opens it; it then polls
the salt task queue at once. A wrong salt is refused, changes nothing, and exits with 1.
  --salt-file <path>      read the salt from this file (mode 0600: a file that group or others may
                          read is refused); "-" reads it from standard input. Without it the salt
                          is asked for on the terminal, not echoed
  --rollup <rollupAdmin>  check the salt against this rollup's keystore first
  --status                print whether the worker is locked, and exit
${SOCKET_HELP}`;

export const LOCK_USAGE = `Usage: nexus-bot lock [--socket <path> | --config <file>]

Takes the salt back from a running worker: it stops polling the salt task queue (running mnemonic
steps finish first, within shutdownGraceSeconds), then overwrites the salt in memory. Mnemonic
steps wait again until \`nexus-bot unlock\`.
${SOCKET_HELP}`;

const SOCKET_OPTIONS = {
  socket: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How long each request may wait for the worker's answer (a lock waits for running mnemonic steps). */
const ANSWER_TIMEOUT_MS = { status: 15_000, unlock: 120_000, lock: 300_000 } as const;

export async function unlockCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(
    UNLOCK_USAGE,
    argv,
    {
      ...SOCKET_OPTIONS,
      'salt-file': { type: 'string' },
      rollup: { type: 'string' },
      status: { type: 'boolean' },
    },
    out,
  );
  if (!parsed) return;
  const { values } = parsed;
  const path = socketPathOf(values);
  if (values.status) {
    if (values['salt-file'] !== undefined || values.rollup !== undefined)
      throw new UsageError(`--status takes no --salt-file or --rollup\n\n${UNLOCK_USAGE}`);
    return report(await request(path, { op: 'status' }), out);
  }
  const rollup = values.rollup === undefined ? undefined : rollupAdminArgument(values.rollup);
  const saltFile = values['salt-file'];
  if (saltFile === undefined && !canPromptForSalt()) {
    throw new UsageError(
      `no salt: standard input is not a terminal, so pass --salt-file <path> (or --salt-file - to read the salt from standard input)\n\n${UNLOCK_USAGE}`,
    );
  }
  if (saltFile !== undefined && saltFile !== '-') privateFile(saltFile);
  const salt = await readSalt({ saltFile });
  // The request carries the salt: built, sent and dropped here; its bytes are overwritten after.
  const answer = await salt.use((text) => request(path, { op: 'unlock', salt: text, ...(rollup ? { rollup } : {}) }));
  salt.wipe();
  report(answer, out);
}

export async function lockCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(LOCK_USAGE, argv, SOCKET_OPTIONS, out);
  if (!parsed) return;
  report(await request(socketPathOf(parsed.values), { op: 'lock' }), out);
}

function socketPathOf(values: { socket?: string; config?: string }): string {
  if (values.socket !== undefined) {
    if (values.config !== undefined) throw new UsageError('give --socket or --config, not both');
    if (!values.socket.startsWith('/'))
      throw new UsageError(`--socket: expected an absolute path, got "${values.socket}"`);
    return values.socket;
  }
  const env = { ...process.env, ...(values.config !== undefined ? { NEXUS_BOT_CONFIG: values.config } : {}) };
  return unlockSocketPath(loadWorkerConfig(env), env);
}

/** A salt file others may read is refused before it is read: the salt would not be the operator's alone. */
function privateFile(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new UsageError(`--salt-file: cannot open ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `--salt-file: ${path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}, so group or others may read or change it; \`chmod 600 ${path}\` first`,
    );
  }
}

/** Prints the worker's answer; a refusal (wrong salt, bad request) is an error: exit code 1. */
function report(answer: LockAnswer, out: Out): void {
  if (!answer.ok) throw new Error(answer.message);
  out(answer.message);
}

/** Sends one request line and reads the worker's one answer line. */
function request(
  path: string,
  body: { op: 'status' | 'unlock' | 'lock'; salt?: string; rollup?: string },
): Promise<LockAnswer> {
  const line = Buffer.from(`${JSON.stringify(body)}\n`, 'utf8');
  return new Promise<LockAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(path);
    const timeoutMs = ANSWER_TIMEOUT_MS[body.op];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new Error(
          `the worker did not answer on ${path} within ${timeoutMs / 1000} s${body.op === 'lock' ? " (it may still be stopping the salt queue's steps: see `nexus-bot unlock --status`)" : ''}`,
        ),
      );
    });
    socket.once('connect', () => {
      socket.write(line, () => line.fill(0));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      line.fill(0);
      reject(new Error(socketProblem(path, err)));
    });
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        resolve(JSON.parse(text) as LockAnswer);
      } catch {
        reject(new Error(`the worker on ${path} answered something that is not JSON`));
      }
    });
  });
}

function socketProblem(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return `no unlock socket at ${path}: is the worker running (with the salt or writer role and aws configured, started without the salt or with unlock.socketPath)? Give the worker's --config or --socket`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path}: the socket belongs to the worker's user; run this as that user (e.g. sudo -u nexus-bot …)`;
    case 'ECONNREFUSED':
      return `nothing listens on ${path} (the socket of a worker that stopped?)`;
    default:
      return `cannot reach the worker on ${path}: ${err.code ?? err.message}`;
  }
}
