// runDkgCeremony / markDkgCeremony with the chain read, the health check and `ssv-dkg init`
// replaced at their seams: "init" copies a real ssv-dkg v3.1.0 ceremony (fixtures) into the
// attempt's output folder, so verification, proofs and the archive run on real output.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { CeremonyArchive } from '../../../activities/dkg/archive';
import {
  createDkgActivities,
  planCeremonies,
  type DkgDependencies,
  type RunDkgCeremonyInput,
} from '../../../activities/dkg/ceremony-activity';
import { DkgOperatorDownError } from '../../../activities/dkg/errors';
import type { HealthCheckOptions } from '../../../activities/dkg/health-check';
import type { RunInitOptions } from '../../../activities/dkg/run-init';
import type { ClusterOperator } from '../../../activities/chain/reads';
import { FIXTURE_BRIDGE, FIXTURE_OWNER, fixtureCeremony, fixtureOperators } from './fixtures';

const operators: ClusterOperator[] = fixtureOperators().map((o) => ({
  id: o.id,
  publicKeyBase64: o.public_key,
  dkgEndpoint: o.ip,
  name: `op${o.id}`,
}));
const ROLLUP = '0xAbCdEf0123456789abcdef0123456789ABCDEF01';
const input: RunDkgCeremonyInput = {
  rollupAdmin: ROLLUP,
  bridge: FIXTURE_BRIDGE,
  operatorCluster: 7,
  firstNonce: 5,
  count: 3,
  requestId: 'create-1/run-a',
};

