// The operator's commands against a real Temporal dev server: the `nexus-bot` CLI (its installed
// bin), `temporal workflow signal` and `tctl workflow signal`, on monitors run by a real worker with
// the bot's workflow bundle. Activities are the in-memory chain of the workflow tests, so the test
// can hold a creation at a chosen point and count every deposit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { registerSearchAttributes } from '../../temporal-config/register-search-attributes';
import { BOT_SEARCH_ATTRIBUTES } from '../../temporal-config/search-attributes';
import { TASK_QUEUE } from '../../temporal-config/names';
import { toolPath } from '../../tools/paths';
import { monitorWorkflowId } from '../../workflows/ids';
import { wakeSignal, type CreationStatus, type MonitorStatus } from '../../protocol/messages';
import { runNexusBot, runTool } from '../harness/cli';
import { useService } from '../harness/service';
import { createRoleQueueWorkers } from '../harness/time-skipping';
import { StubChain, stubActivities } from '../workflows/stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;
const ROLLUP_A = '0x00000000000000000000000000000000000000a1';
const ROLLUP_B = '0x00000000000000000000000000000000000000b2';
const UNKNOWN = '0x00000000000000000000000000000000000000ff';

/** Runs the tasks four at a time (each is a CLI process starting up), in order of the answers. */
async function inParallel<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += 4)
    results.push(...(await Promise.all(tasks.slice(i, i + 4).map((task) => task()))));
  return results;
}

