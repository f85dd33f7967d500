// The working folder of one `ssv-dkg init` attempt: exact flags, every path local, inputs checked.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildInitArgs,
  prepareWorkspace,
  SYSTEM_CA_FILE,
  type CeremonyRequest,
} from '../../../activities/dkg/workspace';
import { FIXTURE_BRIDGE, FIXTURE_OWNER, fixture, fixtureOperators } from './fixtures';

const operators = fixtureOperators().map((o) => ({ id: o.id, publicKeyBase64: o.public_key, dkgEndpoint: o.ip }));
const caPems = Object.fromEntries(
  operators.map((o) => [o.id, readFileSync(fixture('operators', `operator-${o.id}`, 'tls.crt'), 'utf8')]),
);
const request: CeremonyRequest = {
  operators,
  owner: FIXTURE_OWNER.toLowerCase(),
  firstNonce: 5,
  validators: 3,
  withdrawAddress: FIXTURE_BRIDGE,
  network: 'holesky',
};
const PATH_FLAGS = ['--operatorsInfoPath', '--outputPath', '--clientCACertPath', '--logFilePath'];

describe('dkg workspace', () => {
  it('builds exactly the init command the fixtures were made with', () => {
    const args = buildInitArgs(request, ['operator-1.crt', 'operator-2.crt', 'operator-3.crt', 'operator-4.crt']);
    assert.deepEqual(args, [
      'init',
      '--operatorIDs',
      '1,2,3,4',
      '--operatorsInfoPath',
      'ops.json',
      '--owner',
      FIXTURE_OWNER,
      '--nonce',
      '5',
      '--withdrawAddress',
      FIXTURE_BRIDGE,
      '--network',
      'holesky',
      '--validators',
      '3',
      '--outputPath',
      'output',
      '--clientCACertPath',
      'operator-1.crt,operator-2.crt,operator-3.crt,operator-4.crt',
      '--logFilePath',
      'init.log',
      '--logFormat',
      'console',
      '--logLevel',
      'info',
    ]);
  });

  it('writes ops.json and the CA files into a fresh 0700 folder; every path flag is local', () => {
    const workDir = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-ws-')), 'work');
    const ws = prepareWorkspace({ ...request, workDir, caPems });
    const again = prepareWorkspace({ ...request, workDir, caPems });
    assert.notEqual(ws.dir, again.dir, 'each attempt gets its own folder');
    assert.equal(statSync(ws.dir).mode & 0o777, 0o700);
    assert.equal(statSync(workDir).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(readFileSync(path.join(ws.dir, 'ops.json'), 'utf8')), fixtureOperators());
    for (const flag of PATH_FLAGS) {
      const value = ws.args[ws.args.indexOf(flag) + 1];
      for (const p of value.split(',')) {
        assert.ok(!path.isAbsolute(p) && !p.includes('/') && !p.startsWith('..'), `${flag} ${p} is not local`);
      }
    }
    for (const f of ws.args[ws.args.indexOf('--clientCACertPath') + 1].split(','))
      assert.ok(existsSync(path.join(ws.dir, f)), `${f} written`);
    assert.equal(readFileSync(path.join(ws.dir, 'operator-3.crt'), 'utf8'), caPems[3]);
  });

  it('operators without a configured CA are checked with the system CAs, never --tlsInsecure', () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'dkg-ws-'));
    const ws = prepareWorkspace({ ...request, workDir, caPems: { 1: caPems[1] } });
    assert.equal(ws.args[ws.args.indexOf('--clientCACertPath') + 1], `operator-1.crt,${SYSTEM_CA_FILE}`);
    assert.match(readFileSync(path.join(ws.dir, SYSTEM_CA_FILE), 'utf8'), /BEGIN CERTIFICATE/);
    assert.ok(!ws.args.includes('--tlsInsecure'));
  });

  it('operators are sorted by the caller: unsorted or repeated ids are refused', () => {
    assert.throws(
      () =>
        buildInitArgs({ ...request, operators: [operators[1], operators[0], operators[2], operators[3]] }, ['a.crt']),
      /ascending/,
    );
    assert.throws(
      () =>
        buildInitArgs({ ...request, operators: [operators[0], operators[0], operators[2], operators[3]] }, ['a.crt']),
      /ascending/,
    );
  });

  const bad: [string, Partial<CeremonyRequest>, RegExp][] = [
    ['network', { network: 'prater' }, /network "prater" is not one ssv-dkg knows/],
    ['validators 0', { validators: 0 }, /validators must be a whole number from 1 to 100/],
    ['validators 101', { validators: 101 }, /from 1 to 100, got 101/],
    ['validators 2.5', { validators: 2.5 }, /from 1 to 100/],
    ['nonce', { firstNonce: -1 }, /nonce must be/],
    ['owner', { owner: '0x1234' }, /owner "0x1234" is not an address/],
    ['withdrawAddress', { withdrawAddress: 'bridge' }, /withdrawAddress "bridge" is not an address/],
    ['cluster size', { operators: operators.slice(0, 3) }, /4, 7, 10 or 13 operators, got 3/],
    [
      'endpoint',
      { operators: [{ ...operators[0], dkgEndpoint: 'http://x:1' }, ...operators.slice(1)] },
      /operator 1's endpoint/,
    ],
  ];
  for (const [what, change, expected] of bad) {
    it(`refuses a bad ${what}`, () => {
      assert.throws(
        () => buildInitArgs({ ...request, ...change }, ['a.crt']),
        (err: Error & { type?: string }) => {
          assert.match(err.message, expected);
          assert.equal(err.type, 'DkgInvocationError');
          return true;
        },
      );
    });
  }

  it('refuses a CA path that is not local, and a CA that is not PEM', () => {
    assert.throws(() => buildInitArgs(request, ['/etc/ca.crt']), /local file names/);
    assert.throws(() => buildInitArgs(request, ['../ca.crt']), /local file names/);
    assert.throws(
      () =>
        prepareWorkspace({
          ...request,
          workDir: mkdtempSync(path.join(tmpdir(), 'dkg-ws-')),
          caPems: { 2: 'not a cert' },
        }),
      /CA of operator 2 is not a PEM/,
    );
  });
});
