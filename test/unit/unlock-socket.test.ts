// The unlock socket and the SaltLock behind it (worker/unlock-socket.ts, worker/salt-lock.ts), on
// a real Unix socket, with the salt checked against a real EIP-2335 keystore (the vault's check,
// verifyPassword, on a keystore held in memory instead of Secrets Manager). The socket is 0600 in
// a 0700 folder; a wrong salt is refused and changes nothing; the right one unlocks; lock wipes;
// oversized, garbage, unterminated and slow requests get a clear answer and the server goes on.
// The `nexus-bot unlock`/`lock` commands are run as the bin against the same socket.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create as createKeystore, verifyPassword, type IKeystore } from '@chainsafe/bls-keystore';
import { SaltHolder, SaltSlot } from '../../activities/keys/salt';
import { SaltLock, type LockAnswer, type SaltCheck } from '../../worker/salt-lock';
import { parseWorkerConfig } from '../../worker/config';
import { startUnlockSocket, unlockSocketPath, type UnlockSocket } from '../../worker/unlock-socket';

const SALT = 'unlock-salt-Ω-3c9e41';
const WRONG = 'unlock-salt-Ω-3c9e42';
const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');

/** Sends raw bytes, returns the answer line parsed (or the raw text when it is not JSON). */
function send(path: string, bytes: string | Buffer, opts: { end?: boolean } = {}): Promise<LockAnswer> {
  return new Promise((res, rej) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', rej);
    socket.on('close', () => res(JSON.parse(Buffer.concat(chunks).toString('utf8')) as LockAnswer));
    socket.write(bytes, () => {
      if (opts.end !== false) socket.end();
    });
  });
}

const request = (path: string, body: unknown) => send(path, `${JSON.stringify(body)}\n`);

