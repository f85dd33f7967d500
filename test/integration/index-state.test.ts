// Durable key-index allocation (DESIGN.md invariant 2): idempotent retries, two processes
// allocating at once never overlap, a crash mid-write (temp file left, stale lock of a dead PID)
// loses and reuses nothing, and a corrupt state file is refused rather than reset.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ethers } from 'ethers';
import { IndexStateStore, type IndexAllocation } from '../../activities/keys/index-state';
import {
  IndexRequestConflictError,
  IndexStateCorruptError,
  IndexStateLockTimeoutError,
} from '../../activities/keys/errors';

const REPO = resolve(__dirname, '../..');
const newAdmin = () => ethers.Wallet.createRandom().address;

/** A PID that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Runs `node --require tsx/cjs <script>` and resolves with its stdout. */
function runNode(script: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('keys: IndexStateStore (per-rollup key index allocation)', () => {
  let folder: string;
  let store: IndexStateStore;

  beforeEach(async () => {
    folder = await fs.mkdtemp(join(tmpdir(), 'nexus-index-state-'));
    store = new IndexStateStore({ folder });
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('allocates consecutive ranges and lists every allocated index', async () => {
    const admin = newAdmin();
    assert.deepEqual(await store.allocatedIndices(admin), []);
    const a = await store.allocateIndices(admin, 'req-a', 3);
    const b = await store.allocateIndices(admin, 'req-b', 2);
    assert.deepEqual([a.start, a.count, b.start, b.count], [0, 3, 3, 2]);
    assert.deepEqual(await store.allocatedIndices(admin), [0, 1, 2, 3, 4]);
    const state = JSON.parse(await fs.readFile(store.statePath(admin), 'utf8')) as {
      rollupAdmin: string;
      nextIndex: number;
    };
    assert.equal(state.rollupAdmin, admin.toLowerCase());
    assert.equal(state.nextIndex, 5);
    // Another rollup has its own indices.
    assert.equal((await store.allocateIndices(newAdmin(), 'req-a', 1)).start, 0);
  });

  it('is idempotent by requestId: a retry gets the same range and allocates nothing new', async () => {
    const admin = newAdmin();
    const first = await store.allocateIndices(admin, 'wf-1/activity-7', 4);
    const retry = await new IndexStateStore({ folder }).allocateIndices(admin, 'wf-1/activity-7', 4);
    assert.deepEqual(retry, first);
    assert.equal((await store.readState(admin)).nextIndex, 4);
    assert.equal((await store.readState(admin)).allocations.length, 1);
    const err = await store.allocateIndices(admin, 'wf-1/activity-7', 5).catch((e: unknown) => e);
    assert.ok(err instanceof IndexRequestConflictError);
    assert.equal((await store.readState(admin)).nextIndex, 4);
  });

  it('two processes allocating at once never hand out the same index', async function () {
    this.timeout(120_000);
    const admin = newAdmin();
    const script = join(folder, 'allocator.ts');
    await fs.writeFile(
      script,
      [
        `import { IndexStateStore } from ${JSON.stringify(join(REPO, 'activities/keys/index-state'))};`,
        'const [folder, admin, tag, rounds] = process.argv.slice(2);',
        'void (async () => {',
        '  const store = new IndexStateStore({ folder, lockTimeoutMs: 60_000 });',
        '  for (let i = 0; i < Number(rounds); i++) {',
        '    const a = await store.allocateIndices(admin, `${tag}-${i}`, 1 + (i % 3));',
        '    process.stdout.write(`${JSON.stringify(a)}\\n`);',
        '  }',
        '})();',
      ].join('\n'),
    );
    const rounds = 30;
    const outputs = await Promise.all(['p1', 'p2'].map((tag) => runNode(script, [folder, admin, tag, String(rounds)])));
    const got: IndexAllocation[] = outputs.flatMap((o) =>
      o
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as IndexAllocation),
    );
    assert.equal(got.length, 2 * rounds);

    const owner = new Map<number, string>();
    for (const a of got) {
      for (let i = a.start; i < a.start + a.count; i++) {
        assert.ok(!owner.has(i), `index ${i} given to ${owner.get(i)} and ${a.requestId}`);
        owner.set(i, a.requestId);
      }
    }
    const state = await store.readState(admin);
    assert.equal(state.allocations.length, 2 * rounds);
    assert.equal(state.nextIndex, owner.size);
    assert.deepEqual(
      await store.allocatedIndices(admin),
      [...owner.keys()].sort((x, y) => x - y),
    );
    assert.deepEqual(
      [...owner.keys()].sort((x, y) => x - y),
      Array.from({ length: owner.size }, (_, i) => i),
    );
    const files = await fs.readdir(folder);
    assert.deepEqual(
      files.filter((f) => f.includes('.tmp-') || f.endsWith('.lock') || f.includes('.stale-')),
      [],
    );
  });

  it('a crash mid-write (temp file left, stale lock of a dead PID) loses nothing and reuses nothing', async () => {
    const admin = newAdmin();
    const path = store.statePath(admin);
    await store.allocateIndices(admin, 'before-crash', 5);
    // The crashed writer had written its new state to a temp file but not renamed it, and still "held" the lock.
    const pid = deadPid();
    await fs.writeFile(`${path}.tmp-${pid}-abcdef`, '{"rollupAdmin": "torn');
    await fs.writeFile(
      `${path}.lock`,
      JSON.stringify({ pid, hostname: hostname(), token: 'dead', createdAt: Date.now() }),
    );

    const next = await new IndexStateStore({ folder, lockTimeoutMs: 5_000 }).allocateIndices(admin, 'after-crash', 2);
    assert.equal(next.start, 5, 'the committed allocation survived, and its indices are not reused');
    assert.deepEqual(await store.allocatedIndices(admin), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal((await store.allocateIndices(admin, 'before-crash', 5)).start, 0);
    const files = await fs.readdir(folder);
    assert.deepEqual(files.sort(), [`${admin.toLowerCase()}.json`]);
  });

  it('waits for a live lock holder instead of breaking its lock', async () => {
    const admin = newAdmin();
    const lock = `${store.statePath(admin)}.lock`;
    await fs.writeFile(
      lock,
      JSON.stringify({ pid: process.pid, hostname: hostname(), token: 'live', createdAt: Date.now() }),
    );
    const err = await new IndexStateStore({ folder, lockTimeoutMs: 300 })
      .allocateIndices(admin, 'r', 1)
      .catch((e: unknown) => e);
    assert.ok(err instanceof IndexStateLockTimeoutError);
    assert.equal(err.retryable, true, 'a lock timeout is retryable');
    assert.ok(JSON.parse(await fs.readFile(lock, 'utf8')).token === 'live', 'the live lock is untouched');
    await fs.unlink(lock);
    assert.equal((await store.allocateIndices(admin, 'r', 1)).start, 0);
  });

  it('refuses a corrupt state file (non-retryable) and leaves it as it is', async () => {
    const cases: Record<string, string> = {
      'not JSON': '{"rollupAdmin": ',
      'wrong shape': JSON.stringify({ nextIndex: 'three' }),
      'overlapping allocations': '',
      'nextIndex behind the allocations': '',
    };
    for (const [what, content] of Object.entries(cases)) {
      const admin = newAdmin().toLowerCase();
      let text = content;
      if (what === 'overlapping allocations') {
        text = JSON.stringify({
          rollupAdmin: admin,
          nextIndex: 4,
          allocations: [
            { requestId: 'a', start: 0, count: 3, allocatedAt: 'x' },
            { requestId: 'b', start: 2, count: 2, allocatedAt: 'x' },
          ],
        });
      } else if (what === 'nextIndex behind the allocations') {
        text = JSON.stringify({
          rollupAdmin: admin,
          nextIndex: 1,
          allocations: [{ requestId: 'a', start: 0, count: 3, allocatedAt: 'x' }],
        });
      }
      const path = store.statePath(admin);
      await fs.writeFile(path, text);
      for (const attempt of [() => store.allocateIndices(admin, 'r', 1), () => store.allocatedIndices(admin)]) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof IndexStateCorruptError, `${what}: got ${String(err)}`);
        assert.equal(err.retryable, false, 'a corrupt state is final');
        assert.match(err.message, /never reset/);
      }
      assert.equal(await fs.readFile(path, 'utf8'), text, `${what}: file untouched`);
    }
  });

  it('refuses a missing folder instead of starting again from index 0', async () => {
    const missing = new IndexStateStore({ folder: join(folder, 'not-mounted') });
    const err = await missing.allocateIndices(newAdmin(), 'r', 1).catch((e: unknown) => e);
    assert.ok(err instanceof IndexStateCorruptError, String(err));
    const created = new IndexStateStore({ folder: join(folder, 'new'), createFolder: true });
    assert.equal((await created.allocateIndices(newAdmin(), 'r', 1)).start, 0);
  });

  it('an unreadable state file is refused, not treated as empty', async function () {
    if (process.getuid?.() === 0) {
      // root reads any file: make the "file" a directory instead, which cannot be read either.
      const admin = newAdmin();
      await fs.mkdir(store.statePath(admin));
      const err = await store.allocatedIndices(admin).catch((e: unknown) => e);
      assert.ok(err instanceof IndexStateCorruptError, String(err));
      return;
    }
    const admin = newAdmin();
    await store.allocateIndices(admin, 'r', 1);
    await fs.chmod(store.statePath(admin), 0o000);
    const err = await store.allocateIndices(admin, 'r2', 1).catch((e: unknown) => e);
    assert.ok(err instanceof IndexStateCorruptError, String(err));
    await fs.chmod(store.statePath(admin), 0o600);
  });
});
