// The ssv-dkg stand-in as real processes on 127.0.0.1, against the real v3.1.0 fixtures: its help
// and version texts, the local-path rule, ceremonies of 1 and 3 validators with the four fixture
// operators (read back by readCeremonyOutput, shares decrypted and recombined, operators' stored
// shares, proof signatures, the same structure as the real output), the exact failure lines of an
// operator down and of swapped keys, ping, and checkOperatorHealth.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { checkOperatorHealth } from '../../activities/dkg/health-check';
import {
  DkgOperatorDownError,
  DkgOperatorKeyMismatchError,
  DkgVersionMismatchError,
} from '../../activities/dkg/errors';
import { proofHashTreeRoot, verifyRsa } from '../../activities/dkg/wire';
import { listCeremonyDirs, readCeremonyOutput } from '../../activities/keys/dkg-output';
import {
  decodeOperatorPublicKey,
  decryptOperatorKeystore,
  loadOperatorIdentity,
} from '../../localnet/operator-identity';
import { freePort } from '../../localnet/services/process';
import { operatorsInfo, startDkgOperator, type DkgOperator } from '../../localnet/services/ssv-dkg';
import { SSV_DKG_STAND_IN } from '../../localnet/ssv-dkg-stand-in/path';
import { decryptShare, recombineSecret, splitSharesData } from '../fixtures/keyshares/material';
import { compareCeremonyDirs } from '../harness/dkg-structure';

const FIXTURES = '/work/shared/fixtures/ssv-dkg-v3.1.0';
const OWNER = '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9';
const WITHDRAW = '0x663F3ad617193148711d28f5334eE4Ed07016602';
const IDS = [1, 2, 3, 4];
const fixture = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');
const stripTime = (line: string) => line.replace(/^\S+\t/, '');
const stripAnsi = (s: string) => s.replace(/\x1b\[\d+m/g, ''); // eslint-disable-line no-control-regex

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSV_DKG_STAND_IN, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) });
    });
  });
}