describe('nexus-bot CLI: rollup monitors on a dev server', function () {
  this.timeout(180_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const chain = new StubChain();
  let connection: Connection;
  let client: Client;
  let workerConnection: NativeConnection;
  let workers: Worker[] | undefined;
  let workerRun: Promise<unknown>;

  const cli = (...args: string[]) => runNexusBot([...args, '--address', server().address]);
  async function ok(...args: string[]): Promise<string> {
    const result = await cli(...args);
    assert.equal(result.code, 0, `nexus-bot ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }
  async function statusJson(admin: string): Promise<MonitorStatus> {
    return JSON.parse(await ok('status', admin, '--json')) as MonitorStatus;
  }
  async function until<T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
      await sleep(300);
    }
  }
  /** The monitor has finished every creation the chain allows and sleeps. */
  const settled = (s: MonitorStatus) => s.phase === 'idle' && !s.inFlight && s.lastPlan?.toCreate === 0;

  before(async function () {
    // 640 ETH at 20 %: a few validators to create at once.
    chain.addRollup(ROLLUP_A, {
      bridge: '0xb1',
      stakingLimitBps: 2000,
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    connection = await Connection.connect({ address: server().address });
    client = new Client({ connection });
    workerConnection = await NativeConnection.connect({ address: server().address });
    workers = await createRoleQueueWorkers(
      workerConnection,
      TASK_QUEUE,
      stubActivities(chain, client, TASK_QUEUE, 'cli-test-registrar'),
    );
    workerRun = Promise.all(workers.map((w) => w.run()));
  });

  after(async () => {
    for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await workerRun?.catch(() => undefined);
    await workerConnection?.close();
    await connection?.close();
  });

  it('answers --help for every command', async () => {
    const commands = [
      'start',
      'stop',
      'pause',
      'resume',
      'status',
      'list',
      'show',
      'poll-interval',
      'sync',
      'search-attributes',
      'self-check',
      'mnemonic',
      'codec-server',
      'registrar',
    ];
    const results = await inParallel(commands.map((command) => () => runNexusBot([command, '--help'])));
    commands.forEach((command, i) => {
      assert.equal(results[i].code, 0, `${command} --help: ${results[i].stderr}`);
      assert.match(results[i].stdout, new RegExp(`^Usage: nexus-bot ${command}`), `${command} --help`);
    });
  });

  it('rejects bad arguments with exit code 2, naming what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['start', ROLLUP_A], /--key-path is required: one of mnemonic, dkg/],
      [['start', ROLLUP_A, '--key-path', 'seed'], /--key-path: expected one of mnemonic, dkg, got "seed"/],
      [
        ['start', 'rollup-a', '--key-path', 'dkg'],
        /<rollupAdmin>: expected the rollup admin's address .* got "rollup-a"/,
      ],
      // EIP-55's own example address with one letter's case flipped: a mistyped address is caught.
      [
        ['start', '0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '--key-path', 'dkg'],
        /EIP-55 checksum if mixed case\), got "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"/,
      ],
      [
        ['start', ROLLUP_A, '--key-path', 'dkg', '--poll-interval', 'often'],
        /--poll-interval: expected a duration .* got "often"/,
      ],
      [
        ['start', ROLLUP_A, '--key-path', 'dkg', '--poll-interval', '100ms'],
        /--poll-interval: expected between 1 s and 86400 s, got "100ms"/,
      ],
      [['start', ROLLUP_A, '--key-path', 'dkg', '--max-batch', '101'], /a DKG ceremony makes at most 100 validators/],
      [
        ['start', ROLLUP_A, '--key-path', 'mnemonic', '--max-exit-batch', '0'],
        /--max-exit-batch: expected a positive integer, got "0"/,
      ],
      [['start'], /missing argument <rollupAdmin>/],
      [['pause', ROLLUP_A], /--reason is required/],
      [['pause', ROLLUP_A, '--reason', '  '], /--reason is required/],
      [['status', ROLLUP_A, ROLLUP_B], /unexpected argument "0x0+b2"/],
      [['status', ROLLUP_A, '--verbose'], /Unknown option '--verbose'/],
      [['poll-interval', ROLLUP_A], /missing argument <duration>/],
      [['show', 'rollup-monitor/x'], /expected a creation or exit workflow id .* or a validator pubkey/],
      [['search-attributes', 'delete'], /unknown subcommand "delete"/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    const results = await inParallel(
      cases.map(
        ([args]) =>
          () =>
            cli(...args),
      ),
    );
    cases.forEach(([args, message], i) => {
      assert.equal(results[i].code, 2, `nexus-bot ${args.join(' ')}: exit ${results[i].code}, ${results[i].stderr}`);
      assert.match(results[i].stderr, message, `nexus-bot ${args.join(' ')}`);
    });
    // Nothing was started by any of them.
    assert.deepEqual(JSON.parse(await ok('list', '--json')), []);
  });

  it('names a Temporal server that cannot be reached, and a rollup without a monitor', async () => {
    const unreachable = [['status', ROLLUP_A], ['list'], ['pause', ROLLUP_A, '--reason', 'x']];
    for (const result of await inParallel(
      unreachable.map((command) => () => runNexusBot([...command, '--address', '127.0.0.1:1'])),
    )) {
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
    }
    const unknown = [
      ['status', UNKNOWN],
      ['pause', UNKNOWN, '--reason', 'x'],
      ['resume', UNKNOWN],
      ['stop', UNKNOWN],
      ['sync', UNKNOWN],
    ];
    const results = await inParallel(unknown.map((command) => () => cli(...command)));
    unknown.forEach((command, i) => {
      assert.equal(results[i].code, 1, command.join(' '));
      assert.match(
        results[i].stderr,
        new RegExp(
          `no monitor for rollup ${UNKNOWN} \\(workflow rollup-monitor/${UNKNOWN} not found\\): start one with`,
        ),
        command.join(' '),
      );
    });
    const none = await cli('list');
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no rollup monitor is running/);
  });

  it('start runs a monitor that creates the validators; a second start is refused; list and status show it', async () => {
    assert.match(
      await ok('start', ROLLUP_A, '--key-path', 'mnemonic', '--poll-interval', '1 hour'),
      new RegExp(`started the monitor of rollup ${ROLLUP_A} \\(mnemonic keys\\): rollup-monitor/${ROLLUP_A}`),
    );
    const again = await cli('start', ROLLUP_A, '--key-path', 'mnemonic');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is already running \(rollup-monitor\/0x0+a1\)/);

    const status = await until('the first creation', () => statusJson(ROLLUP_A), settled);
    assert.equal(status.paused, false);
    assert.ok(status.validatorsCreated > 0);
    assert.equal(status.validatorsCreated, chain.depositBatches.flat().length);
    assert.equal(status.pollInterval, '1 hour');

    const human = await ok('status', ROLLUP_A);
    assert.match(human, new RegExp(`rollup {6}${ROLLUP_A} \\(mnemonic keys\\), monitor rollup-monitor/${ROLLUP_A}`));
    assert.match(human, /paused {6}no/);
    assert.match(human, /in flight {3}nothing/);
    const list = JSON.parse(await ok('list', '--json')) as {
      rollupAdmin: string;
      paused: boolean;
      keyPath: string;
      staked: number;
    }[];
    assert.deepEqual(
      list.map((r) => [r.rollupAdmin, r.keyPath, r.paused, r.staked]),
      [[ROLLUP_A, 'mnemonic', false, status.validatorsCreated]],
    );
    // The Web UI's filter finds the monitor by its search attributes and shows its memo.
    const described = await client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(ROLLUP_A))).describe();
    assert.equal(described.typedSearchAttributes.get(BOT_SEARCH_ATTRIBUTES[0]), ROLLUP_A);
    assert.match(
      String((await described.memo)?.description),
      /keeps rollup 0x0+a1 at its staking limit \(mnemonic keys\)/,
    );
  });

  it('a pause from `temporal workflow signal` stops new work at a safe point, status shows it, sync is refused; resume goes on', async () => {
    await until('an idle monitor', () => statusJson(ROLLUP_A), settled);
    await runTool(toolPath('temporal'), [
      'workflow',
      'signal',
      '--address',
      server().address,
      '--namespace',
      'default',
      '--workflow-id',
      monitorWorkflowId(asRollupAdmin(ROLLUP_A)),
      '--name',
      'pause',
      '--input',
      '{"reason":"maintenance (temporal cli)"}',
    ]);
    const paused = await until(
      'the pause',
      () => statusJson(ROLLUP_A),
      (s) => s.phase === 'paused',
    );
    assert.equal(paused.paused, true);
    assert.equal(paused.pauseReason, 'maintenance (temporal cli)');

    // The bridge gets more ETH and the monitor is woken: a paused rollup starts nothing.
    const deposits = chain.depositBatches.length;
    chain.rollup(ROLLUP_A).balanceWei += 320n * ETH;
    await client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(ROLLUP_A)))
      .signal(wakeSignal, { reason: 'test: bridge balance changed' });
    const sync = await cli('sync', ROLLUP_A);
    assert.equal(sync.code, 1);
    assert.match(sync.stderr, /sync refused: .*the rollup is paused \(maintenance \(temporal cli\)\): resume it first/);
    await sleep(3_000);
    assert.equal(chain.depositBatches.length, deposits, 'a paused rollup deposited');
    assert.equal((await statusJson(ROLLUP_A)).phase, 'paused');

    const resumed = await ok('resume', ROLLUP_A);
    assert.match(resumed, /resume sent to rollup-monitor\/0x0+a1[\s\S]*paused {6}no/);
    await until(
      'the creation after resume',
      async () => chain.depositBatches.length,
      (n) => n > deposits,
    );
    await until('an idle monitor', () => statusJson(ROLLUP_A), settled);
  });

  it('a pause from `tctl workflow signal` works alike; list shows the rollup paused with its reason', async () => {
    await runTool(toolPath('tctl'), [
      '--address',
      server().address,
      '--namespace',
      'default',
      'workflow',
      'signal',
      '--workflow_id',
      monitorWorkflowId(asRollupAdmin(ROLLUP_A)),
      '--name',
      'pause',
      '--input',
      '{"reason":"maintenance (tctl)"}',
    ]);
    await until(
      'the pause',
      () => statusJson(ROLLUP_A),
      (s) => s.phase === 'paused',
    );
    const human = await ok('status', ROLLUP_A);
    assert.match(human, /phase {7}paused/);
    assert.match(human, /paused {6}yes: maintenance \(tctl\)/);
    const list = await ok('list');
    assert.match(list, new RegExp(`${ROLLUP_A}\\s+mnemonic\\s+paused\\s+yes\\s+\\d+\\s+0\\s+maintenance \\(tctl\\)`));
    assert.equal((JSON.parse(await ok('list', '--json')) as { paused: boolean }[])[0].paused, true);
    await ok('resume', ROLLUP_A);
    await until('an idle monitor', () => statusJson(ROLLUP_A), settled);
  });

  it('`pause` during a creation holds it before the deposit; status and show say where it stopped; resume deposits once', async () => {
    const latch = chain.latch('prepareMnemonicValidators');
    const deposits = chain.depositBatches.length;
    chain.rollup(ROLLUP_A).balanceWei += 320n * ETH;
    await client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(ROLLUP_A)))
      .signal(wakeSignal, { reason: 'test: bridge balance changed' });
    await latch.reached; // the creation is making its keys
    const pause = await ok('pause', ROLLUP_A, '--reason', 'hold the ceremony');
    assert.match(pause, /pause sent to rollup-monitor\/0x0+a1: hold the ceremony/);
    assert.match(pause, /paused {6}yes: hold the ceremony/);
    latch.release();

    const held = await until(
      'the creation to hold',
      () => statusJson(ROLLUP_A),
      (s) => s.inFlight?.hold?.state === 'held',
    );
    assert.match(held.inFlight?.hold?.step ?? '', /before the deposit/);
    assert.match(
      await ok('status', ROLLUP_A),
      /create-validators\/0x0+a1 \(\d+ validators?\) phase key-material, held at a safe point before the deposit/,
    );
    const creationId = held.inFlight?.workflowId ?? '';
    const shown = JSON.parse(await ok('show', creationId, '--json')) as CreationStatus & { runStatus: string };
    assert.equal(shown.runStatus, 'RUNNING');
    assert.equal(shown.paused, true);
    assert.ok(shown.pubkeys.length > 0);
    assert.match(await ok('show', creationId), /held at a safe point before the deposit/);
    // A validator key finds its batch through the NexusValidatorPubkeys search attribute.
    const byKey = await until(
      'the pubkey search attribute',
      () => cli('show', shown.pubkeys[0]),
      (r) => r.code === 0,
    );
    assert.match(byKey.stdout, new RegExp(`creation {4}${creationId} \\(running\\)`));
    await sleep(2_000);
    assert.equal(chain.depositBatches.length, deposits, 'a held creation deposited');

    await ok('resume', ROLLUP_A);
    await until('an idle monitor', () => statusJson(ROLLUP_A), settled);
    assert.equal(chain.depositBatches.length, deposits + 1, 'one deposit batch after resume');
    assert.deepEqual(chain.depositBatches[deposits], shown.pubkeys, 'the held keys are the ones deposited');
  });

  it('poll-interval answers with the old and new value; a bad value is refused and changes nothing', async () => {
    for (const [value, message] of [
      ['0 seconds', /expected between 1 second and 1 day/],
      ['soon', /not a duration/],
    ] as const) {
      const refused = await cli('poll-interval', ROLLUP_A, value);
      assert.equal(refused.code, 1, value);
      assert.match(refused.stderr, new RegExp(`poll interval refused: .*interval "${value}": ${message.source}`));
      assert.equal((await statusJson(ROLLUP_A)).pollInterval, '1 hour');
    }
    assert.match(
      await ok('poll-interval', ROLLUP_A, '2 hours'),
      /poll interval of rollup-monitor\/0x0+a1: 1 hour -> 2 hours/,
    );
    assert.equal((await statusJson(ROLLUP_A)).pollInterval, '2 hours');
    assert.match(await ok('sync', ROLLUP_A), /rollup-monitor\/0x0+a1 looked at block \d+: create 0, exit 0/);
  });

  it('show finds an exit batch by id and by validator key; stop ends the monitor and names the batch that goes on', async () => {
    chain.addRollup(ROLLUP_B, {
      bridge: '0xb2',
      stakingLimitBps: 1000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    const keys = chain.addActiveValidators(ROLLUP_B, 20);
    await ok('start', ROLLUP_B, '--key-path', 'mnemonic', '--max-exit-batch', '5');
    const exiting = await until(
      'an exit batch',
      () => statusJson(ROLLUP_B),
      (s) => s.exitsInFlight.length === 1 && chain.nexusExitCalls.flat().length === 5,
    );
    const exitId = exiting.exitsInFlight[0].workflowId;
    assert.equal(exitId, `exit-validators/${ROLLUP_B}/1`);
    const shown = await ok('show', exitId);
    assert.match(shown, new RegExp(`exit batch {2}${exitId} \\(running\\)`));
    assert.match(shown, /pending {5}0x[0-9a-f]{96} beacon /);
    const byKey = await until(
      'the pubkey search attribute',
      () => cli('show', keys[0]),
      (r) => r.code === 0,
    );
    assert.match(byKey.stdout, new RegExp(`exit batch {2}${exitId}`));

    const stopped = await ok('stop', ROLLUP_B, '--reason', 'test: decommissioned');
    assert.match(stopped, new RegExp(`stopped the monitor of rollup ${ROLLUP_B}`));
    assert.match(stopped, new RegExp(`still running on its own: ${exitId} \\(5 validators\\)`));
    assert.equal(
      (await client.workflow.getHandle(exitId).describe()).status.name,
      'RUNNING',
      'stop cut off the exit batch',
    );
    const after = await cli('status', ROLLUP_B);
    assert.equal(after.code, 1);
    assert.match(
      after.stderr,
      /the monitor of rollup 0x0+b2 is not running \(rollup-monitor\/0x0+b2 is terminated since /,
    );
    assert.deepEqual(
      (JSON.parse(await ok('list', '--json')) as { rollupAdmin: string }[]).map((r) => r.rollupAdmin),
      [ROLLUP_A],
    );
    await client.workflow.getHandle(exitId).terminate('test over');
  });

  it("--config takes Temporal settings from the worker's configuration file; a bad one is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-cli-config-'));
    try {
      const good = join(dir, 'worker.json');
      writeFileSync(good, JSON.stringify({ temporal: { address: server().address, namespace: 'default' } }));
      const status = await runNexusBot(['status', ROLLUP_A, '--config', good]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`rollup {6}${ROLLUP_A}`));

      // The monitors section gives `start` its defaults; a flag still wins.
      const rollupC = '0x00000000000000000000000000000000000000c3';
      chain.addRollup(rollupC, {
        bridge: '0xb3',
        stakingLimitBps: 0,
        operatorCluster: 1,
        balanceWei: 0n,
        validatorCount: 0n,
      });
      const withMonitors = join(dir, 'monitors.json');
      writeFileSync(
        withMonitors,
        JSON.stringify({ temporal: { address: server().address }, monitors: { pollInterval: '3 hours', maxBatch: 7 } }),
      );
      const started = await runNexusBot([
        'start',
        rollupC,
        '--key-path',
        'mnemonic',
        '--config',
        withMonitors,
        '--max-exit-batch',
        '9',
      ]);
      assert.equal(started.code, 0, started.stderr);
      const input = (await client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(rollupC))).fetchHistory())
        .events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.deepEqual(
        (({ pollInterval, maxBatch, maxExitBatch, exitPollInterval }) => ({
          pollInterval,
          maxBatch,
          maxExitBatch,
          exitPollInterval,
        }))(JSON.parse(Buffer.from(input?.data ?? []).toString()) as Record<string, unknown>),
        {
          pollInterval: '3 hours',
          maxBatch: 7,
          maxExitBatch: 9,
          exitPollInterval: { min: '1 minute', max: '6 hours' },
        },
      );
      assert.equal((await statusJson(rollupC)).pollInterval, '3 hours');
      await ok('stop', rollupC);

      const tls = join(dir, 'tls.json');
      writeFileSync(
        tls,
        JSON.stringify({
          temporal: { address: server().address, tls: { serverRootCaFile: join(dir, 'missing-ca.pem') } },
        }),
      );
      const noCa = await runNexusBot(['status', ROLLUP_A, '--config', tls]);
      assert.equal(noCa.code, 1);
      assert.match(noCa.stderr, /temporal\.tls\.serverRootCaFile: cannot read .*missing-ca\.pem \(ENOENT\)/);

      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{ "temporal": ');
      const notJson = await runNexusBot(['list', '--config', broken]);
      assert.equal(notJson.code, 1);
      assert.match(notJson.stderr, /config file .*broken\.json is not valid JSON/);

      const badField = join(dir, 'bad-field.json');
      writeFileSync(badField, JSON.stringify({ temporal: { address: 'temporal.example' } }));
      const badAddress = await runNexusBot(['list', '--config', badField]);
      assert.equal(badAddress.code, 1);
      assert.match(badAddress.stderr, /temporal\.address: expected host:port/);

      const flag = await runNexusBot(['list', '--address', 'localhost']);
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /--address: expected host:port, e\.g\. 127\.0\.0\.1:7233, got "localhost"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("search-attributes register adds the bot's attributes to a namespace once", async () => {
    await connection.workflowService.registerNamespace({
      namespace: 'cli-other',
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace reaches the server's caches within a few seconds.
    const first = await until(
      'the new namespace',
      () => cli('search-attributes', 'register', '--namespace', 'cli-other'),
      (r) => r.code === 0,
      30_000,
    );
    assert.match(
      first.stdout,
      new RegExp(`registered in namespace cli-other: ${BOT_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`),
    );
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'cli-other' });
    for (const key of BOT_SEARCH_ATTRIBUTES)
      assert.ok(customAttributes && key.name in customAttributes, `${key.name} missing`);
    assert.match(
      await ok('search-attributes', 'register', '--namespace', 'cli-other'),
      /all 4 search attributes were already registered in namespace cli-other/,
    );
    assert.deepEqual(await registerSearchAttributes(connection, 'cli-other'), []);
  });
});