function nexusBot(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 60_000, env: { ...process.env, NEXUS_BOT_CONFIG: '', ...env } },
      (err, stdout, stderr) => {
        res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('unlock socket: giving and taking back the salt of a running worker', function () {
  this.timeout(60_000);
  let dir: string;
  let keystore: IKeystore;
  let slot: SaltSlot;
  let lock: SaltLock;
  let socket: UnlockSocket;
  let lines: string[];
  let stoppedWorkers: number;

  before(async () => {
    // Light KDF parameters: only the check's logic is under test here, not pbkdf2's cost.
    keystore = await createKeystore(SALT, Buffer.from('a stored secret'), new Uint8Array(0), '', null, {
      function: 'pbkdf2',
      params: { dklen: 32, c: 2, prf: 'hmac-sha256', salt: '' },
    });
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-unlock-'));
    lines = [];
    stoppedWorkers = 0;
    slot = new SaltSlot();
    const check: SaltCheck = async (candidate) =>
      (await candidate.use((p) => verifyPassword(keystore, p)))
        ? { ok: true, message: 'the salt opens the test keystore' }
        : { ok: false, error: 'wrong-salt', message: 'wrong salt: it does not open the test keystore' };
    const log = {
      info: (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
      warn: (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    };
    lock = new SaltLock(slot, check, log, 'q-salt');
    lock.attachWorker(async () => {
      stoppedWorkers++;
    });
    socket = await startUnlockSocket(join(dir, 'run', 'unlock.sock'), lock, {
      requestTimeoutMs: 500,
      maxRequestBytes: 4096,
    });
  });

  afterEach(async () => {
    await socket?.close();
    lock?.close();
    for (const line of lines)
      assert.ok(!line.includes(SALT) && !line.includes(WRONG), `a log line holds a salt: ${line}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it("is a socket of mode 0600 in a folder of mode 0700, both this user's", () => {
    const st = lstatSync(socket.path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, process.getuid?.());
    assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
  });

  it('starts locked and says so: "locked: waiting for the salt", at once in the log too', async () => {
    const status = await request(socket.path, { op: 'status' });
    assert.equal(status.ok, true);
    assert.equal(status.state, 'locked');
    assert.match(
      status.message,
      /^locked: waiting for the salt since .*: mnemonic steps wait on the salt task queue q-salt/,
    );
    assert.match(
      lines[0],
      /^locked: waiting for the salt: mnemonic steps wait on the salt task queue q-salt until `nexus-bot unlock`/,
    );
  });

  it('refuses a wrong salt keeping nothing, then takes the right one', async () => {
    const wrong = await request(socket.path, { op: 'unlock', salt: WRONG });
    assert.deepEqual(
      { ok: wrong.ok, state: wrong.state, error: wrong.error },
      { ok: false, state: 'locked', error: 'wrong-salt' },
    );
    assert.match(wrong.message, /^wrong salt: .*; still locked$/);
    assert.equal(slot.locked, true);
    await assert.rejects(
      slot.use((p) => p),
      { name: 'SaltLocked', message: /locked: waiting for the salt/ },
    );
    const right = await request(socket.path, { op: 'unlock', salt: SALT });
    assert.deepEqual({ ok: right.ok, state: right.state }, { ok: true, state: 'unlocked' });
    assert.match(
      right.message,
      /^unlocked: the salt opens the test keystore; the worker polls the salt task queue q-salt$/,
    );
    assert.equal(await slot.use((p) => p), SALT);
    // A second unlock changes nothing, and its salt is not checked or kept.
    const again = await request(socket.path, { op: 'unlock', salt: WRONG });
    assert.equal(again.ok, true);
    assert.match(again.message, /already unlocked/);
    assert.equal(await slot.use((p) => p), SALT);
  });

  it('lock stops the salt Worker first, then wipes the salt; unlocking again works', async () => {
    await request(socket.path, { op: 'unlock', salt: SALT });
    const locked = await request(socket.path, { op: 'lock' });
    assert.deepEqual({ ok: locked.ok, state: locked.state }, { ok: true, state: 'locked' });
    assert.equal(stoppedWorkers, 1);
    assert.equal(slot.locked, true);
    await assert.rejects(
      slot.use((p) => p),
      { name: 'SaltLocked' },
    );
    assert.equal((await request(socket.path, { op: 'unlock', salt: SALT })).state, 'unlocked');
  });

  it('SaltSlot.wipe overwrites the holder it had (a kept reference reads nothing)', async () => {
    const holder = new SaltHolder(SALT);
    const own = new SaltSlot(holder);
    own.wipe();
    await assert.rejects(
      holder.use((p) => p),
      /the salt was wiped/,
    );
  });

  it('answers bad input with a clear error that never repeats it, and keeps serving', async () => {
    const garbage = await send(socket.path, `not json ${SALT}\n`);
    assert.deepEqual({ ok: garbage.ok, error: garbage.error }, { ok: false, error: 'bad-request' });
    assert.match(garbage.message, /^not JSON/);
    const cases: [unknown, RegExp][] = [
      [[1, 2], /JSON object with "op"/],
      [{ op: 'open' }, /"op" must be "status", "unlock" or "lock"/],
      [{ op: 'unlock' }, /"salt" must be a non-empty string/],
      [{ op: 'unlock', salt: ' \t' }, /"salt" must be a non-empty string/],
      [{ op: 'unlock', salt: SALT, rollup: 'nope' }, /"rollup" must be a rollup admin address/],
      [{ op: 'unlock', salt: SALT, [SALT]: 1 }, /unknown field/],
      [{ op: 'lock', salt: SALT }, /"lock" takes no other field/],
    ];
    for (const [body, message] of cases) {
      const a = await request(socket.path, body);
      assert.equal(a.error, 'bad-request', JSON.stringify(a));
      assert.match(a.message, message);
      assert.ok(!a.message.includes(SALT.slice(0, 8)), `the answer repeats the salt: ${a.message}`);
    }
    const big = await send(socket.path, Buffer.alloc(10_000, 0x61));
    assert.deepEqual({ ok: big.ok, error: big.error }, { ok: false, error: 'too-large' });
    assert.match(big.message, /request larger than 4096 bytes/);
    const unterminated = await send(socket.path, '{"op":"status"}');
    assert.equal(unterminated.error, 'bad-request');
    assert.match(unterminated.message, /without a newline/);
    const slow = await send(socket.path, '{"op":', { end: false });
    assert.equal(slow.error, 'timeout');
    assert.match(slow.message, /within 0\.5 s/);
    for (const a of [garbage, big, unterminated, slow]) assert.ok(!a.message.includes(SALT));
    assert.equal(slot.locked, true);
    assert.equal((await request(socket.path, { op: 'status' })).state, 'locked');
    assert.equal((await request(socket.path, { op: 'unlock', salt: SALT })).state, 'unlocked');
  });

  it('refuses a folder others may enter, a path that is no socket, and a socket a live worker listens on; replaces a stale one', async () => {
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    await assert.rejects(
      startUnlockSocket(join(open, 'unlock.sock'), lock),
      /its folder .*open must be a directory owned by this user with no access for group or others \(it has mode 755/,
    );
    writeFileSync(join(dir, 'run', 'file.sock'), '');
    await assert.rejects(startUnlockSocket(join(dir, 'run', 'file.sock'), lock), /exists and is not a socket/);
    await assert.rejects(startUnlockSocket(socket.path, lock), /another worker listens on/);
    // A socket whose server is gone (a worker that was killed): replaced.
    const stalePath = join(dir, 'run', 'stale.sock');
    // Closing a server removes its file; a process that was killed leaves it.
    const child = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stalePath)}, () => console.log('up'))`,
    ]);
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(lstatSync(stalePath).isSocket(), 'the killed process left its socket');
    const replaced = await startUnlockSocket(stalePath, lock);
    assert.equal((await request(replaced.path, { op: 'status' })).state, 'locked');
    await replaced.close();
  });

  it('by default the socket is <state folder>/unlock/unlock.sock, where `nexus-bot unlock --config` finds it', async () => {
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    const path = unlockSocketPath(parseWorkerConfig({ workerName: 'w-default' }), env);
    assert.equal(path, join(dir, 'state', 'nexus-bot', 'w-default', 'unlock', 'unlock.sock'));
    const own = await startUnlockSocket(path, lock);
    try {
      const configFile = join(dir, 'worker.json');
      writeFileSync(configFile, JSON.stringify({ workerName: 'w-default' }));
      const status = await nexusBot(['unlock', '--status', '--config', configFile], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^locked: waiting for the salt/);
    } finally {
      await own.close();
    }
  });

  it('nexus-bot unlock / lock: --status, a salt file others may read refused, a wrong salt exits 1, the right one unlocks, lock locks', async () => {
    const status = await nexusBot(['unlock', '--status', '--socket', socket.path]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^locked: waiting for the salt since /);
    const open = join(dir, 'salt-open');
    writeFileSync(open, SALT, { mode: 0o644 });
    chmodSync(open, 0o644);
    const refused = await nexusBot(['unlock', '--salt-file', open, '--socket', socket.path]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /--salt-file: .*salt-open has mode 0644, so group or others may read or change it; `chmod 600 /,
    );
    const wrongFile = join(dir, 'salt-wrong');
    writeFileSync(wrongFile, `${WRONG}\n`, { mode: 0o600 });
    const wrong = await nexusBot(['unlock', '--salt-file', wrongFile, '--socket', socket.path]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^nexus-bot: wrong salt: .*; still locked$/m);
    assert.equal(slot.locked, true);
    const rightFile = join(dir, 'salt-right');
    writeFileSync(rightFile, `${SALT}\n`, { mode: 0o600 });
    const right = await nexusBot(['unlock', '--salt-file', rightFile, '--socket', socket.path]);
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^unlocked: /);
    assert.equal(await slot.use((p) => p), SALT);
    const locked = await nexusBot(['lock', '--socket', socket.path]);
    assert.equal(locked.code, 0, locked.stderr);
    assert.match(locked.stdout, /^locked: the salt was wiped/);
    assert.equal(slot.locked, true);
    const missing = await nexusBot(['unlock', '--status', '--socket', join(dir, 'none.sock')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no unlock socket at .*none\.sock: is the worker running/);
    for (const r of [status, refused, wrong, right, locked])
      assert.ok(!`${r.stdout}${r.stderr}`.includes(SALT) && !`${r.stdout}${r.stderr}`.includes(WRONG));
  });
});
