// Crash safety of an exit, end to end on the real parts (Temporal dev server, anvil with our
// contracts, moto, the worker as its own process, a Lodestar beacon node holding the rollup's
// mnemonic keys, the withdrawal stand-in). The worker reaches the beacon node through a recording
// proxy, so every exit it broadcasts is counted. For each step boundary of an exit the worker is
// SIGKILLed while the exit stands exactly there, then a new worker is started:
//   1. after a broadcast      (the node took the first exit; the bot never heard its answer)
//   2. after validatorExit was sent, before it was mined (journal record pending)
//   3. after validatorExit was mined (the batch follows its validators on the beacon chain)
//   4. between accountings    (one validator accounted in Nexus, the other not yet)
// Every run must complete with each validator broadcast once, submitted to Nexus once and
// accounted once: no duplicate broadcast, no second transaction under any journal key.
//
// Where the window is short the chain is held still while the worker is killed (anvil's interval
// mining paused, as in the creation crash test); nothing in the bot is hooked. The four runs have a
// network each and run concurrently; each `it` awaits and checks its own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { bridgeInterface, nexusInterface } from '../../activities/chain/abi';
import { readTxJournalRecords, type TxRecord } from '../../activities/chain/tx-manager';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import type { ServiceProcess } from '../../localnet/services/process';
import {
  ETH,
  devWallet,
  startCreationNetwork,
  type CreationNetwork,
  type RollupSpec,
} from '../harness/creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const ROLLUP: RollupSpec = { account: 2, name: 'rollup-exit-crash', funding: 640n * ETH, limit: 2000 };
const LOWER_LIMIT = 1000;
const BLOCK_TIME = 2;
const POLL_MS = 50;
const CRASH_POINT_DEADLINE_MS = 240_000;
/** After the restart the server first times out the killed worker's activity (heartbeat timeout 1 min). */
const COMPLETION_DEADLINE_MS = 300_000;

type CrashPoint = 'after-broadcast' | 'after-exit-sent' | 'after-exit-mined' | 'between-accountings';

const CASES: { point: CrashPoint; title: string }[] = [
  {
    point: 'after-broadcast',
    title: 'crash point 1, after a broadcast (the node took the exit, the bot never heard back)',
  },
  { point: 'after-exit-sent', title: 'crash point 2, after Nexus.validatorExit was sent and before it was mined' },
  { point: 'after-exit-mined', title: 'crash point 3, after Nexus.validatorExit was mined (following the validators)' },
  {
    point: 'between-accountings',
    title: 'crash point 4, between accountings (one validator accounted, the other not)',
  },
];

interface CrashEvidence {
  /** What was seen just before the kill. */
  seen: string;
  killedExitCode: number | null;
}

const lower = (hex: string) => hex.toLowerCase();

async function nexusEvents(net: CreationNetwork, name: string): Promise<string[]> {
  const event = nexusInterface.getEvent(name);
  const logs = await net.provider.getLogs({
    address: net.system.addresses.nexus,
    topics: [event?.topicHash as string],
    fromBlock: 0,
  });
  return logs.map((l) => lower(nexusInterface.parseLog(l)?.args.pubKey as string));
}

