// deploy/systemd/nexus-bot.service: `systemd-analyze verify` accepts it with no warning about it
// (and rejects a unit with a misspelt directive, so the check can fail); it has the hardening,
// restart policy and stop timeout the README promises; and its ExecStart starts the worker.
//
// verify checks that ExecStart's program exists and is executable on this machine. The unit names
// the deployed layout (/usr/bin/node, the release in /opt/nexus-bot), which a test machine need not
// have: so verify runs on a temporary copy whose ExecStart and WorkingDirectory point at this
// Node and this checkout, the only change. Everything else is the shipped file as it is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadWorkerConfig } from '../../worker/config';

const REPO = resolve(__dirname, '..', '..');
const UNIT = join(REPO, 'deploy', 'systemd', 'nexus-bot.service');
const DEPLOYED_NODE = '/usr/bin/node';
const DEPLOYED_RELEASE = '/opt/nexus-bot';

/** systemd-analyze from Debian's `systemd` package (tools/install.sh systemd-analyze). */
function systemdAnalyze(): string {
  for (const path of ['/usr/bin/systemd-analyze', '/bin/systemd-analyze']) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* next */
    }
  }
  throw new Error(
    "systemd-analyze is not installed: `bash tools/install.sh systemd-analyze` installs Debian's systemd package (needs root or sudo)",
  );
}

interface Verdict {
  code: number;
  stderr: string;
  unitWarnings: string[];
}

/** `systemd-analyze verify <unit>`: its exit code and the lines it printed about this unit. */
function verify(unitPath: string): Promise<Verdict> {
  return new Promise((res) => {
    execFile(systemdAnalyze(), ['verify', unitPath], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const output = `${stdout}\n${stderr}`;
      const unitWarnings = output
        .split('\n')
        .filter((l) => l.includes(unitPath) || l.includes(`${basename(unitPath)}:`));
      res({ code, stderr: output, unitWarnings });
    });
  });
}

const passes = (v: Verdict) => v.code === 0 && v.unitWarnings.length === 0;

/** The unit's `Key=value` lines of one section (the last value of a repeated key). */
function section(text: string, name: string): Map<string, string> {
  const out = new Map<string, string>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv && current === name) out.set(kv[1], kv[2]);
  }
  return out;
}

describe('systemd unit (deploy/systemd/nexus-bot.service)', () => {
  const shipped = readFileSync(UNIT, 'utf8');
  let tmp: string;
  /** The shipped unit with the deployed paths replaced by this machine's (see the header). */
  const localCopy = async (text = shipped) => {
    const path = join(tmp, 'nexus-bot.service');
    await fs.writeFile(path, text.split(DEPLOYED_NODE).join(process.execPath).split(DEPLOYED_RELEASE).join(REPO));
    return path;
  };
  before(async () => {
    tmp = await fs.mkdtemp(join(tmpdir(), 'nexus-bot-systemd-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify: exit 0, no warning about the unit', async () => {
    const verdict = await verify(await localCopy());
    assert.ok(passes(verdict), `verify failed (exit ${verdict.code}):\n${verdict.stderr}`);
  });

  it('fails verify with a misspelt directive or a missing program (the check can fail)', async () => {
    const misspelt = await verify(await localCopy(shipped.replace(/^Restart=/m, 'Restrat=')));
    assert.ok(!passes(misspelt), 'a misspelt directive passed');
    assert.ok(
      misspelt.unitWarnings.some((l) => /Unknown key.*Restrat/.test(l)),
      misspelt.stderr,
    );
    const missing = await verify(await localCopy(shipped.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node')));
    assert.ok(!passes(missing), 'a missing program passed');
    assert.match(missing.stderr, /\/nonexistent\/node is not executable/);
  });

  it('runs as its own user with the hardening, restart policy and a stop timeout above shutdownGraceSeconds', () => {
    const service = section(shipped, 'Service');
    const expected: Record<string, string> = {
      User: 'nexus-bot',
      Group: 'nexus-bot',
      Restart: 'on-failure',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      CapabilityBoundingSet: '',
      AmbientCapabilities: '',
      StateDirectory: 'nexus-bot',
      EnvironmentFile: '/etc/nexus-bot/nexus-bot.env',
      KillMode: 'mixed',
      // The unlock socket's folder: the worker's alone (it refuses one that others may enter).
      RuntimeDirectory: 'nexus-bot',
      RuntimeDirectoryMode: '0700',
    };
    for (const [key, value] of Object.entries(expected)) assert.equal(service.get(key), value, `${key}=`);
    const grace = loadWorkerConfig({}).shutdownGraceSeconds; // the worker's default
    const stop = Number(/^(\d+)s?$/.exec(service.get('TimeoutStopSec') ?? '')?.[1]);
    assert.ok(
      stop > grace,
      `TimeoutStopSec=${service.get('TimeoutStopSec')} is not above shutdownGraceSeconds ${grace}`,
    );
    // The worker's defaults under XDG_STATE_HOME go into the state folder, the one writable place.
    assert.equal(service.get('Environment'), 'XDG_STATE_HOME=%S');
  });

  it('ExecStart starts the worker entry point of the release (a bad configuration path is named)', async () => {
    const execStart = section(shipped, 'Service').get('ExecStart') ?? assert.fail('no ExecStart');
    const [node, script, ...rest] = execStart.split(/\s+/);
    assert.equal(node, DEPLOYED_NODE);
    assert.deepEqual(rest, []);
    assert.ok(script.startsWith(`${DEPLOYED_RELEASE}/`), script);
    const inCheckout = join(REPO, script.slice(DEPLOYED_RELEASE.length + 1));
    assert.ok(existsSync(inCheckout), `${inCheckout} is missing`);
    const out = await new Promise<{ code: number; stderr: string }>((res) => {
      execFile(
        process.execPath,
        [inCheckout],
        { env: { PATH: process.env.PATH, NEXUS_BOT_CONFIG: join(tmp, 'missing.json') }, timeout: 60_000 },
        (err, _stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
      );
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^nexus-bot worker: cannot read config file .*missing\.json \(NEXUS_BOT_CONFIG\)/m);
  });

  it('ships an example environment file naming the configuration, with every role (the worker starts locked)', () => {
    const env = readFileSync(join(REPO, 'deploy', 'systemd', 'nexus-bot.env.example'), 'utf8');
    assert.match(env, /^NEXUS_BOT_CONFIG=\/etc\/nexus-bot\/worker-config\.json$/m);
    const roles = /^NEXUS_BOT_ROLES=(.*)$/m.exec(env)?.[1] ?? assert.fail('no NEXUS_BOT_ROLES');
    assert.deepEqual(roles.split(','), ['general', 'writer', 'salt']);
    // The socket in the unit's RuntimeDirectory, where `nexus-bot unlock --config` finds it.
    assert.match(env, /"unlock": \{"socketPath": "\/run\/nexus-bot\/unlock\.sock"\}/);
  });
});
