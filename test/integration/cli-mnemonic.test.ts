// `nexus-bot mnemonic create|keys`, run as the installed bin against a real Secrets Manager
// emulator (moto_server): the words are shown only with --show-mnemonic, an existing secret is
// never replaced, `keys` re-derives exactly the allocated indices' pubkeys, a wrong salt derives
// nothing, the salt is never printed, and bad input gets a clear message and the right exit code.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ethers } from 'ethers';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { IndexStateStore } from '../../activities/keys/index-state';
import { MnemonicVault, mnemonicSecretName } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { useService } from '../harness/service';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
const SALT = 'cli-salt-Ω-5b1d93e0';
const WRONG_SALT = 'cli-salt-Ω-5b1d93e1';
const PUBKEY = /0x[0-9a-f]{96}/;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The child's environment: no AWS settings of this machine, moto's credentials, no instance metadata lookups. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs the bin with `stdin` as its (non-TTY) standard input. */
function cli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((res) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 60_000, env: opts.env ?? childEnv() },
      (err, stdout, stderr) => {
        res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.stdin ?? '');
  });
}

function assertNoSalt(...results: Result[]): void {
  for (const r of results) {
    assert.ok(!r.stdout.includes(SALT) && !r.stderr.includes(SALT), 'salt printed');
    assert.ok(!r.stdout.includes(WRONG_SALT) && !r.stderr.includes(WRONG_SALT), 'salt printed');
  }
}

/** Lower-case alphabetic tokens of a text (how a BIP-39 word would show up in it). */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
}

/** A checksummed address with a letter whose case is flipped (so its EIP-55 checksum fails). */
function badChecksum(address: string): string {
  const i = address.slice(2).search(/[a-fA-F]/) + 2;
  const c = address[i];
  return address.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + address.slice(i + 1);
}

