// `nexus-bot codec-server`: serves the payload codec over HTTP (temporal-config/codec-server.ts)
// for the Temporal Web UI (its codec endpoint setting) and `temporal … --codec-endpoint`.
// It runs until SIGINT/SIGTERM. The key file and the token come from files, never arguments.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCodecServer } from '../../temporal-config/codec-server';
import { CODEC_KEYS_FILE_ENV, loadPayloadCodec } from '../../temporal-config/data-converter';
import { UsageError } from '../cli-support';

export const DEFAULT_CODEC_SERVER_PORT = 8089;

export const CODEC_SERVER_USAGE = `Usage: nexus-bot codec-server --codec-keys <file> [--port <n>] [--host <ip>] [--cors-origin <url>]… [--auth-token-file <file>]

Serves Temporal's remote codec protocol (POST /encode, /decode, /{namespace}/encode,
/{namespace}/decode) with the bot's payload codec, so that the Web UI and \`temporal\` show
encrypted payloads in clear. Anyone who can reach it can read every payload: keep it on
127.0.0.1 or behind the token. Runs until Ctrl-C.
  --codec-keys <file>       the codec key file (${CODEC_KEYS_FILE_ENV}); mode 0600
  --port <n>                port to listen on (default ${DEFAULT_CODEC_SERVER_PORT}; 0 = any free port)
  --host <ip>               address to listen on (default 127.0.0.1)
  --cors-origin <url>       a Web UI origin allowed to call it from the browser, e.g.
                            http://127.0.0.1:8233 (repeatable)
  --auth-token-file <file>  require "Authorization: Bearer <token>" with the token in this file
  -h, --help                this help

Web UI: its codec endpoint = this server's URL (dev server: --ui-codec-endpoint <url>).
CLI:    temporal workflow show --workflow-id <id> --codec-endpoint <url>`;

type Out = (line: string) => void;

/** `stop` ends the server (tests); by default SIGINT or SIGTERM does. */
export async function codecServerCommand(argv: string[], out: Out, stop?: Promise<void>): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'codec-keys': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'cors-origin': { type: 'string', multiple: true, default: [] },
        'auth-token-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${CODEC_SERVER_USAGE}`);
  }
  const { values } = parsed;
  if (values.help) {
    out(CODEC_SERVER_USAGE);
    return;
  }
  const keysFile = values['codec-keys'] ?? process.env[CODEC_KEYS_FILE_ENV];
  if (!keysFile)
    throw new UsageError(`--codec-keys <file> is required (or ${CODEC_KEYS_FILE_ENV})\n\n${CODEC_SERVER_USAGE}`);
  const port = values.port === undefined ? DEFAULT_CODEC_SERVER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: expected a port number 0-65535, got "${values.port}"`);
  for (const origin of values['cors-origin']) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new UsageError(
        `--cors-origin: expected an origin such as http://127.0.0.1:8233 (scheme, host, port; no path), got "${origin}"`,
      );
  }
  const authToken = values['auth-token-file'] === undefined ? undefined : readToken(values['auth-token-file']);

  const codec = loadPayloadCodec(keysFile);
  const server = await startCodecServer({
    codec,
    host: values.host,
    port,
    corsOrigins: values['cors-origin'],
    authToken,
    log: (line) => out(`${new Date().toISOString()} ${line}`),
  });
  out(
    `codec server listening on ${server.url} (active key "${codec.activeKeyId}"${authToken ? ', bearer token required' : ''}${values['cors-origin'].length > 0 ? `, CORS for ${values['cors-origin'].join(' ')}` : ''})`,
  );
  await (stop ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  await server.close();
  out('codec server stopped');
}

function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`--auth-token-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: err,
    });
  }
  if (token === '') throw new Error(`--auth-token-file: ${file} is empty`);
  return token;
}
