// Process control of `ssv-dkg init`: deadline scaling, heartbeats, killing the whole process group
// on the deadline and on cancellation, and what exit 0 / non-zero turn into.
// The "binary" here is a few-line fake shell script written by the test into a temp dir, only to
// exercise process control (it spawns a child and sleeps; it knows nothing of DKG). The real
// binary, or the stand-in another engineer writes, is exercised by the integration tests.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ceremonyTimeoutMs,
  DEFAULT_CEREMONY_TIMEOUT,
  processGroupAlive,
  runInit,
  type InitHeartbeat,
} from '../../../activities/dkg/run-init';
import { DkgCeremonyFailedError, DkgCeremonyTimeoutError, DkgOperatorDownError } from '../../../activities/dkg/errors';
import type { Workspace } from '../../../activities/dkg/workspace';
import { cliFixture } from './fixtures';

function fakeBinary(script: string): { binary: string; workspace: Workspace } {
  const root = mkdtempSync(path.join(tmpdir(), 'dkg-run-'));
  const binary = path.join(root, 'fake-ssv-dkg');
  writeFileSync(binary, `#!/bin/sh\n${script}\n`);
  chmodSync(binary, 0o755);
  const dir = path.join(root, 'ws');
  mkdirSync(dir);
  return {
    binary,
    workspace: {
      dir,
      args: ['init', '--outputPath', 'output'],
      outputDir: path.join(dir, 'output'),
      logFile: path.join(dir, 'init.log'),
    },
  };
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A script that starts a child (its pid written to child.pid) and sleeps. */
const SLEEPER = 'sleep 30 & echo $! > child.pid\necho $$ > leader.pid\nwait';
/** Same, but the leader ignores SIGTERM (needs the SIGKILL after the grace). */
const STUBBORN = 'trap "" TERM\nsleep 30 & echo $! > child.pid\necho $$ > leader.pid\nwhile true; do sleep 1; done';

async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text) return text;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} never written`);
}

describe('dkg run-init', () => {
  it('scales the deadline with the batch (default 120 s + 3 s per validator)', () => {
    assert.deepEqual(DEFAULT_CEREMONY_TIMEOUT, { fixedSeconds: 120, perValidatorSeconds: 3 });
    assert.equal(ceremonyTimeoutMs(1), 123_000);
    assert.equal(ceremonyTimeoutMs(100), 420_000);
    assert.equal(ceremonyTimeoutMs(10, { fixedSeconds: 30, perValidatorSeconds: 0.9 }), 39_000);
    // the real binary: ~20 s + 0.9 s per validator (108 s for 100); the default leaves 3x room
    for (const k of [1, 10, 100]) assert.ok(ceremonyTimeoutMs(k) >= 3 * (20_000 + 900 * k), `k=${k}`);
  });

  it('on the deadline kills the whole process group (leader and child gone) → DkgCeremonyTimeoutError', async () => {
    const { binary, workspace } = fakeBinary(SLEEPER);
    let pgid = 0;
    const run = runInit({
      binary,
      workspace,
      validators: 2,
      timeoutMs: 400,
      killGraceMs: 500,
      onSpawn: (pid) => {
        pgid = pid;
      },
    });
    const child = Number(await waitForFile(path.join(workspace.dir, 'child.pid')));
    const leader = Number(await waitForFile(path.join(workspace.dir, 'leader.pid')));
    assert.ok(pidAlive(child) && pidAlive(leader));
    await assert.rejects(
      run,
      (err: unknown) => err instanceof DkgCeremonyTimeoutError && err.validators === 2 && err.timeoutMs === 400,
    );
    assert.equal(pidAlive(leader), false, 'leader still running');
    assert.equal(pidAlive(child), false, 'child still running');
    assert.equal(processGroupAlive(pgid), false);
  });

  it('a leader that ignores SIGTERM gets SIGKILL after the grace', async () => {
    const { binary, workspace } = fakeBinary(STUBBORN);
    const run = runInit({ binary, workspace, validators: 1, timeoutMs: 300, killGraceMs: 300 });
    const child = Number(await waitForFile(path.join(workspace.dir, 'child.pid')));
    const leader = Number(await waitForFile(path.join(workspace.dir, 'leader.pid')));
    const t0 = Date.now();
    await assert.rejects(run, DkgCeremonyTimeoutError);
    assert.ok(Date.now() - t0 >= 250, 'SIGKILL came before the grace');
    assert.equal(pidAlive(leader), false);
    assert.equal(pidAlive(child), false);
  });

  it('on cancellation kills the group and throws the cancellation reason', async () => {
    const { binary, workspace } = fakeBinary(SLEEPER);
    const abort = new AbortController();
    const run = runInit({
      binary,
      workspace,
      validators: 1,
      timeoutMs: 60_000,
      killGraceMs: 500,
      signal: abort.signal,
    });
    const child = Number(await waitForFile(path.join(workspace.dir, 'child.pid')));
    const reason = new Error('activity cancelled');
    abort.abort(reason);
    await assert.rejects(run, (err) => err === reason);
    assert.equal(pidAlive(child), false);
  });

  it('heartbeats with {phase, validators, elapsedMs} while it runs', async () => {
    const { binary, workspace } = fakeBinary('sleep 0.5; mkdir -p output/ceremony-2026-01-01--00-00-00.000');
    const beats: InitHeartbeat[] = [];
    const result = await runInit({
      binary,
      workspace,
      validators: 7,
      timeoutMs: 10_000,
      heartbeatEveryMs: 100,
      heartbeat: (d) => beats.push(d),
    });
    assert.ok(beats.length >= 4, `${beats.length} heartbeats`);
    assert.deepEqual(Object.keys(beats[0]).sort(), ['elapsedMs', 'phase', 'validators']);
    assert.equal(beats[0].phase, 'ssv-dkg-init');
    assert.equal(beats.at(-1)!.validators, 7);
    assert.ok(beats.at(-1)!.elapsedMs >= 300);
    assert.equal(result.ceremonyDir, path.join(workspace.outputDir, 'ceremony-2026-01-01--00-00-00.000'));
  });

  it('exit 0 without exactly one ceremony folder is a failure', async () => {
    const { binary, workspace } = fakeBinary('mkdir -p output/ceremony-a output/ceremony-b');
    await assert.rejects(runInit({ binary, workspace, validators: 1, timeoutMs: 5_000 }), /wrote 2 ceremony folders/);
  });

  it('non-zero exit → the named failure from its output and its log file', async () => {
    const { binary, workspace } = fakeBinary(
      `cat > init.log <<'LOG'\n${cliFixture('init-operator-4-down.txt')}LOG\nexit 1`,
    );
    await assert.rejects(
      runInit({ binary, workspace, validators: 1, timeoutMs: 5_000 }),
      (err: unknown) => err instanceof DkgOperatorDownError && err.operatorId === 4,
    );
    const other = fakeBinary('echo "something broke" >&2; exit 3');
    await assert.rejects(
      runInit({ ...other, validators: 1, timeoutMs: 5_000 }),
      (err: unknown) => err instanceof DkgCeremonyFailedError && /exit status 3\): something broke/.test(err.message),
    );
  });
});
