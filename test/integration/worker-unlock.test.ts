// A worker started without the salt (as systemd starts it), on the real parts: Temporal dev
// server, anvil with our contracts, moto holding the rollup's encrypted mnemonic, the worker as
// its own process with nothing on standard input. It serves the monitor (reads, planning) while
// locked; the mnemonic creation it starts is held on the salt task queue, which nobody polls, and
// the worker (log, `unlock --status`) and the CLI (`status`, `show`) say "locked: waiting for the
// salt". `nexus-bot unlock --salt-file` with a wrong salt is refused and changes nothing; with the
// right one the held creation completes (deposited and registered). `nexus-bot lock` locks it again. Neither salt is in the worker's log, argv or
// environment, and its unlock socket is mode 0600.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { startMonitor } from '../../client/monitors';
import { contractAt } from '../../contracts/artifacts';
import { SALT_ACTIVITIES, roleTaskQueue } from '../../temporal-config/task-queues';
import { creationWorkflowId } from '../../workflows/ids';
import { creationStatusQuery, monitorStatusQuery } from '../../protocol/messages';
import type { ServiceProcess } from '../../localnet/services/process';
import { runNexusBot } from '../harness/cli';
import { ETH, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asRollupAdmin } from '../../protocol/identifiers';

const TASK_QUEUE = 'nexus-bot-unlock-it';
const SCHEDULED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;
const WRONG_SALT = 'not-the-salt-of-this-deployment-4e1f';

