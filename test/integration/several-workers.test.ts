// Several workers on one deployment (issue 14), on the real parts: Temporal dev server, anvil with
// our contracts, moto (DynamoDB: the shared transaction journal, nonce stream and writer lease, and
// the key-index store), Lodestar with the withdrawal stand-in (the exits), and worker processes:
// two with every role, and a third (general + salt, no writer role) that starts while the other two
// run and work is in flight. Only the lease holder polls the chain-writer task queue. Two rollups
// are created and then exited.
// - Creation: the holder is SIGKILLed mid-batch (after a deposit, before its keyshares) and the
//   other writer takes the lease once it expired (epoch 2) and finishes.
// - Exits: a fourth worker with every role has joined as a standby writer. The holder (epoch 2) is
//   SIGSTOPped while one of its transaction steps runs; the standby takes the lease (epoch 3); the
//   paused worker is then SIGCONTed at once, mid-step and still believing it holds epoch 2 (the
//   case the fence exists for: a pause longer than the lease, shorter than the step's heartbeat
//   timeout). It reports the lost lease (or a WriterFenced refusal), stops polling the chain-writer
//   queue, keeps running as a standby (it takes the lease when the new holder shuts down), and
//   nothing it sent after it came back reached the chain: every transaction mined after the
//   resume was journaled under epoch 3 (each attempt records its epoch).
// Checked at the end: each pubkey deposited once, each journal key sent once with its own nonce and
// nothing sent outside the journal, no key index allocated twice, no writer step on the third worker.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ethers } from 'ethers';
import { nexusInterface } from '../../activities/chain/abi';
import { ensureWriterTable, leasePk, noncePk, streamOf, txPk } from '../../activities/chain/dynamo/table';
import type { TxRecord } from '../../activities/chain/tx-journal';
import { createIndexTable } from '../../activities/keys/index-store-dynamodb-table';
import { DynamoDbIndexStore } from '../../activities/keys/index-store-dynamodb';
import { contractAt } from '../../contracts/artifacts';
import { MOTO_CREDENTIALS, MOTO_REGION } from '../../localnet/services/moto';
import type { ServiceProcess } from '../../localnet/services/process';
import { WRITER_ACTIVITIES, roleTaskQueue, type WorkerRole } from '../../temporal-config/task-queues';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { maxDepositsWithinLimit, planExits } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { checkJournalRecords } from '../harness/journal-check';
import { activityPollers, pidOf, runningSteps, stepsOnQueue } from '../harness/worker-steps';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const WRITER_TABLE = 'nexus-writer';
const INDEX_TABLE = 'nexus-key-indices';
const LEASE_TTL_SECONDS = 4;
// Lean: 4 validators per rollup (256 ETH at 50 %), batches of 2, then 2 of them exited (25 %).
const FUNDING = 256n * ETH;
const LIMIT = 5000;
const LOWER_LIMIT = 2500;
const MAX_BATCH = 2;
const ROLLUPS = [
  { account: 2, name: 'rollup-a' },
  { account: 3, name: 'rollup-b' },
];
const isWriterStep = (activity: string) => (WRITER_ACTIVITIES as readonly string[]).includes(activity);

