// The codec key file (format, permissions, no key bytes in errors) and the worker's `codec`
// configuration section with its environment override.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CodecKeyFileError,
  loadCodecKeys,
  parseCodecKeys,
  writeNewCodecKeyFile,
} from '../../temporal-config/codec-keys';
import { ConfigError, loadWorkerConfig, parseWorkerConfig } from '../../worker/config';
import { buildWorker } from '../../worker/worker';

const key = () => randomBytes(32).toString('base64');

function expectKeyFileError(raw: unknown, field: string, expected: RegExp): void {
  assert.throws(
    () => parseCodecKeys(raw),
    (err: unknown) => {
      assert.ok(err instanceof CodecKeyFileError, `expected CodecKeyFileError, got ${String(err)}`);
      assert.match(
        err.message,
        new RegExp(`^  ${field.replace(/[.()]/g, '\\$&')}: `, 'm'),
        `field ${field} not named in:\n${err.message}`,
      );
      assert.match(err.message, expected);
      return true;
    },
  );
}

describe('codec key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-codec-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads several keys and the active one', () => {
    const file = join(dir, 'two.json');
    const [a, b] = [key(), key()];
    writeFileSync(
      file,
      JSON.stringify({
        activeKeyId: 'k2',
        keys: [
          { id: 'k1', key: a },
          { id: 'k2', key: b },
        ],
      }),
      { mode: 0o600 },
    );
    const ring = loadCodecKeys(file);
    assert.equal(ring.activeKeyId, 'k2');
    assert.deepEqual(ring.keys.get('k1'), Buffer.from(a, 'base64'));
    assert.deepEqual(ring.keys.get('k2'), Buffer.from(b, 'base64'));
  });

  it('names each bad field and the expected form, without quoting a key', () => {
    const short = randomBytes(16).toString('base64');
    expectKeyFileError(
      { activeKeyId: 'k1', keys: [{ id: 'k1', key: short }] },
      'keys.0.key',
      /base64 of exactly 32 random bytes/,
    );
    expectKeyFileError({ activeKeyId: 'k1', keys: [{ id: 'k1', key: 'not base64!' }] }, 'keys.0.key', /base64/);
    expectKeyFileError(
      { activeKeyId: 'k3', keys: [{ id: 'k1', key: key() }] },
      'activeKeyId',
      /one of the listed keys, got "k3"/,
    );
    expectKeyFileError(
      {
        activeKeyId: 'k1',
        keys: [
          { id: 'k1', key: key() },
          { id: 'k1', key: key() },
        ],
      },
      'keys.1.id',
      /duplicate key id "k1"/,
    );
    expectKeyFileError({ activeKeyId: 'k1', keys: [] }, 'keys', /at least one key/);
    expectKeyFileError(
      { activeKeyId: 'a b', keys: [{ id: 'k1', key: key() }] },
      'activeKeyId',
      /key id of 1-64 letters/,
    );
    expectKeyFileError({ keys: [{ id: 'k1', key: key() }] }, 'activeKeyId', /./);
    expectKeyFileError({ activeKeyId: 'k1', keys: [{ id: 'k1', key: key(), extra: 1 }] }, 'keys.0', /extra/);
    const secret = randomBytes(31).toString('base64');
    assert.throws(
      () => parseCodecKeys({ activeKeyId: 'k1', keys: [{ id: 'k1', key: secret }] }),
      (err: Error) => !err.message.includes(secret),
    );
  });

  it('refuses a file that group or others can access, like ssh does', () => {
    const file = join(dir, 'open.json');
    writeFileSync(file, JSON.stringify({ activeKeyId: 'k1', keys: [{ id: 'k1', key: key() }] }));
    for (const mode of [0o644, 0o640, 0o604, 0o610]) {
      chmodSync(file, mode);
      assert.throws(
        () => loadCodecKeys(file),
        new RegExp(`codec key file .*open\\.json has permissions 0${mode.toString(8)}, too open.*chmod 600`),
      );
    }
    chmodSync(file, 0o400);
    assert.equal(loadCodecKeys(file).activeKeyId, 'k1');
  });

  it('reports a missing file and malformed JSON without echoing the content', () => {
    assert.throws(() => loadCodecKeys(join(dir, 'missing.json')), /cannot read codec key file .*missing\.json: ENOENT/);
    const file = join(dir, 'broken.json');
    const secret = key();
    writeFileSync(file, `{"activeKeyId": "k1", "keys": [{"id": "k1", "key": "${secret}"`, { mode: 0o600 });
    assert.throws(
      () => loadCodecKeys(file),
      (err: Error) =>
        err instanceof CodecKeyFileError &&
        /broken\.json is not valid JSON; expected \{"activeKeyId"/.test(err.message) &&
        !err.message.includes(secret),
    );
  });

  it('writes a new key file readable by its owner only, never over an existing one', () => {
    const file = join(dir, 'new.json');
    writeNewCodecKeyFile(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(loadCodecKeys(file).keys.get('k1')?.length, 32);
    assert.throws(() => writeNewCodecKeyFile(file), /EEXIST/);
  });
});

describe('worker config: codec', () => {
  it('is optional, and takes a key file path', () => {
    assert.equal(parseWorkerConfig({}).codec, undefined);
    assert.deepEqual(parseWorkerConfig({ codec: { keysFile: '/etc/nexus-bot/codec-keys.json' } }).codec, {
      keysFile: '/etc/nexus-bot/codec-keys.json',
    });
  });

  it('names the field and the expected form', () => {
    for (const [raw, field, expected] of [
      [{ codec: { keysFile: '' } }, 'codec.keysFile', /expected the path of the codec key file/],
      [{ codec: {} }, 'codec.keysFile', /expected string/],
      [{ codec: { keysFile: 'f', key: 'inline' } }, 'codec', /key/],
    ] as const) {
      assert.throws(
        () => parseWorkerConfig(raw),
        (err: unknown) =>
          err instanceof ConfigError &&
          new RegExp(`^  ${field.replace('.', '\\.')}: `, 'm').test(err.message) &&
          expected.test(err.message),
      );
    }
  });

  it('a bad key file stops the worker before it connects, naming codec.keysFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-codec-worker-'));
    try {
      const file = join(dir, 'keys.json');
      writeNewCodecKeyFile(file);
      chmodSync(file, 0o640);
      // Port 1: nothing listens, so only an error before connecting can name the key file.
      const config = parseWorkerConfig({ temporal: { address: '127.0.0.1:1' }, codec: { keysFile: file } });
      await assert.rejects(
        buildWorker(config),
        (err: unknown) =>
          err instanceof ConfigError &&
          /^ {2}codec\.keysFile: codec key file .*keys\.json has permissions 0640, too open/m.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('NEXUS_BOT_CODEC_KEYS_FILE sets codec.keysFile', () => {
    assert.deepEqual(loadWorkerConfig({ NEXUS_BOT_CODEC_KEYS_FILE: '/run/keys.json' }).codec, {
      keysFile: '/run/keys.json',
    });
  });
});