describe('nexus-bot mnemonic (CLI bin, Secrets Manager on moto_server)', () => {
  const moto = useService('moto', () => startMoto());
  const aws = () => ['--aws-region', MOTO_REGION, '--aws-endpoint', moto().endpoint];
  const vault = (salt = SALT) =>
    new MnemonicVault(
      new SecretsManagerClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS }),
      new SaltHolder(salt),
    );
  const newAdmin = () => ethers.Wallet.createRandom().address;

  let tmp: string;
  let saltFile: string;
  let wrongSaltFile: string;
  let stateDir: string;
  before(async () => {
    tmp = await fs.mkdtemp(join(tmpdir(), 'nexus-bot-cli-mnemonic-'));
    saltFile = join(tmp, 'salt');
    await fs.writeFile(saltFile, `${SALT}\n`, { mode: 0o600 }); // the trailing newline is not part of the salt
    wrongSaltFile = join(tmp, 'wrong-salt');
    await fs.writeFile(wrongSaltFile, WRONG_SALT, { mode: 0o600 });
    stateDir = join(tmp, 'index-state');
    await fs.mkdir(stateDir);
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('answers --help for the group and for each subcommand, and the top-level usage lists it', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^\s+mnemonic\s+/m);
    for (const args of [['mnemonic'], ['mnemonic', '--help'], ['mnemonic', '-h']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /Usage: nexus-bot mnemonic <subcommand>[\s\S]*create <rollupAdmin>[\s\S]*keys <rollupAdmin>/,
      );
    }
    const create = await cli(['mnemonic', 'create', '--help']);
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /^Usage: nexus-bot mnemonic create <rollupAdmin> \[--show-mnemonic\]/);
    assert.match(create.stdout, /--salt-file <path>[\s\S]*--aws-region <region>[\s\S]*--aws-endpoint <url>/);
    const keys = await cli(['mnemonic', 'keys', '-h']);
    assert.equal(keys.code, 0, keys.stderr);
    assert.match(keys.stdout, /^Usage: nexus-bot mnemonic keys <rollupAdmin> --index-state <folder> \[--json\]/);
  });

  it("the AWS SDK's Node-version notice is off unless the operator turns it on", async () => {
    const loud = await cli(['mnemonic', 'create', newAdmin(), '--salt-file', saltFile, ...aws()], {
      env: childEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }),
    });
    assert.equal(loud.code, 0, loud.stderr);
    if (Number(process.versions.node.split('.')[0]) < 22) assert.match(loud.stderr, /NodeVersionSupportWarning/);
    const quiet = await cli(['mnemonic', 'create', newAdmin(), '--salt-file', saltFile, ...aws()]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /NodeVersionSupportWarning/);
  });

  it("create --show-mnemonic shows the words once; keys lists the allocated indices' pubkeys, equal to deriveSigningKeys", async () => {
    const admin = newAdmin();
    const created = await cli(['mnemonic', 'create', admin, '--show-mnemonic', '--salt-file', saltFile, ...aws()]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created the mnemonic secret of rollup ${admin}`));
    assert.ok(created.stdout.includes(`name: ${mnemonicSecretName(admin)}`));
    assert.match(created.stdout, /arn: {2}arn:aws:secretsmanager:/);
    assert.match(created.stdout, /WARNING: the mnemonic below is shown this once[\s\S]*store it offline/);
    const mnemonic = /^mnemonic: (.+)$/m.exec(created.stdout)?.[1] ?? assert.fail('no mnemonic line');
    assert.equal(mnemonic.split(' ').length, 24);
    assert.ok(ethers.Mnemonic.isValidMnemonic(mnemonic));
    assert.equal(created.stdout.split(mnemonic).length, 2, 'the mnemonic is printed exactly once');
    assert.ok(!created.stderr.includes(mnemonic));
    assert.equal(created.stderr, '', 'the CLI printed something on standard error (a third-party notice?)');
    // What was shown is what was stored (under the salt without the file's trailing newline).
    assert.equal(await vault().readMnemonic(admin), mnemonic);

    const store = new IndexStateStore({ folder: stateDir });
    await store.allocateIndices(admin, 'request-a', 3);
    await store.allocateIndices(admin, 'request-b', 2);
    await store.allocateIndices(newAdmin(), 'another-rollup', 4); // not listed
    const expected = await deriveSigningKeys(mnemonic, [0, 1, 2, 3, 4]);
    wipeKeys(expected);

    // Lower-case address; salt on standard input (no trailing newline this time).
    const listed = await cli(
      ['mnemonic', 'keys', admin.toLowerCase(), '--index-state', stateDir, '--salt-file', '-', ...aws()],
      { stdin: SALT },
    );
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^index\s+path\s+pubkey$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)),
      expected.map((k) => [String(k.index), k.path, k.pubkeyHex]),
    );

    // JSON, with the region from AWS_REGION.
    const json = await cli(
      [
        'mnemonic',
        'keys',
        admin,
        '--index-state',
        stateDir,
        '--json',
        '--salt-file',
        saltFile,
        '--aws-endpoint',
        moto().endpoint,
      ],
      { env: childEnv({ AWS_REGION: MOTO_REGION }) },
    );
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      JSON.parse(json.stdout),
      expected.map((k) => ({ index: k.index, path: k.path, pubkey: k.pubkeyHex })),
    );
    assert.ok(
      !listed.stdout.includes(mnemonic.split(' ').slice(0, 2).join(' ')) &&
        !json.stdout.includes(mnemonic.split(' ').slice(0, 2).join(' ')),
    );
    assertNoSalt(created, listed, json);
  });

  it('create without --show-mnemonic prints none of the words; a second create refuses and overwrites nothing', async () => {
    const [admin, other] = [newAdmin(), newAdmin()];
    const created = await cli(['mnemonic', 'create', admin, '--salt-file', saltFile, ...aws()]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /The mnemonic was NOT printed/);
    assert.doesNotMatch(created.stdout, /^mnemonic:/m);
    const otherRun = await cli(['mnemonic', 'create', other, '--salt-file', saltFile, ...aws()]);
    assert.equal(otherRun.code, 0, otherRun.stderr);

    const mnemonic = await vault().readMnemonic(admin);
    const printed = `${created.stdout}\n${created.stderr}`;
    const mnemonicWords = mnemonic.split(' ');
    for (let i = 0; i + 1 < mnemonicWords.length; i++) {
      assert.ok(!printed.includes(`${mnemonicWords[i]} ${mnemonicWords[i + 1]}`), 'mnemonic words printed');
    }
    // Single words: a BIP-39 word may be an ordinary English word of the message text ("secret",
    // "salt"), so a word counts as leaked only if the other rollup's output (same text, another
    // mnemonic) does not have it too.
    const template = words(`${otherRun.stdout}\n${otherRun.stderr}`);
    const leaked = mnemonicWords.filter((w) => words(printed).has(w) && !template.has(w));
    assert.deepEqual(leaked, [], 'mnemonic words printed');

    const again = await cli(['mnemonic', 'create', admin, '--show-mnemonic', '--salt-file', saltFile, ...aws()]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(
        `^nexus-bot: rollup ${admin.toLowerCase()} already has a mnemonic secret ${mnemonicSecretName(admin)}; it is never replaced`,
        'm',
      ),
    );
    assert.doesNotMatch(again.stdout, /mnemonic:|created/);
    assert.equal(await vault().readMnemonic(admin), mnemonic, 'the stored mnemonic is unchanged');
    assertNoSalt(created, otherRun, again);
  });

  it('keys with a wrong salt fails with the WrongSalt message and derives nothing', async () => {
    const admin = newAdmin();
    assert.equal((await cli(['mnemonic', 'create', admin, '--salt-file', saltFile, ...aws()])).code, 0);
    await new IndexStateStore({ folder: stateDir }).allocateIndices(admin, 'r1', 2);
    const wrong = await cli([
      'mnemonic',
      'keys',
      admin,
      '--index-state',
      stateDir,
      '--salt-file',
      wrongSaltFile,
      ...aws(),
    ]);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(`^nexus-bot: the salt does not open the mnemonic keystore of rollup ${admin.toLowerCase()}`, 'm'),
    );
    assert.doesNotMatch(wrong.stdout + wrong.stderr, PUBKEY);
    assert.equal(wrong.stdout, '');
    assertNoSalt(wrong);
  });

  it('keys: a missing secret, no state file and a missing index state folder are said clearly', async () => {
    const noSecret = await cli([
      'mnemonic',
      'keys',
      newAdmin(),
      '--index-state',
      stateDir,
      '--salt-file',
      saltFile,
      ...aws(),
    ]);
    assert.equal(noSecret.code, 1);
    assert.match(
      noSecret.stderr,
      /has no mnemonic secret nexus-bot\/rollups\/0x[0-9a-f]{40}\/mnemonic .*; create it with `nexus-bot mnemonic create 0x/,
    );

    const admin = newAdmin();
    assert.equal((await cli(['mnemonic', 'create', admin, '--salt-file', saltFile, ...aws()])).code, 0);
    const none = await cli(['mnemonic', 'keys', admin, '--index-state', stateDir, '--salt-file', saltFile, ...aws()]);
    assert.equal(none.code, 0, none.stderr);
    // No state file at all: said so, with the way to rebuild a lost one.
    assert.match(
      none.stdout,
      new RegExp(`rollup ${admin} has no index state file in [\\s\\S]*\`nexus-bot mnemonic rebuild ${admin}\``),
    );
    const noneJson = await cli([
      'mnemonic',
      'keys',
      admin,
      '--index-state',
      stateDir,
      '--json',
      '--salt-file',
      saltFile,
      ...aws(),
    ]);
    assert.equal(noneJson.code, 0, noneJson.stderr);
    assert.deepEqual(JSON.parse(noneJson.stdout), []);

    const missing = join(tmp, 'no-such-folder');
    const noFolder = await cli([
      'mnemonic',
      'keys',
      admin,
      '--index-state',
      missing,
      '--salt-file',
      saltFile,
      ...aws(),
    ]);
    assert.equal(noFolder.code, 1);
    assert.match(noFolder.stderr, /--index-state: cannot use folder .*no-such-folder \(ENOENT\)/);
    assertNoSalt(noSecret, none, noneJson, noFolder);
  });

  it('usage errors exit 2 with a clear message', async () => {
    const admin = newAdmin();
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [['mnemonic', 'rotate'], /unknown mnemonic subcommand "rotate"[\s\S]*Usage: nexus-bot mnemonic <subcommand>/],
      [['mnemonic', 'create', admin, '--salt', 'x'], /Unknown option '--salt'[\s\S]*Usage: nexus-bot mnemonic create/],
      [
        ['mnemonic', 'keys', admin, '--frobnicate'],
        /Unknown option '--frobnicate'[\s\S]*Usage: nexus-bot mnemonic keys/,
      ],
      [['mnemonic', 'create', '--salt-file', saltFile], /missing <rollupAdmin>[\s\S]*Usage: nexus-bot mnemonic create/],
      [['mnemonic', 'create', admin, 'extra'], /expected one argument, <rollupAdmin>, got 2/],
      [['mnemonic', 'create', '0x1234'], /<rollupAdmin> "0x1234": not an address/],
      [['mnemonic', 'keys', 'rollup-one', '--index-state', stateDir], /<rollupAdmin>: not an address/],
      [
        ['mnemonic', 'create', badChecksum(admin)],
        /<rollupAdmin> "0x[0-9a-fA-F]{40}": mixed case but not a valid EIP-55 checksum/,
      ],
      [['mnemonic', 'keys', admin, '--salt-file', saltFile, ...aws()], /--index-state <folder> is required/],
      [
        ['mnemonic', 'create', admin, '--salt-file', saltFile],
        /no AWS region: pass --aws-region <region> or set AWS_REGION/,
      ],
      [
        [
          'mnemonic',
          'create',
          admin,
          '--salt-file',
          saltFile,
          '--aws-region',
          MOTO_REGION,
          '--aws-endpoint',
          'localhost:4566',
        ],
        /--aws-endpoint: expected an http\(s\) URL, got "localhost:4566"/,
      ],
      [
        [
          'mnemonic',
          'create',
          admin,
          '--salt-file',
          saltFile,
          '--aws-region',
          MOTO_REGION,
          '--aws-endpoint',
          'not a url',
        ],
        /--aws-endpoint: "not a url" is not a URL/,
      ],
      [
        ['mnemonic', 'create', admin, '--aws-region', MOTO_REGION],
        /no salt: standard input is not a terminal, so pass --salt-file <path>/,
      ],
    ];
    for (const [args, message, env] of cases) {
      const r = await cli(args, { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    // Nothing was created by any of them.
    await assert.rejects(vault().readMnemonic(admin), { name: 'MnemonicSecretMissingError' });
  });

  it('an empty, blank or unreadable salt is refused (exit 1) before Secrets Manager is asked', async () => {
    const empty = join(tmp, 'empty-salt');
    await fs.writeFile(empty, '');
    const blank = join(tmp, 'blank-salt');
    await fs.writeFile(blank, '\n\n');
    const admin = newAdmin();
    const cases: [string[], string | undefined, RegExp][] = [
      [['--salt-file', empty], undefined, /^nexus-bot: the salt from salt file .*empty-salt is empty$/m],
      [
        ['--salt-file', blank],
        undefined,
        /^nexus-bot: the salt from salt file .*blank-salt is empty \(only whitespace or control characters\)$/m,
      ],
      [['--salt-file', '-'], '\n', /^nexus-bot: the salt from standard input \(--salt-file -\) is empty$/m],
      [
        ['--salt-file', join(tmp, 'no-such-salt')],
        undefined,
        /^nexus-bot: cannot open salt file .*no-such-salt \(ENOENT\)$/m,
      ],
    ];
    for (const [saltArgs, stdin, message] of cases) {
      const r = await cli(['mnemonic', 'create', admin, ...saltArgs, ...aws()], { stdin });
      assert.equal(r.code, 1, `${saltArgs.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    await assert.rejects(vault().readMnemonic(admin), { name: 'MnemonicSecretMissingError' });
  });

  it('on a terminal, asks for the salt without echoing it', async function () {
    assert.ok(
      existsSync('/usr/bin/script'),
      'the prompt test needs util-linux script (Debian package bsdutils) for a pseudo-terminal',
    );
    const admin = newAdmin();
    const command = [process.execPath, BIN, 'mnemonic', 'create', admin, ...aws()].map((a) => `'${a}'`).join(' ');
    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const prompted = new Promise<void>((res) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('salt (input hidden): ')) res();
      });
    });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    await prompted;
    await new Promise((r) => setTimeout(r, 300)); // let readline switch the terminal to raw mode
    child.stdin.write(`${SALT}\r`);
    const code = await exited;
    child.stdin.end();
    assert.equal(code, 0, output);
    assert.match(output, /created the mnemonic secret of rollup/);
    assert.ok(!output.includes(SALT), 'the salt was echoed');
    assert.equal((await vault().readMnemonic(admin)).split(' ').length, 24, 'the typed salt opens the stored keystore');
  });
});