function journal(net: CreationNetwork): TxRecord[] {
  try {
    return readTxJournalRecords(join(net.dir, 'tx-journal.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function workerLogTail(net: CreationNetwork): string {
  try {
    return `--- worker log (tail) ---\n${readFileSync(net.workerLog, 'utf8').slice(-4000)}`;
  } catch {
    return '(no worker log)';
  }
}

async function until<T>(
  what: string,
  net: CreationNetwork,
  deadlineMs: number,
  aborted: () => boolean,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (aborted()) throw new Error('aborted');
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}\n${workerLogTail(net)}`);
    await sleep(POLL_MS);
  }
}

/** One crash run in its own network: crash at `point`, restart, wait for completion, check. */
async function crashRun(point: CrashPoint, aborted: () => boolean): Promise<CrashEvidence> {
  const net = await startCreationNetwork({
    rollups: [ROLLUP],
    blockTime: BLOCK_TIME,
    taskQueue: `nexus-bot-exit-crash-${point}`,
    beacon: { keysPerRollup: 8, recordExits: true },
  });
  const mining = (seconds: number) => net.provider.send('evm_setIntervalMining', [seconds]);
  try {
    const admin = net.rollups[0].admin;
    const recorder = net.beaconRecorder as NonNullable<CreationNetwork['beaconRecorder']>;
    let worker: ServiceProcess = await net.startWorker();
    const monitor = await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath: 'mnemonic',
          pollInterval: '2 seconds',
          exitPollInterval: { min: '2 seconds', max: '20 seconds' },
        },
      ],
    });
    const created = await until('the creation', net, 180_000, aborted, async () => {
      const st = await monitor.query(monitorStatusQuery).catch(() => undefined);
      return st && st.validatorsCreated > 0 && st.phase === 'idle' ? st.validatorsCreated : undefined;
    });
    const bridge = new ethers.Contract(net.rollups[0].bridge, bridgeInterface, net.provider);
    const expected = planExits({
      bridgeBalanceWei: await net.provider.getBalance(net.rollups[0].bridge),
      validatorCount: BigInt(created),
      stakingLimitBps: asBasisPoints(LOWER_LIMIT),
      exiting: 0,
      maxBatch: 50,
    }).toExit;
    assert.ok(expected >= 2, `the exit must take at least two validators (plans ${expected})`);

    const kill = async (): Promise<number | null> => {
      process.kill(worker.pid, 'SIGKILL');
      return worker.exited;
    };
    let killedBySeen: Promise<{ seen: string; code: number | null }> | undefined;
    if (point === 'after-broadcast') {
      // Killed inside the proxy: the node has the first exit, its answer never reaches the bot.
      killedBySeen = new Promise((resolve) => {
        recorder.holdExitAnswer(async (exit) => {
          recorder.holdExitAnswer(undefined);
          const code = await kill();
          resolve({
            seen: `the node answered ${exit.status} to the exit of validator ${exit.validatorIndex}; worker killed before the answer reached it`,
            code,
          });
        });
      });
    } else if (point === 'after-exit-sent') {
      // The chain stands still from the moment the last exit is broadcast: validatorExit stays pending.
      let answered = 0;
      recorder.holdExitAnswer(async () => {
        if (++answered === expected) {
          recorder.holdExitAnswer(undefined);
          await mining(0);
        }
      });
    }

    const nexusAsAdmin = new ethers.Contract(
      net.system.addresses.nexus,
      ['function changeStakingLimit(uint16)'],
      devWallet(ROLLUP.account, net.provider),
    );
    await (await nexusAsAdmin.changeStakingLimit(LOWER_LIMIT)).wait();

    let evidence: CrashEvidence;
    switch (point) {
      case 'after-broadcast': {
        let killed: { seen: string; code: number | null } | undefined;
        void killedBySeen?.then((k) => {
          killed = k;
        });
        const { seen, code } = await until(
          'the first broadcast',
          net,
          CRASH_POINT_DEADLINE_MS,
          aborted,
          async () => killed,
        );
        assert.deepEqual(await nexusEvents(net, 'ValidatorExitSubmitted'), [], 'Nexus was told before the crash point');
        evidence = { seen, killedExitCode: code };
        break;
      }
      case 'after-exit-sent': {
        const seen = await until('a pending validatorExit', net, CRASH_POINT_DEADLINE_MS, aborted, async () => {
          const pending = journal(net).find(
            (r) => r.idempotencyKey.startsWith('validator-exit:') && r.status === 'pending',
          );
          return (
            pending &&
            `validatorExit ${pending.attempts[0]?.hash} pending (journal ${pending.idempotencyKey}), chain held`
          );
        });
        assert.deepEqual(
          await nexusEvents(net, 'ValidatorExitSubmitted'),
          [],
          'validatorExit was mined before the crash point',
        );
        evidence = { seen, killedExitCode: await kill() };
        await mining(BLOCK_TIME);
        break;
      }
      case 'after-exit-mined': {
        const seen = await until('validatorExit mined', net, CRASH_POINT_DEADLINE_MS, aborted, async () => {
          const submitted = await nexusEvents(net, 'ValidatorExitSubmitted');
          return submitted.length === expected
            ? `ValidatorExitSubmitted for ${submitted.length} keys, none accounted`
            : undefined;
        });
        assert.deepEqual(await nexusEvents(net, 'ValidatorExited'), []);
        evidence = { seen, killedExitCode: await kill() };
        break;
      }
      case 'between-accountings': {
        const seen = await until('one accounting of two', net, CRASH_POINT_DEADLINE_MS, aborted, async () => {
          if ((await nexusEvents(net, 'ValidatorExited')).length !== 1) return undefined;
          await mining(0); // the next accounting cannot be mined while the worker is killed
          const exited = await nexusEvents(net, 'ValidatorExited');
          if (exited.length === 1) return `ValidatorExited for ${exited[0].slice(0, 18)}… only, chain held`;
          await mining(BLOCK_TIME);
          throw new Error('the second accounting was mined before the chain stood still');
        });
        evidence = { seen, killedExitCode: await kill() };
        await mining(BLOCK_TIME);
        break;
      }
    }

    worker = await net.startWorker();
    const done = await until(
      'the exits to complete after the restart',
      net,
      COMPLETION_DEADLINE_MS,
      aborted,
      async () => {
        const st = await monitor.query(monitorStatusQuery).catch(() => undefined);
        return st && st.validatorsExited === expected && st.exitsInFlight.length === 0 ? st : undefined;
      },
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}\n${await whereTheExitsStand(net, monitor)}`);
    });
    assert.equal(done.validatorsExited, expected);
    // A few more polls: nothing more happens.
    await sleep(8_000);
    await checkExactlyOnce(net, expected, Number(await bridge.validatorCount()), created);
    return evidence;
  } finally {
    await net.stop();
  }
}