describe('ssv-dkg stand-in (real processes, v3.1.0 fixtures)', function () {
  this.timeout(180_000);
  let base: string;
  let initDir: string;
  const operators: DkgOperator[] = [];
  const extra: DkgOperator[] = [];
  const privatePems = new Map<number, string>();

  const initArgs = (extraArgs: string[], opsFile = 'ops.json', nonce = 0, validators = 1, out = 'out') => [
    'init',
    '--operatorIDs',
    '1,2,3,4',
    '--operatorsInfoPath',
    opsFile,
    '--owner',
    OWNER,
    '--nonce',
    String(nonce),
    '--withdrawAddress',
    WITHDRAW,
    '--network',
    'holesky',
    '--validators',
    String(validators),
    `--outputPath=${out}`,
    '--clientCACertPath',
    'operator-1.crt,operator-2.crt,operator-3.crt,operator-4.crt',
    '--logFilePath',
    'init.log',
    '--logFormat',
    'console',
    '--logLevel',
    'info',
    ...extraArgs,
  ];
  const copyOperator = (id: number, dest: string) => {
    cpSync(join(FIXTURES, `operators/operator-${id}`), dest, { recursive: true });
    chmodSync(dest, 0o700);
    for (const f of readdirSync(dest)) chmodSync(join(dest, f), 0o600);
  };
  const startOperator = async (id: number, dir: string, env?: NodeJS.ProcessEnv) => {
    const identity = await loadOperatorIdentity(dir, id);
    assert.ok(identity, `fixture identity ${id} loads`);
    return startDkgOperator(identity, { ethEndpointURL: 'http://127.0.0.1:9', command: SSV_DKG_STAND_IN, env });
  };

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'ssv-dkg-stand-in-'));
    initDir = join(base, 'init');
    for (const id of IDS) copyOperator(id, join(base, `operator-${id}`));
    operators.push(...(await Promise.all(IDS.map((id) => startOperator(id, join(base, `operator-${id}`))))));
    mkdirSync(initDir);
    writeFileSync(join(initDir, 'ops.json'), JSON.stringify(operatorsInfo(operators), null, 2));
    for (const op of operators) writeFileSync(join(initDir, `operator-${op.operatorId}.crt`), op.tlsCertPem);
    for (const id of IDS) {
      const dir = join(FIXTURES, `operators/operator-${id}`);
      privatePems.set(
        id,
        await decryptOperatorKeystore(
          join(dir, 'encrypted_private_key.json'),
          readFileSync(join(dir, 'password'), 'utf8'),
        ),
      );
    }
  });

  after(async () => {
    for (const op of [...extra, ...operators]) await op.stop().catch(() => undefined);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('prints the real help texts and version', async () => {
    for (const cmd of ['init', 'start-operator', 'ping', 'verify', 'resign', 'reshare', 'generate-resign-msg']) {
      for (const flag of ['--help', '-h']) {
        const r = await run([cmd, flag], base);
        assert.equal(r.code, 0);
        assert.equal(r.stdout, fixture(`cli/${cmd}--help.txt`), `${cmd} ${flag}`);
      }
    }
    for (const args of [['version'], ['--version'], ['-v'], ['init', '--version']]) {
      const r = await run(args, base);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, fixture('cli/version.txt'), args.join(' '));
    }
    const other = await run(['version'], base, { ...process.env, SSV_DKG_STAND_IN_VERSION: 'v9.9.9-test' });
    assert.equal(other.stdout, 'v9.9.9-test\n');
  });

  it('refuses non-local paths, unknown flags and bad values with exit 1', async () => {
    const cases: [string[], string][] = [
      [initArgs([], '../ops.json'), 'wrong operatorsInfoPath flag, should be local'],
      [initArgs([], join(initDir, 'ops.json')), 'wrong operatorsInfoPath flag, should be local'],
      [[...initArgs([]), '--clientCACertPath', '/etc/ssl/x.crt'], 'wrong clientCACertPath flag, should be local'],
      [[...initArgs([]), '--logFilePath', '../init.log'], 'wrong logFilePath flag, should be local'],
      [
        ['start-operator', '--privKey', '../k.json', '--privKeyPassword', 'password', '--operatorID', '1'],
        'wrong privKey flag, should be local',
      ],
      [[...initArgs([]), '--bogus', 'x'], 'unknown flag: --bogus'],
      [[...initArgs([]), '--nonce', 'abc'], 'invalid argument "abc" for "--nonce" flag'],
      [[...initArgs([]), '--validators', '0'], 'Amount of generated validators should be 1 to 100'],
      [[...initArgs([]), '--owner', '0x1234'], 'Failed to parse owner address'],
    ];
    for (const [args, message] of cases) {
      const started = Date.now();
      const r = await run(args, initDir);
      assert.equal(r.code, 1, args.join(' '));
      assert.ok(r.stderr.includes(message), `${message} in ${r.stderr}`);
      assert.ok(Date.now() - started < 10_000);
    }
    assert.deepEqual(
      readdirSync(initDir).filter((f) => f.startsWith('out')),
      [],
    );
  });

  for (const { count, nonce, fixtureDir } of [
    { count: 1, nonce: 0, fixtureDir: 'ceremonies/one-validator-nonce0/ceremony-2026-12-03--18-11-26.440' },
    { count: 3, nonce: 5, fixtureDir: 'ceremonies/three-validators-nonce5/ceremony-2026-12-03--18-11-53.361' },
  ]) {
    it(`runs a ceremony of ${count} validator(s) that the bot's reader, the operators' keys and the real layout all accept`, async () => {
      const out = `out-${count}`;
      const r = await run(initArgs([], 'ops.json', nonce, count, out), initDir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /🚀 DKG ceremony completed/);
      assert.match(readFileSync(join(initDir, 'init.log'), 'utf8'), /🚀 DKG ceremony completed/);
      const [dir] = listCeremonyDirs(join(initDir, out));
      const output = await readCeremonyOutput(dir, {
        owner: OWNER,
        firstNonce: nonce,
        count,
        withdrawalAddress: WITHDRAW,
        operatorIds: IDS,
        genesisForkVersion: '0x01017000',
        amountGwei: 32_000_000_000n,
        operatorKeys: Object.fromEntries(operators.map((op) => [op.operatorId, op.publicKeyBase64])),
      });
      assert.equal(output.validators.length, count);
      for (const v of output.validators) {
        const parts = splitSharesData(v.keyshares.sharesData, 4);
        const secrets = IDS.map((id, i) => {
          const plain = decryptShare(privatePems.get(id)!, parts.encryptedShares[i]);
          assert.match(plain, /^[0-9a-f]{64}$/, 'ssv-dkg encrypts the 64 hex digits, no 0x');
          const stored = JSON.parse(readFileSync(join(base, `operator-${id}`, 'output', `${v.pubkey}.json`), 'utf8'));
          assert.deepEqual(stored, {
            validatorPubkey: v.pubkey,
            operatorId: id,
            shareIndex: id,
            shareSecretHex: `0x${plain}`,
            ownerNonce: v.nonce,
            operatorIds: IDS,
          });
          return BigInt(`0x${plain}`);
        });
        const { SecretKey } = await import('@chainsafe/blst');
        const xs = IDS.map(BigInt);
        for (const subset of [
          [0, 1, 2],
          [1, 2, 3],
          [0, 2, 3],
        ]) {
          const sk = recombineSecret(
            subset.map((i) => xs[i]),
            subset.map((i) => secrets[i]),
          );
          const pub = SecretKey.fromBytes(Buffer.from(sk.toString(16).padStart(64, '0'), 'hex'))
            .toPublicKey()
            .toBytes();
          assert.equal(
            `0x${Buffer.from(pub).toString('hex')}`,
            v.pubkey,
            `shares ${subset.join(',')} recombine to the validator key`,
          );
        }
        const proofs = JSON.parse(readFileSync(v.proofsPath, 'utf8')) as {
          proof: Record<string, string>;
          signature: string;
        }[];
        for (const [i, p] of proofs.entries()) {
          const root = await proofHashTreeRoot({
            validatorPubKey: Buffer.from(p.proof.validator, 'hex'),
            encryptedShare: Buffer.from(p.proof.encrypted_share, 'hex'),
            sharePubKey: Buffer.from(p.proof.share_pub, 'hex'),
            owner: Buffer.from(p.proof.owner, 'hex'),
          });
          assert.ok(
            verifyRsa(decodeOperatorPublicKey(operators[i].publicKeyBase64), root, Buffer.from(p.signature, 'hex')),
            `proof of operator ${i + 1}`,
          );
        }
      }
      assert.deepEqual(compareCeremonyDirs(dir, join(FIXTURES, fixtureDir)), []);
      assert.deepEqual(
        compareCeremonyDirs(join(FIXTURES, fixtureDir), join(FIXTURES, fixtureDir)),
        [],
        'the fixtures pass the same comparison',
      );
      const keyshares = JSON.parse(readFileSync(join(output.validators[0].dir, 'keyshares.json'), 'utf8'));
      assert.equal(keyshares.shares[0].data.ownerAddress, getAddress(OWNER));
    });
  }

  it('fails like the real binary when an operator is down: exact FATAL line, exit 1, quickly', async () => {
    const port = await freePort();
    const info = operatorsInfo(operators).map((o) => (o.id === 4 ? { ...o, ip: `https://127.0.0.1:${port}` } : o));
    writeFileSync(join(initDir, 'ops-down.json'), JSON.stringify(info));
    const started = Date.now();
    const r = await run(initArgs([], 'ops-down.json', 0, 1, 'out-down'), initDir);
    assert.ok(Date.now() - started < 15_000);
    assert.equal(r.code, 1);
    const expected = stripTime(fixture('cli/init-operator-4-down.txt').trimEnd()).replace(/3234/g, String(port));
    const fatal = r.stdout.trimEnd().split('\n').pop()!;
    assert.match(fatal, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\t/);
    assert.equal(stripTime(fatal), expected);
  });

  it('fails like the real binary when two operators have swapped keys in ops.json', async () => {
    const info = operatorsInfo(operators);
    [info[1].public_key, info[2].public_key] = [info[2].public_key, info[1].public_key];
    writeFileSync(join(initDir, 'ops-swapped.json'), JSON.stringify(info));
    const r = await run(initArgs([], 'ops-swapped.json', 0, 1, 'out-swapped'), initDir);
    assert.equal(r.code, 1);
    assert.equal(
      stripTime(r.stdout.trimEnd().split('\n').pop()!),
      stripTime(fixture('cli/init-operators-2-and-3-keys-swapped.txt').trimEnd()),
    );
  });

  it('pings: the real healthy and not-healthy lines, exit 0 even with one operator down', async () => {
    const portOf = (line: string) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
    const normalize = (line: string) => stripTime(line).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
    const byId = (text: string) =>
      new Map(
        text
          .trimEnd()
          .split('\n')
          .filter((l) => /operator online|not healthy/.test(l))
          .map((l) => [/"ID": (\d+)/.exec(l)?.[1] ?? 'down', normalize(l)]),
      );
    const up = await run(['ping', '--operatorsInfoPath', 'ops.json'], initDir);
    assert.equal(up.code, 0);
    assert.deepEqual(byId(up.stdout), byId(fixture('cli/ping-all-up.txt')));
    assert.ok(up.stdout.split('\n').every((l) => !portOf(l) || operators.some((op) => String(op.port) === portOf(l))));
    assert.match(up.stdout, /WARN\tdkg-initiator\tinitiator\/initiator.go:107\tDangerous, not secure!!!/);
    const down = await run(['ping', '--operatorsInfoPath', 'ops-down.json'], initDir);
    assert.equal(down.code, 0);
    assert.deepEqual(byId(down.stdout), byId(fixture('cli/ping-operator-4-down.txt')));
    const viaIp = await run(['ping', '--ip', operators[0].url], initDir);
    assert.equal(byId(viaIp.stdout).get('1'), byId(fixture('cli/ping-all-up.txt')).get('1'));
  });

  it('checkOperatorHealth: healthy, down, another version, another key', async () => {
    const expectedVersion = fixture('cli/version.txt').trim();
    const endpoint = (op: DkgOperator) => ({
      id: op.operatorId,
      dkgEndpoint: op.url,
      publicKeyBase64: op.publicKeyBase64,
    });
    for (const op of operators) {
      assert.deepEqual(await checkOperatorHealth(endpoint(op), { expectedVersion, caPem: op.tlsCertPem }), {
        operatorId: op.operatorId,
        endpoint: op.url,
        version: expectedVersion,
      });
    }
    const port = await freePort();
    await assert.rejects(
      checkOperatorHealth(
        { ...endpoint(operators[3]), dkgEndpoint: `https://127.0.0.1:${port}` },
        { expectedVersion, caPem: operators[3].tlsCertPem },
      ),
      (e: Error) => e instanceof DkgOperatorDownError && e.operatorId === 4 && /ECONNREFUSED/.test(e.message),
    );
    await assert.rejects(
      checkOperatorHealth(endpoint(operators[0]), { expectedVersion, caPem: operators[1].tlsCertPem }),
      (e: Error) => e instanceof DkgOperatorDownError && e.operatorId === 1,
      'a certificate the bot does not trust',
    );
    await assert.rejects(
      checkOperatorHealth(
        { ...endpoint(operators[1]), publicKeyBase64: operators[0].publicKeyBase64 },
        { expectedVersion, caPem: operators[1].tlsCertPem },
      ),
      (e: Error) => e instanceof DkgOperatorKeyMismatchError && e.operatorId === 2,
    );
    await assert.rejects(
      checkOperatorHealth(
        { ...endpoint(operators[1]), id: 3, publicKeyBase64: operators[1].publicKeyBase64 },
        { expectedVersion, caPem: operators[1].tlsCertPem },
      ),
      (e: Error) => e instanceof DkgOperatorKeyMismatchError && /says it is operator 2/.test(e.message),
    );
    copyOperator(1, join(base, 'operator-1-other-version'));
    const old = await startOperator(1, join(base, 'operator-1-other-version'), {
      ...process.env,
      SSV_DKG_STAND_IN_VERSION: 'v3.0.2-1a2b3c4',
    });
    extra.push(old);
    await assert.rejects(
      checkOperatorHealth(endpoint(old), { expectedVersion, caPem: old.tlsCertPem }),
      (e: Error) =>
        e instanceof DkgVersionMismatchError && e.found === 'v3.0.2-1a2b3c4' && e.expected === expectedVersion,
    );
  });
});