describe('a worker started without the salt: locked, then unlocked (Temporal + anvil + moto + worker process)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let worker: ServiceProcess;
  let configFile: string;
  let socketPath: string;
  let rollup: CreationNetwork['rollups'][number];

  const log = () => readFileSync(net.workerLog, 'utf8');
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s\n${log().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const monitorStatus = () =>
    net.client.workflow.getHandle(`rollup-monitor/${rollup.admin.toLowerCase()}`).query(monitorStatusQuery);
  /** The creation's pending salt-queue activity, when it waits there unstarted. */
  const heldSaltStep = async () => {
    const description = await net.client.workflow
      .getHandle(creationWorkflowId(asRollupAdmin(rollup.admin)))
      .describe()
      .catch(() => undefined);
    return description?.raw.pendingActivities?.find(
      (a) => (SALT_ACTIVITIES as readonly string[]).includes(a.activityType?.name ?? '') && a.state === SCHEDULED,
    );
  };

  before(async () => {
    // 160 ETH at a 25 % limit: room for exactly one validator.
    net = await startCreationNetwork({
      rollups: [{ account: 2, name: 'rollup-locked', funding: 160n * ETH, limit: 2500 }],
      taskQueue: TASK_QUEUE,
    });
    rollup = net.rollups[0];
    socketPath = join(net.dir, 'run', 'unlock.sock');
    const config = { keys: { ...(net.workerConfig.keys as object), saltFromStdin: false }, unlock: { socketPath } };
    configFile = net.writeWorkerConfig(config);
    worker = await net.startWorker({ salt: null, config });
  });

  after(async () => {
    await net?.stop();
  });

  it('starts locked: says so in its log and on its socket (mode 0600), and polls no salt queue', async () => {
    await until('the locked line in the worker log', async () =>
      log().includes('locked: waiting for the salt') ? true : undefined,
    );
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    const status = await runNexusBot(['unlock', '--status', '--config', configFile]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `^locked: waiting for the salt since .*: mnemonic steps wait on the salt task queue ${roleTaskQueue(TASK_QUEUE, 'salt')}`,
      ),
    );
    const { pollers } = await net.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: roleTaskQueue(TASK_QUEUE, 'salt') },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    assert.deepEqual(pollers ?? [], []);
  });

  it('serves the monitor while locked, and holds the mnemonic creation on the salt queue', async () => {
    await startMonitor(net.client, {
      rollupAdmin: asRollupAdmin(rollup.admin),
      keyPath: 'mnemonic',
      pollInterval: '2 seconds',
      maxBatch: 4,
      startedBy: 'worker-unlock test',
      taskQueue: TASK_QUEUE,
    });
    const held = await until('a creation step held on the salt queue', heldSaltStep);
    // Planned by the locked worker (reads and planning need no salt).
    const status = await monitorStatus();
    assert.equal(status.lastPlan?.toCreate, 1, JSON.stringify(status.lastPlan));
    await new Promise((r) => setTimeout(r, 5_000));
    const still = await heldSaltStep();
    assert.ok(still, 'the salt step started without the salt');
    assert.equal(still.activityType?.name, held.activityType?.name);
    assert.equal((await monitorStatus()).validatorsCreated, 0);
    const creation = await net.client.workflow
      .getHandle(creationWorkflowId(asRollupAdmin(rollup.admin)))
      .query(creationStatusQuery);
    assert.equal(creation.phase, 'allocating');
    // What an operator sees: `status` of the rollup and `show` of the batch say why it waits.
    const locked = new RegExp(
      `^salt {8}locked: waiting for the salt: no worker polls ${roleTaskQueue(TASK_QUEUE, 'salt')}, where mnemonic steps wait; give a worker the salt with \`nexus-bot unlock\`$`,
      'm',
    );
    const cliStatus = await runNexusBot(['status', rollup.admin, '--config', configFile]);
    assert.equal(cliStatus.code, 0, cliStatus.stderr);
    assert.match(cliStatus.stdout, locked);
    const show = await runNexusBot(['show', creationWorkflowId(asRollupAdmin(rollup.admin)), '--config', configFile]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, locked);
  });

  it('refuses a wrong salt (exit 1) and changes nothing', async () => {
    const wrongFile = join(net.dir, 'wrong-salt');
    writeFileSync(wrongFile, `${WRONG_SALT}\n`, { mode: 0o600 });
    const wrong = await runNexusBot(['unlock', '--salt-file', wrongFile, '--config', configFile]);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(
      wrong.stderr,
      new RegExp(
        `^nexus-bot: wrong salt: it does not open the mnemonic keystore of rollup ${rollup.admin.toLowerCase()} \\(nexus-bot/rollups/.*/mnemonic\\); still locked$`,
        'm',
      ),
    );
    const status = await runNexusBot(['unlock', '--status', '--config', configFile]);
    assert.match(status.stdout, /^locked: waiting for the salt/);
    assert.ok(await heldSaltStep(), 'the held step ran after a wrong salt');
  });

  it('the right salt unlocks at once, and the held creation completes: deposited and registered', async () => {
    const saltFile = join(net.dir, 'salt');
    writeFileSync(saltFile, `${net.salt}\n`, { mode: 0o600 });
    const right = await runNexusBot(['unlock', '--salt-file', saltFile, '--config', configFile]);
    assert.equal(right.code, 0, right.stderr);
    assert.match(
      right.stdout,
      new RegExp(
        `^unlocked: the salt opens the mnemonic keystore of rollup ${rollup.admin.toLowerCase()}; the worker polls the salt task queue ${roleTaskQueue(TASK_QUEUE, 'salt')}`,
      ),
    );
    await until(
      'one validator created',
      async () => {
        const s = await monitorStatus();
        return s.validatorsCreated === 1 && s.phase === 'idle' ? s : undefined;
      },
      180_000,
    );
    const bridge = await contractAt('NexusBaseBridge', rollup.bridge, net.provider);
    assert.equal(await bridge.getFunction('validatorCount')(), 1n);
    const deposit = await contractAt('DepositContract', net.system.addresses.depositContract, net.provider);
    const [event] = await deposit.queryFilter(deposit.filters.DepositEvent(), 0);
    const pubkey = (event as unknown as { args: string[] }).args[0];
    assert.equal(
      await net.system.contracts.nexus.getFunction('validators')(pubkey),
      2n,
      'the key is not SHARE_DEPOSITED (the writer needs the salt for the keyshares)',
    );
    assert.doesNotMatch(
      (await runNexusBot(['status', rollup.admin, '--config', configFile])).stdout,
      /locked: waiting for the salt/,
    );
  });

  it('`nexus-bot lock` takes the salt back', async () => {
    const locked = await runNexusBot(['lock', '--config', configFile]);
    assert.equal(locked.code, 0, locked.stderr);
    assert.match(locked.stdout, /^locked: the salt was wiped; the salt task queue .* is no longer polled/);
    // The answer comes after the salt queue's Worker stopped (its running steps finish first).
    assert.match(
      log(),
      new RegExp(`"msg":"Worker state changed".*"taskQueue":"${roleTaskQueue(TASK_QUEUE, 'salt')}","state":"STOPPED"`),
    );
    assert.match(
      (await runNexusBot(['unlock', '--status', '--config', configFile])).stdout,
      /^locked: waiting for the salt/,
    );
  });

  it('no salt in the worker log, its argv or its environment', () => {
    const text = log();
    assert.match(text, /unlock refused: wrong salt/);
    assert.match(text, /unlocked: the salt opens/);
    const cmdline = readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${worker.pid}/environ`, 'utf8');
    assert.match(cmdline, /worker[/\\]main\.ts/, 'not the worker process');
    for (const [where, content] of [
      ['log', text],
      ['argv', cmdline],
      ['environment', environ],
    ] as const) {
      for (const secret of [net.salt, WRONG_SALT])
        assert.ok(!content.includes(secret), `the worker's ${where} holds a salt`);
    }
  });
});