/** For a timeout: the monitor's status and each open exit batch's pending activities (attempt, last failure). */
async function whereTheExitsStand(
  net: CreationNetwork,
  monitor: { query: (q: typeof monitorStatusQuery) => Promise<unknown> },
): Promise<string> {
  const lines = ['--- where the exits stand ---'];
  const status = (await monitor.query(monitorStatusQuery).catch((e: unknown) => `query failed: ${String(e)}`)) as
    { exitsInFlight?: { workflowId: string }[] } | string;
  lines.push(`monitor: ${JSON.stringify(status)}`);
  const monitorId = monitorWorkflowId(asRollupAdmin(net.rollups[0].admin));
  // Where a monitor that stopped looking waits (seen once under load at stop 24: idle, its last
  // plan minutes old, its exit batch completed): its pending activities and its last events.
  lines.push(...(await historyLines(net, monitorId, 20)), ...pendingActivities(await describeWorkflow(net, monitorId)));
  for (const step of typeof status === 'string' ? [] : (status.exitsInFlight ?? [])) {
    const description = await describeWorkflow(net, step.workflowId);
    if (!description) continue;
    lines.push(`${step.workflowId}: ${description.status.name}`, ...(await historyLines(net, step.workflowId, 0)));
    lines.push(...pendingActivities(description));
  }
  return lines.join('\n');
}

function describeWorkflow(net: CreationNetwork, workflowId: string) {
  return net.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
}

function pendingActivities(description: Awaited<ReturnType<typeof describeWorkflow>>): string[] {
  return (description?.raw.pendingActivities ?? []).map(
    (a) =>
      `  pending ${a.activityType?.name} state=${String(a.state)} attempt=${a.attempt} worker=${a.lastWorkerIdentity ?? ''} failure=${a.lastFailure?.message ?? ''}`,
  );
}

/**
 * From one fetch of a workflow's history: its failed workflow tasks (a stuck workflow shows them,
 * not a status), then its last `lastN` events, time and kind (the attributes' name).
 */