describe('several workers: two rollups created and exited by four worker processes, the chain writer SIGKILLed mid-batch, then another SIGSTOPped mid-batch and resumed (Temporal + anvil + moto + Lodestar)', function () {
  this.timeout(900_000);
  let net: CreationNetwork;
  let dynamo: DynamoDBClient;
  /** A worker SIGSTOPped and not yet resumed: resumed in after(), so that its stop can finish. */
  let paused: number | undefined;
  const t0 = Date.now();
  const mark = (what: string) => console.log(`      ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  before(async function () {
    this.timeout(240_000);
    net = await startCreationNetwork({
      rollups: ROLLUPS.map((r) => ({ ...r, funding: FUNDING, limit: LIMIT })),
      blockTime: 1,
      taskQueue: 'nexus-bot-several',
      beacon: { keysPerRollup: 4 },
    });
    const aws = net.workerConfig.aws as { region: string; endpoint: string };
    dynamo = new DynamoDBClient({ region: MOTO_REGION, endpoint: aws.endpoint, credentials: MOTO_CREDENTIALS });
    await ensureWriterTable(dynamo, WRITER_TABLE);
    await createIndexTable(dynamo, INDEX_TABLE);
    mark('network up');
  });
  after(async function () {
    this.timeout(120_000);
    if (paused) process.kill(paused, 'SIGCONT');
    for (const r of net?.rollups ?? [])
      await net.client.workflow
        .getHandle(monitorWorkflowId(asRollupAdmin(r.admin)))
        .terminate('test over')
        .catch(() => undefined);
    dynamo?.destroy();
    await net?.stop();
  });

  const stream = () => streamOf(new ethers.Wallet(net.botKey).address);
  const leaseItem = async () =>
    (
      await dynamo.send(
        new GetItemCommand({ TableName: WRITER_TABLE, Key: { pk: { S: leasePk(stream()) } }, ConsistentRead: true }),
      )
    ).Item;
  /** The PID in the lease item's holder (`<workerName>:<pid>`), and its epoch. */
  const holderOf = async () => {
    const item = await leaseItem();
    return { pid: pidOf(item?.holder?.S), epoch: Number(item?.epoch?.N) };
  };
  /** The lease once `pid` holds it (or as it is after `seconds`). */
  const holderOnceTaken = async (pid: number, seconds: number) => {
    let now = await holderOf();
    for (let i = 0; i < seconds * 10 && now.pid !== pid; i++) {
      await sleep(100);
      now = await holderOf();
    }
    return now;
  };
  /** The PIDs whose poll requests for activity tasks of `taskQueue` reached the server since `since` (ms). */
  const pollingSince = async (taskQueue: string, since = 0) =>
    (await activityPollers(net.client.connection, taskQueue)).filter((p) => p.lastPollAt >= since).map((p) => p.pid);
  const startWorker = (n: number, roles: WorkerRole[]) =>
    net.startWorker({
      config: {
        roles,
        // No fee bump while the chain is held for the third worker's start (a bump would be a second attempt).
        transactions: {
          dynamodb: { table: WRITER_TABLE, leaseTtlSeconds: LEASE_TTL_SECONDS },
          confirmations: 1,
          stuckAfterSeconds: 600,
        },
        keys: {
          ...(net.workerConfig.keys as Record<string, unknown>),
          indexStateDir: undefined,
          indexStore: { kind: 'dynamodb', table: INDEX_TABLE },
        },
        // Each worker its own log indexes (they are per process).
        depositGuard: {
          ...(net.workerConfig.depositGuard as Record<string, unknown>),
          indexDir: join(net.dir, `deposit-guard-${n}`),
        },
      },
    });
  /** The pubkey argument (`field`) of every `event` log of `address`. */
  const pubkeysOf = async (address: string, event: string, iface: ethers.Interface, field: string) => {
    const topic = iface.getEvent(event)?.topicHash as string;
    return (await net.provider.getLogs({ address, topics: [topic], fromBlock: 0 })).map((l) =>
      (iface.parseLog(l)?.args[field] as string).toLowerCase(),
    );
  };
  const depositPubkeys = async () =>
    pubkeysOf(
      net.system.addresses.depositContract,
      'DepositEvent',
      (await contractAt('DepositContract', net.system.addresses.depositContract, net.provider)).interface,
      'pubkey',
    );
  const nexusPubkeys = (event: string) => pubkeysOf(net.system.addresses.nexus, event, nexusInterface, 'pubKey');
  const mining = (seconds: number) => net.provider.send('evm_setIntervalMining', [seconds]);
  const monitors = () =>
    net.rollups.map((r) => net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(r.admin))));
  const statuses = () => Promise.all(monitors().map((m) => m.query(monitorStatusQuery).catch(() => undefined)));
  async function until(what: string, seconds: number, done: () => Promise<boolean>): Promise<void> {
    for (let i = 0; !(await done()); i++) {
      assert.ok(i < seconds * 2, `not within ${seconds} s: ${what}: ${JSON.stringify(await statuses())}`);
      await sleep(500);
    }
  }

  it('only the lease holder writes; its SIGKILL hands the lease to the other writer; a third worker joins; a SIGSTOPped holder loses the lease to a standby and, resumed, sends nothing and stays a standby; creation and exits of both rollups complete: no double deposit, no nonce collision, no reused index', async () => {
    const workers: ServiceProcess[] = [
      await startWorker(1, ['general', 'writer', 'salt']),
      await startWorker(2, ['general', 'writer', 'salt']),
    ];
    mark('two writer-role workers up');
    const writerQueue = roleTaskQueue(net.taskQueue, 'writer');

    // One holder, epoch 1, and it alone polls the chain-writer queue (the other waits for the lease).
    let first = await holderOf();
    for (let i = 0; i < 100 && !workers.some((w) => w.pid === first.pid); i++) {
      await sleep(200);
      first = await holderOf();
    }
    assert.equal(first.epoch, 1);
    const holder = workers.find((w) => w.pid === first.pid);
    const other = workers.find((w) => w.pid !== first.pid) as ServiceProcess;
    assert.ok(holder, `the lease holder ${first.pid} is none of the workers ${workers.map((w) => w.pid).join(', ')}`);
    for (let i = 0; i < 40 && (await pollingSince(writerQueue)).length === 0; i++) await sleep(250);
    await sleep(1000); // a second poller, if any, has had time to show
    assert.deepEqual(
      await pollingSince(writerQueue),
      [holder.pid],
      'the chain-writer task queue is polled by the lease holder alone',
    );

    const expectedCreated = Number(
      maxDepositsWithinLimit({ bridgeBalanceWei: FUNDING, validatorCount: 0n, stakingLimitBps: asBasisPoints(LIMIT) }),
    );
    const total = expectedCreated * net.rollups.length;
    // The chain is held while the third worker starts: the creations are in flight when it joins,
    // and the first deposit (the kill point) cannot pass before it is up.
    await mining(0);
    for (const r of net.rollups) {
      await net.client.workflow.start(rollupMonitorWorkflow, {
        taskQueue: net.taskQueue,
        workflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
        args: [
          {
            rollupAdmin: asRollupAdmin(r.admin),
            keyPath: 'mnemonic',
            pollInterval: '2 seconds',
            maxBatch: MAX_BATCH,
            exitPollInterval: { min: '2 seconds', max: '20 seconds' },
          },
        ],
      });
    }
    const third = await startWorker(3, ['general', 'salt']);
    workers.push(third);
    mark('third worker (general + salt) up while the creations run');
    await mining(1);

    // Mid-batch: a deposit is mined, the keyshares of the rollups are not all registered.
    await until('a deposit', 120, async () => (await depositPubkeys()).length > 0);
    const killedAt = Date.now();
    process.kill(holder.pid, 'SIGKILL');
    assert.equal(await holder.exited, null, 'the holder was killed by the signal');
    const depositsAtKill = (await depositPubkeys()).length;
    assert.ok(depositsAtKill < total, `the creation was done before the kill (${depositsAtKill} deposits)`);
    const sharesAtKill = (await nexusPubkeys('ValidatorShareSubmitted')).length;

    // The other writer takes the lease once it expired (epoch 2) and polls the writer queue.
    assert.deepEqual(
      await holderOnceTaken(other.pid, 20),
      { pid: other.pid, epoch: 2 },
      'the surviving writer took the lease',
    );
    const tookOverMs = Date.now() - killedAt;

    await until('both creations', 240, async () =>
      (await statuses()).every((s) => s?.validatorsCreated === expectedCreated && s.phase === 'idle'),
    );
    assert.ok(
      (await nexusPubkeys('ValidatorShareSubmitted')).length > sharesAtKill,
      'the new holder sent the rest of the batch',
    );
    // Printed, not asserted: the take-over follows the lease TTL, the finish the killed activity's heartbeat timeout.
    console.log(
      `      after the kill (${depositsAtKill} of ${total} deposits): lease taken over in ${(tookOverMs / 1000).toFixed(1)} s, both creations complete in ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
    );

    // A standby writer for the next take-over: a fourth worker with every role joins. It waits for
    // the lease: the holder keeps it and the standby does not poll the chain-writer queue.
    const fourthFrom = Date.now();
    const fourth = await startWorker(4, ['general', 'writer', 'salt']);
    workers.push(fourth);
    mark('fourth worker (every role) up: a standby writer');
    await sleep(2000);
    assert.deepEqual(await holderOf(), { pid: other.pid, epoch: 2 }, 'the lease moved when a standby writer started');
    assert.ok(
      !(await pollingSince(writerQueue, fourthFrom)).includes(fourth.pid),
      'the standby writer polls the chain-writer queue without the lease',
    );

    // Exits: both limits lowered; each rollup exits what the arithmetic asks, on the beacon chain,
    // in Nexus, and accounted once the stand-in paid the 32 ETH back.
    const expectedExits: number[] = [];
    for (const [i, r] of net.rollups.entries()) {
      const bridge = await contractAt('NexusBaseBridge', r.bridge, net.provider);
      const count = (await bridge.getFunction('validatorCount')()) as bigint;
      expectedExits.push(
        planExits({
          bridgeBalanceWei: await net.provider.getBalance(r.bridge),
          validatorCount: count,
          stakingLimitBps: asBasisPoints(LOWER_LIMIT),
          exiting: 0,
          maxBatch: 50,
        }).toExit,
      );
      const nexusAsAdmin = new ethers.Contract(
        net.system.addresses.nexus,
        ['function changeStakingLimit(uint16)'],
        devWallet(ROLLUPS[i].account, net.provider),
      );
      await (await nexusAsAdmin.getFunction('changeStakingLimit')(LOWER_LIMIT)).wait();
    }
    assert.ok(
      expectedExits.every((e) => e > 0),
      `no exit planned: ${expectedExits.join(', ')}`,
    );
    const exitsFrom = Date.now();
    const exitsDone = async () =>
      (await statuses()).every((s, i) => s?.validatorsExited === expectedExits[i] && s.exitsInFlight.length === 0);

    // Mid-batch pause: the holder (epoch 2) is SIGSTOPped while one of its transaction steps runs
    // (fallback: when none is seen running, as soon as the search gives up).
    let caught: { activity: string; workflowId: string } | undefined;
    // (The exits are checked every 20th look only, to keep the looks 150 ms apart.)
    for (
      let i = 0, giveUp = Date.now() + 90_000;
      !caught && Date.now() < giveUp && (i % 20 !== 19 || !(await exitsDone()));
      i++
    ) {
      caught = (await runningSteps(net.client, net.taskQueue)).find(
        (s) => isWriterStep(s.activity) && pidOf(s.worker) === other.pid,
      );
      if (!caught) await sleep(150);
    }
    let otherGone = false;
    void other.exited.then(() => {
      otherGone = true;
    });
    const stoppedAt = Date.now();
    process.kill(other.pid, 'SIGSTOP');
    paused = other.pid;
    console.log(
      caught
        ? `      SIGSTOP of the holder (epoch 2) while its ${caught.activity} of ${caught.workflowId} ran, ${((stoppedAt - exitsFrom) / 1000).toFixed(1)} s after the limits were lowered`
        : `      no writer activity of the holder caught running in ${((stoppedAt - exitsFrom) / 1000).toFixed(1)} s after the limits were lowered: SIGSTOP now`,
    );

    // The standby takes the lease once the paused holder's expired (epoch 3).
    assert.deepEqual(
      await holderOnceTaken(fourth.pid, 30),
      { pid: fourth.pid, epoch: 3 },
      'the standby writer took the lease of the paused holder',
    );
    const pausedTakenAt = Date.now();

    // The paused worker comes back at once, in the middle of its step, its lease taken over.
    const logFrom = statSync(net.workerLog).size;
    const resumeBlock = await net.provider.getBlockNumber();
    const resumedAt = Date.now();
    process.kill(other.pid, 'SIGCONT');
    paused = undefined;
    // It learns it lost the lease (its next renewal is refused) or its next write is fenced.
    let lossLine = '';
    await until('the resumed worker reports its lost lease or a fenced write', 30, async () => {
      const fresh = readFileSync(net.workerLog).subarray(logFrom).toString('utf8');
      lossLine =
        (/chain-writer lease lost: stopping the chain-writer worker[^\n]*"epoch":2[,}]/.exec(fresh) ??
          /transaction fenced[^\n]*fenced off \(epoch 2\)/.exec(fresh))?.[0] ?? '';
      return lossLine !== '';
    });
    const lossSeenAt = Date.now();
    console.log(
      `      resumed ${((resumedAt - stoppedAt) / 1000).toFixed(1)} s after the SIGSTOP; ${((lossSeenAt - resumedAt) / 1000).toFixed(1)} s later it logged: ${lossLine.slice(0, 200)}`,
    );

    await until('both exits accounted', 300, exitsDone);
    const exitsDoneAt = Date.now();
    // Printed, not asserted: the take-over follows the lease TTL.
    console.log(
      `      SIGSTOP → the standby's lease (epoch 3): ${((pausedTakenAt - stoppedAt) / 1000).toFixed(1)} s; exits accounted ${((exitsDoneAt - pausedTakenAt) / 1000).toFixed(1)} s after it`,
    );
    console.log(
      `      limits lowered → ${expectedExits.join(' + ')} exits accounted: ${((exitsDoneAt - exitsFrom) / 1000).toFixed(1)} s`,
    );
    mark('creation and exits done');
    assert.equal(otherGone, false, 'the worker that lost its lease exited');

    // No double deposit: each pubkey submitted once by Nexus and deposited once, each exited once.
    const deposited = await depositPubkeys();
    assert.equal(
      deposited.length,
      total,
      `DepositEvent logs: ${deposited.length}, expected ${total} (a double or missing deposit)`,
    );
    assert.equal(new Set(deposited).size, total, 'a pubkey was deposited twice');
    const submitted = await nexusPubkeys('ValidatorSubmitted');
    assert.deepEqual([...submitted].sort(), [...deposited].sort(), 'ValidatorSubmitted logs differ from the deposits');
    const exitSubmitted = await nexusPubkeys('ValidatorExitSubmitted');
    const exited = await nexusPubkeys('ValidatorExited');
    const exits = expectedExits.reduce((a, b) => a + b, 0);
    assert.equal(
      new Set(exitSubmitted).size,
      exits,
      `ValidatorExitSubmitted for ${exitSubmitted.length} keys, ${exits} expected`,
    );
    assert.deepEqual([...exited].sort(), [...exitSubmitted].sort(), 'an exit accounted twice, or not at all');
    assert.equal(net.standIn?.paid().length, exits);

    // No nonce collision: every nonce the bot used on chain was taken in the shared stream by one
    // key, and no key took two; every journal record is its transaction on chain (hash, nonce,
    // success), no two share a nonce, the chain holds no transaction outside the journal, and each
    // key was sent once (one attempt: no replacement, no re-send under a new nonce).
    const botAddress = new ethers.Wallet(net.botKey).address;
    const botNonce = await net.provider.getTransactionCount(botAddress, 'latest');
    const keys: string[] = [];
    for (let nonce = 0; nonce < botNonce; nonce++) {
      const { Item } = await dynamo.send(
        new GetItemCommand({
          TableName: WRITER_TABLE,
          Key: { pk: { S: noncePk(stream(), nonce) } },
          ConsistentRead: true,
        }),
      );
      assert.ok(Item?.key?.S, `nonce ${nonce} was sent on chain but not taken in the shared stream`);
      keys.push(Item.key.S);
    }
    assert.equal(new Set(keys).size, keys.length, `an idempotency key took two nonces: ${keys.join(', ')}`);
    assert.equal(Number((await leaseItem())?.nextNonce?.N), botNonce, "the stream's next nonce is the chain's");
    const scanned = await dynamo.send(
      new ScanCommand({
        TableName: WRITER_TABLE,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: txPk(stream(), '') } },
      }),
    );
    const records = (scanned.Items ?? []).map((item) => JSON.parse(item.rec?.S ?? '') as TxRecord);
    // A record the killed holder left pending is allowed when its transaction landed (checked
    // there): the retried step found its work on chain and did not send again.
    const { stalePending } = await checkJournalRecords(net.provider, records, botAddress);
    console.log(
      `      journal: ${records.length} records, ${botNonce} bot transactions, ${stalePending.length} left pending by a killed or paused holder (landed)`,
    );
    for (const r of records)
      assert.ok(
        r.attempts.length === 1 && !r.previous?.length,
        `${r.idempotencyKey} was sent more than once (${r.attempts.length} attempts, ${r.previous?.length ?? 0} earlier)`,
      );

    // Nothing the paused worker sent after it came back reached the chain: it journaled no attempt
    // after the resume (a send is journaled before its broadcast, and the journal holds every
    // transaction on chain), and each transaction mined after the resume is an attempt journaled
    // under the new holder's epoch, or one signed before the pause (the very transaction a new
    // holder sends on, as signed, when the paused one had claimed its nonce and not broadcast it).
    const attempts = records.flatMap((r) => r.attempts.map((a) => ({ key: r.idempotencyKey, ...a })));
    for (const a of attempts)
      assert.ok(
        Number.isInteger(a.epoch) && (a.epoch ?? 0) >= 1,
        `${a.key}: an attempt without the writer epoch it was sent under`,
      );
    const lateStale = attempts.filter((a) => (a.epoch ?? 0) < 3 && a.sentAt >= resumedAt);
    assert.deepEqual(
      lateStale.map((a) => `${a.key} (epoch ${a.epoch})`),
      [],
      'a transaction was journaled under an old epoch after the paused worker came back',
    );
    const minedAfter = records
      .filter((r) => (r.blockNumber ?? 0) > resumeBlock)
      .map((r) => ({ key: r.idempotencyKey, block: r.blockNumber, ...r.attempts.find((a) => a.hash === r.minedHash) }));
    for (const a of minedAfter) {
      assert.ok(
        (a.epoch ?? 0) >= 3 || (a.sentAt ?? Infinity) < stoppedAt,
        `${a.key} was mined after the resume (block ${a.block}) from an attempt under epoch ${a.epoch}, journaled ${a.sentAt === undefined ? 'never' : `${a.sentAt - stoppedAt} ms after the SIGSTOP`}`,
      );
    }
    console.log(
      `      after the resume (block ${resumeBlock}): ${minedAfter.length} transactions mined, ${minedAfter.filter((a) => (a.epoch ?? 0) >= 3).length} of them journaled under epoch ≥ 3, the others signed before the pause`,
    );
    const log = readFileSync(net.workerLog, 'utf8');
    assert.doesNotMatch(log, /TransactionDropped|nonce too low/i);

    // No reused index: each rollup's shared allocations are disjoint and cover its deposits.
    const indexStore = new DynamoDbIndexStore({ client: dynamo, table: INDEX_TABLE });
    for (const r of net.rollups) {
      const state = await indexStore.readState(r.admin);
      const indices = state.allocations.flatMap((a) => Array.from({ length: a.count }, (_, i) => a.start + i));
      assert.equal(
        new Set(indices).size,
        indices.length,
        `${r.admin}: an index was allocated twice: ${JSON.stringify(state.allocations)}`,
      );
      assert.ok(
        indices.length >= expectedCreated,
        `${r.admin}: ${indices.length} indices for ${expectedCreated} validators`,
      );
    }

    // The roles held: the third worker took steps, none of them a transaction; every transaction
    // ran on a writer-role worker.
    const steps = await stepsOnQueue(net.client, net.taskQueue);
    assert.ok(
      steps.some((s) => pidOf(s.worker) === third.pid),
      'the third worker ran no step',
    );
    const writerSteps = steps.filter((s) => isWriterStep(s.activity) && s.worker);
    assert.ok(writerSteps.length > 0);
    for (const s of writerSteps)
      assert.ok(
        [holder.pid, other.pid, fourth.pid].includes(pidOf(s.worker)),
        `${s.activity} of ${s.workflowId} ran on ${s.worker}, no writer`,
      );
    console.log(
      `      writer steps: ${[holder, other, fourth].map((w, i) => `${writerSteps.filter((s) => pidOf(s.worker) === w.pid).length} on writer ${i + 1}`).join(', ')}`,
    );

    // Each lease transition is in the workers' log.
    for (const epoch of [1, 2, 3])
      assert.match(
        log,
        new RegExp(`chain-writer lease acquired: polling the chain-writer task queue.*"epoch":${epoch}[,}]`),
      );

    // The worker that came back no longer polls the chain-writer queue: from 2 s after it reported
    // the loss (its Worker is shut down then), over more than one long poll (the server lists a
    // worker for minutes after its last poll), only the new holder's poll requests reached the server.
    const pollFrom = lossSeenAt + 2000;
    await sleep(Math.max(0, pollFrom + 70_000 - Date.now()));
    assert.deepEqual(
      await pollingSince(writerQueue, pollFrom),
      [fourth.pid],
      `the chain-writer queue is polled by the new holder alone since ${new Date(pollFrom).toISOString()}: ${JSON.stringify(await activityPollers(net.client.connection, writerQueue))}`,
    );

    // Graceful shutdown of the holder releases epoch 3; the worker that came back, a standby
    // again, takes the lease (epoch 4); its own shutdown releases it: nobody holds it, the epoch stays.
    await fourth.stop();
    assert.match(readFileSync(net.workerLog, 'utf8'), /chain-writer lease released.*"epoch":3[,}]/);
    assert.deepEqual(
      await holderOnceTaken(other.pid, 20),
      { pid: other.pid, epoch: 4 },
      'the worker that lost its lease did not take it again as a standby',
    );
    await other.stop();
    const released = await leaseItem();
    assert.equal(released?.holder, undefined, 'the lease was released at shutdown');
    assert.equal(Number(released?.epoch?.N), 4);
    assert.match(readFileSync(net.workerLog, 'utf8'), /chain-writer lease released.*"epoch":4[,}]/);
  });
});