function setup(over: Partial<DkgDependencies> = {}, source = fixtureCeremony('three-validators-nonce5')) {
  const root = mkdtempSync(path.join(tmpdir(), 'dkg-act-'));
  const calls = {
    health: [] as [number, HealthCheckOptions][],
    init: [] as RunInitOptions[],
    warn: [] as [string, Record<string, unknown> | undefined][],
  };
  const deps: DkgDependencies = {
    provider: undefined as never,
    contracts: { nexus: FIXTURE_OWNER, nodeOperator: ROLLUP, ssvNetwork: ROLLUP },
    scan: { fromBlock: 0, maxRange: 1000 },
    genesisForkVersion: Uint8Array.from([0x01, 0x01, 0x70, 0x00]),
    network: 'holesky',
    binary: { path: '/nonexistent/ssv-dkg', source: 'env' },
    operatorCaPems: { 2: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n' },
    workDir: path.join(root, 'work'),
    archive: new CeremonyArchive(path.join(root, 'archive')),
    readOperators: async (id) => {
      assert.equal(id, 7);
      return operators;
    },
    healthCheck: async (op, opts) => {
      calls.health.push([op.id, opts]);
      return { operatorId: op.id, endpoint: op.dkgEndpoint, version: opts.expectedVersion };
    },
    runInit: async (opts) => {
      calls.init.push(opts);
      mkdirSync(opts.workspace.outputDir);
      const dest = path.join(opts.workspace.outputDir, path.basename(source));
      cpSync(source, dest, { recursive: true });
      return { ceremonyDir: dest, elapsedMs: 1 };
    },
    binaryVersion: async () => 'v3.1.0-653210c',
    log: { info: () => {}, warn: (m, a) => calls.warn.push([m, a]) },
    ...over,
  };
  return { deps, calls, activities: createDkgActivities(deps), root };
}

describe('dkg ceremony activity', () => {
  it('plans ceremonies of at most 100 validators in nonce order', () => {
    assert.deepEqual(planCeremonies(5, 3), [{ firstNonce: 5, count: 3 }]);
    assert.deepEqual(planCeremonies(5, 250), [
      { firstNonce: 5, count: 100 },
      { firstNonce: 105, count: 100 },
      { firstNonce: 205, count: 50 },
    ]);
    assert.deepEqual(planCeremonies(0, 100), [{ firstNonce: 0, count: 100 }]);
    assert.throws(() => planCeremonies(0, 0), /≥ 1/);
  });

  it('health-checks every operator, runs init once, verifies and archives; returns deposits and keyshares in nonce order', async () => {
    const { activities, calls, deps } = setup();
    const out = await activities.runDkgCeremony(input);
    assert.deepEqual(
      calls.health.map(([id]) => id),
      [1, 2, 3, 4],
    );
    assert.equal(calls.health[0][1].expectedVersion, 'v3.1.0-653210c');
    assert.match(calls.health[1][1].caPem ?? '', /BEGIN CERTIFICATE/);
    assert.equal(calls.health[0][1].caPem, undefined);
    assert.equal(calls.init.length, 1);
    assert.equal(calls.init[0].validators, 3);
    assert.ok(
      calls.init[0].workspace.args.includes('--nonce') &&
        calls.init[0].workspace.args[calls.init[0].workspace.args.indexOf('--nonce') + 1] === '5',
    );
    assert.deepEqual(
      out.validators.map((v) => v.keyshares.ownerNonce),
      [5, 6, 7],
    );
    assert.deepEqual(out.validators[0].keyshares.operatorIds, [1, 2, 3, 4]);
    assert.match(out.validators[0].deposit.pubkey, /^0x96fd0bade7/);
    assert.equal(out.archive?.length, 1);
    const manifest = JSON.parse(readFileSync(path.join(out.archive![0], 'ceremony.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(manifest.state, 'verified');
    assert.equal(manifest.rollupAdmin, ROLLUP.toLowerCase());
    assert.deepEqual(manifest.operatorIds, [1, 2, 3, 4]);
    assert.equal(manifest.binaryVersion, 'v3.1.0-653210c');
    assert.equal((manifest.pubkeys as string[]).length, 3);
    assert.ok(out.archive![0].startsWith(path.join(deps.archive.root, ROLLUP.toLowerCase(), '000005-3-')));
    const archivedDir = readdirSync(out.archive![0]).find((n) => n.startsWith('ceremony-'))!;
    assert.ok(existsSync(path.join(out.archive![0], archivedDir, 'proofs.json')));
  });

  it('a retry of the same request reuses the archived ceremony: no second init', async () => {
    const { activities, calls } = setup();
    const first = await activities.runDkgCeremony(input);
    const again = await activities.runDkgCeremony(input);
    assert.equal(calls.init.length, 1);
    assert.deepEqual(again, first);
    // another request (a later batch given the same nonces back) is a new ceremony, archived apart
    const other = await activities.runDkgCeremony({ ...input, requestId: 'create-2/run-b' });
    assert.equal(calls.init.length, 2);
    assert.notEqual(other.archive![0], first.archive![0]);
  });

  it('an operator that fails its health check fails the activity at once, naming it, before any init', async () => {
    const { activities, calls } = setup({
      healthCheck: async (op) => {
        if (op.id === 3) throw new DkgOperatorDownError(3, op.dkgEndpoint, 'connect ECONNREFUSED');
        return { operatorId: op.id, endpoint: op.dkgEndpoint, version: 'v3.1.0-653210c' };
      },
    });
    await assert.rejects(activities.runDkgCeremony(input), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'DkgOperatorDown');
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, /operator 3 at https:\/\/127\.0\.0\.1:3233/);
      return true;
    });
    assert.equal(calls.init.length, 0);
  });

  it('a proof that does not verify fails the ceremony and nothing is archived', async () => {
    const source = path.join(
      mkdtempSync(path.join(tmpdir(), 'dkg-bad-')),
      path.basename(fixtureCeremony('three-validators-nonce5')),
    );
    cpSync(fixtureCeremony('three-validators-nonce5'), source, { recursive: true });
    const v = readdirSync(source).find((n) => n.startsWith('000006-'))!;
    const file = path.join(source, v, 'proofs.json');
    const proofs = JSON.parse(readFileSync(file, 'utf8')) as { signature: string }[];
    proofs[3].signature = `${proofs[3].signature.slice(0, 20)}${proofs[3].signature[20] === 'a' ? 'b' : 'a'}${proofs[3].signature.slice(21)}`;
    writeFileSync(file, JSON.stringify(proofs));
    // the aggregated proofs.json must agree with the per-validator one (readCeremonyOutput checks it)
    const agg = JSON.parse(readFileSync(path.join(source, 'proofs.json'), 'utf8')) as unknown[];
    agg[1] = proofs;
    writeFileSync(path.join(source, 'proofs.json'), JSON.stringify(agg));
    const { activities, deps } = setup({}, source);
    // A typed error, reported to Temporal as a final failure of its type.
    await assert.rejects(
      activities.runDkgCeremony(input),
      (err: Error) =>
        err instanceof ApplicationFailure &&
        err.type === 'DkgOutputInvalidError' &&
        err.nonRetryable &&
        /operator 4's/.test(err.message),
    );
    assert.deepEqual(deps.archive.listRequest(ROLLUP, input.requestId), []);
  });

  it('markDkgCeremony: unused logs a WARN with the archive path; a marked ceremony is never reused', async () => {
    const { activities, calls } = setup();
    const out = await activities.runDkgCeremony(input);
    const marked = await activities.markDkgCeremony({
      rollupAdmin: ROLLUP.toLowerCase(),
      requestId: input.requestId,
      state: 'unused',
      reason: 'funding check failed',
    });
    assert.deepEqual(marked.archives, out.archive);
    const [message, attrs] = calls.warn[0];
    assert.equal(message, 'ceremony output never used: not deposited');
    assert.deepEqual(attrs?.archives, out.archive);
    const manifest = JSON.parse(readFileSync(path.join(out.archive![0], 'ceremony.json'), 'utf8')) as {
      state: string;
      reason: string;
      history: unknown[];
    };
    assert.equal(manifest.state, 'unused');
    assert.equal(manifest.reason, 'funding check failed');
    assert.equal(manifest.history.length, 2);
    await assert.rejects(
      activities.runDkgCeremony(input),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === 'DkgInvocationError' && /marked unused/.test(err.message),
    );
    assert.equal(calls.init.length, 1);
  });

  it('markDkgCeremony deposited is kept; a deposited ceremony never becomes unused', async () => {
    const { activities } = setup();
    const out = await activities.runDkgCeremony(input);
    await activities.markDkgCeremony({ rollupAdmin: ROLLUP, requestId: input.requestId, state: 'deposited' });
    await assert.rejects(
      activities.markDkgCeremony({ rollupAdmin: ROLLUP, requestId: input.requestId, state: 'unused' }),
      /is deposited/,
    );
    assert.equal(
      (JSON.parse(readFileSync(path.join(out.archive![0], 'ceremony.json'), 'utf8')) as { state: string }).state,
      'deposited',
    );
  });
});