async function historyLines(net: CreationNetwork, workflowId: string, lastN: number): Promise<string[]> {
  const history = await net.client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => undefined);
  const events = history?.events ?? [];
  const failed = events.filter((e) => e.workflowTaskFailedEventAttributes);
  const last = failed.at(-1)?.workflowTaskFailedEventAttributes?.failure?.message;
  const summary = `  ${workflowId}: ${history ? events.length : '?'} events, ${failed.length} failed workflow tasks${last ? `, last: ${last}` : ''}`;
  const tail = lastN > 0 ? events.slice(-lastN) : [];
  return [
    summary,
    ...tail.map((e) => {
      const kind =
        Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? '?';
      const seconds = Number(e.eventTime?.seconds ?? 0);
      return `  event ${String(e.eventId)} ${new Date(seconds * 1000).toISOString()} ${kind.replace(/EventAttributes$/, '')}`;
    }),
  ];
}

async function checkExactlyOnce(
  net: CreationNetwork,
  expected: number,
  validatorCount: number,
  created: number,
): Promise<void> {
  const recorder = net.beaconRecorder as NonNullable<CreationNetwork['beaconRecorder']>;
  const broadcast = recorder.exits().map((e) => e.validatorIndex);
  assert.equal(
    broadcast.length,
    expected,
    `exits broadcast: ${JSON.stringify(recorder.exits())} (a duplicate broadcast, or one missing)`,
  );
  assert.equal(new Set(broadcast).size, expected, 'a validator was broadcast twice');

  const submitted = await nexusEvents(net, 'ValidatorExitSubmitted');
  assert.equal(submitted.length, expected, 'ValidatorExitSubmitted events');
  assert.equal(new Set(submitted).size, expected, 'Nexus recorded an exit twice');
  const exited = await nexusEvents(net, 'ValidatorExited');
  assert.deepEqual(
    [...exited].sort(),
    [...submitted].sort(),
    'validatorExitBalanceTransferred not exactly once per exiting validator',
  );
  assert.equal(validatorCount, created - expected);

  // No second transaction under any key: each exit journal key sent once, mined, never re-sent.
  const records = journal(net).filter((r) => /^(validator-exit|exit-transferred):/.test(r.idempotencyKey));
  // v2024-06 (the harness's default): one validatorExit per key, then one accounting per key.
  assert.equal(
    records.length,
    2 * expected,
    `exit journal records: ${records.map((r) => `${r.idempotencyKey}=${r.status}`).join(', ')}`,
  );
  for (const r of records) {
    assert.equal(r.status, 'mined', `${r.idempotencyKey} is ${r.status}`);
    assert.ok(r.idempotencyKey.endsWith(':0') && !r.previous?.length, `${r.idempotencyKey} was sent more than once`);
  }
}

describe('an exit survives a worker SIGKILL at each step boundary (Temporal + anvil + moto + Lodestar + worker process)', function () {
  this.timeout(720_000);
  let aborted = false;
  const runs = new Map<CrashPoint, Promise<{ evidence?: CrashEvidence; error?: unknown }>>();

  before(function () {
    // Concurrent runs, started a little apart so that the four networks do not all boot at once.
    for (const [i, c] of CASES.entries()) {
      runs.set(
        c.point,
        sleep(i * 6_000)
          .then(() => crashRun(c.point, () => aborted))
          .then(
            (evidence) => ({ evidence }),
            (error: unknown) => ({ error }),
          ),
      );
    }
  });

  after(async function () {
    this.timeout(120_000);
    aborted = true; // a run still going (its `it` timed out) stops at its next poll and stops its network
    await Promise.all(runs.values());
  });

  for (const c of CASES) {
    it(`${c.title}: completes after a restart, each validator broadcast, submitted and accounted once`, async () => {
      const outcome = await runs.get(c.point);
      if (!outcome || outcome.error !== undefined) throw outcome?.error ?? new Error('not run');
      console.log(`      killed when: ${outcome.evidence?.seen}`);
      assert.equal(outcome.evidence?.killedExitCode, null, 'the first worker was not killed by the signal');
    });
  }
});
