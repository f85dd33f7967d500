// The codec server over real HTTP on 127.0.0.1: Temporal's remote codec protocol (encode/decode,
// with or without the namespace in the path), the Web UI's CORS preflight, the bearer token, clear
// 4xx answers to bad requests; and `nexus-bot codec-server` as a process, stopped by its PID.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DefaultPayloadConverter } from '@temporalio/common';
import { writeNewCodecKeyFile } from '../../temporal-config/codec-keys';
import { startCodecServer, type CodecServer } from '../../temporal-config/codec-server';
import { loadPayloadCodec } from '../../temporal-config/data-converter';
import { ENCRYPTED_ENCODING } from '../../temporal-config/payload-codec';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const converter = new DefaultPayloadConverter();
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('codec server (remote codec protocol over HTTP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-codec-server-'));
  const keysFile = join(dir, 'keys.json');
  const token = randomBytes(16).toString('hex');
  let server: CodecServer;
  let secured: CodecServer;
  const logLines: string[] = [];
  const marker = `marker-${randomBytes(4).toString('hex')}`;

  before(async () => {
    writeNewCodecKeyFile(keysFile);
    const codec = loadPayloadCodec(keysFile);
    server = await startCodecServer({ codec, corsOrigins: [UI_ORIGIN], log: (line) => logLines.push(line) });
    secured = await startCodecServer({ codec, authToken: token });
  });
  after(async () => {
    await server?.close();
    await secured?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('encodes and decodes protobuf-JSON payloads, with or without the namespace in the path', async () => {
    const plain = converter.toPayload({ note: marker });
    const request = {
      payloads: [{ metadata: { encoding: b64('json/plain') }, data: Buffer.from(plain.data ?? []).toString('base64') }],
    };
    const encoded = await post(`${server.url}/default/encode`, request);
    assert.equal(encoded.status, 200, encoded.text);
    assert.match(encoded.headers.get('content-type') ?? '', /application\/json/);
    const { payloads } = JSON.parse(encoded.text) as { payloads: JsonPayload[] };
    assert.equal(Buffer.from(payloads[0].metadata.encoding, 'base64').toString(), ENCRYPTED_ENCODING);
    assert.equal(Buffer.from(payloads[0].metadata['encryption-key-id'], 'base64').toString(), 'k1');
    assert.ok(!Buffer.from(payloads[0].data, 'base64').includes(marker));

    const decoded = await post(`${server.url}/decode`, { payloads }, { 'X-Namespace': 'default' });
    assert.equal(decoded.status, 200, decoded.text);
    assert.deepEqual(JSON.parse(decoded.text), request);
    // Empty lists, and protojson's omission of empty fields.
    assert.deepEqual(JSON.parse((await post(`${server.url}/decode`, {})).text), { payloads: [] });
    assert.ok(
      logLines.some((l) => /^POST \/default\/encode namespace=default payloads=1 -> 200$/.test(l)),
      logLines.join('\n'),
    );
    assert.ok(!logLines.join('\n').includes(b64(marker).slice(0, 8)));
  });

  it("answers the Web UI's CORS preflight for its origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    const ok = await preflight(UI_ORIGIN);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    const denied = await preflight('http://evil.example');
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    assert.match(
      await denied.text(),
      /origin http:\/\/evil\.example is not allowed.*allowed: http:\/\/127\.0\.0\.1:8233/,
    );
    const call = await post(`${server.url}/decode`, { payloads: [] }, { Origin: UI_ORIGIN });
    assert.equal(call.headers.get('access-control-allow-origin'), UI_ORIGIN);
  });

  it('rejects bad requests with a 4xx that says what is wrong', async () => {
    const notJson = await post(`${server.url}/decode`, '{ not json');
    assert.equal(notJson.status, 400);
    assert.match(notJson.text, /request body is not JSON: expected \{"payloads"/);
    const badShape = await post(`${server.url}/decode`, { payloads: [{ metadata: { encoding: 42 } }] });
    assert.equal(badShape.status, 400);
    assert.match(badShape.text, /payloads\[0\]\.metadata\.encoding: expected a base64 string/);
    assert.match((await post(`${server.url}/decode`, { payloads: 'x' })).text, /payloads: expected an array/);
    const unknownKey = await post(`${server.url}/decode`, {
      payloads: [
        {
          metadata: { encoding: b64(ENCRYPTED_ENCODING), 'encryption-key-id': b64('k7') },
          data: randomBytes(40).toString('base64'),
        },
      ],
    });
    assert.equal(unknownKey.status, 422);
    assert.match(unknownKey.text, /cannot decode: .*codec key "k7", which is not in the key file/);
    const wrongPath = await post(`${server.url}/a/b/decode`, {});
    assert.equal(wrongPath.status, 404);
    assert.match(wrongPath.text, /expected POST \/encode, \/decode/);
    const get = await fetch(`${server.url}/decode`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  });

  it('with a token, refuses requests without it or with another one', async () => {
    const none = await post(`${secured.url}/decode`, {});
    assert.equal(none.status, 401);
    assert.match(none.text, /missing "Authorization: Bearer <token>" header/);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const wrong = await post(`${secured.url}/decode`, {}, { Authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.ok(!wrong.text.includes(token));
    assert.equal((await post(`${secured.url}/decode`, {}, { Authorization: `Bearer ${token}` })).status, 200);
  });
});

describe('nexus-bot codec-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-codec-cli-'));
  const keysFile = join(dir, 'keys.json');
  before(() => writeNewCodecKeyFile(keysFile));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { timeout: 30_000, env: { ...process.env, ...env } },
        (err, stdout, stderr) => {
          res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
        },
      );
    });

  it('answers --help and names bad arguments (exit 2) and a bad key file (exit 1)', async () => {
    const help = await cli(['codec-server', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: nexus-bot codec-server --codec-keys <file>/);
    assert.match((await cli(['--help'])).stdout, /codec-server/);
    const missing = await cli(['codec-server'], { NEXUS_BOT_CODEC_KEYS_FILE: '' });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--codec-keys <file> is required \(or NEXUS_BOT_CODEC_KEYS_FILE\)/);
    const badPort = await cli(['codec-server', '--codec-keys', keysFile, '--port', 'http']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port: expected a port number 0-65535, got "http"/);
    const badOrigin = await cli([
      'codec-server',
      '--codec-keys',
      keysFile,
      '--cors-origin',
      'http://127.0.0.1:8233/ui',
    ]);
    assert.equal(badOrigin.code, 2);
    assert.match(badOrigin.stderr, /--cors-origin: expected an origin/);
    const open = join(dir, 'open.json');
    writeNewCodecKeyFile(open);
    chmodSync(open, 0o644);
    const tooOpen = await cli(['codec-server', '--codec-keys', open, '--port', '0']);
    assert.equal(tooOpen.code, 1);
    assert.match(tooOpen.stderr, /open\.json has permissions 0644, too open/);
  });

  it('serves on the given port until SIGTERM, key file from the environment', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'local-token\n', { mode: 0o600 });
    const child = spawn(process.execPath, [BIN, 'codec-server', '--port', '0', '--auth-token-file', tokenFile], {
      env: { ...process.env, NEXUS_BOT_CODEC_KEYS_FILE: keysFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!(url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1])) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no "listening on" line:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(output, /active key "k1", bearer token required/);
      const res = await post(`${url}/decode`, { payloads: [] }, { Authorization: 'Bearer local-token' });
      assert.equal(res.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(output, /codec server stopped/);
  });
});
