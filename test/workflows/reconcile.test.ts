// Time-skipping workflow tests of reconciliation: a monitor that starts (or restarts) with a memory
// that differs from the chain rebuilds it from the chain and acts on what it finds, once.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { monitorWorkflowId } from '../../workflows/ids';
import { exitStatusQuery, wakeSignal } from '../../protocol/messages';
import { rollupMonitorWorkflow, type RollupMonitorInput } from '../../workflows/rollup-monitor';
import { exitValidatorsWorkflow } from '../../workflows/exit-validators';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;

describe('workflows: reconciliation from the chain (time-skipping)', function () {
  this.timeout(300_000);
  const testEnv = useTimeSkippingEnv();
  let taskQueue: string;
  let chain: StubChain;
  let ADMIN: string;
  let testNumber = 0;

  beforeEach(function () {
    testNumber++;
    taskQueue = `reconcile-${testNumber}-${Date.now()}`;
    ADMIN = `0x${testNumber.toString(16).padStart(4, '0')}${'a'.repeat(36)}`;
    chain = new StubChain();
    chain.now = () => testEnv().currentTimeMs();
    // At its limit once its validators are added (100 %, no ETH left): the monitor plans neither creation nor exit.
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 10000,
      operatorCluster: 1,
      balanceWei: 0n,
      validatorCount: 0n,
    });
  });

  function withWorker<T>(fn: (env: TestWorkflowEnvironment) => Promise<T>): Promise<T> {
    return withTestWorker(
      testEnv().address,
      {
        taskQueue,
        activities: stubActivities(chain, testEnv().client, taskQueue, `${taskQueue}-registrar`),
      },
      () => fn(testEnv()),
    );
  }

  function startMonitor(
    env: TestWorkflowEnvironment,
    input: Partial<RollupMonitorInput> = {},
  ): Promise<WorkflowHandle<typeof rollupMonitorWorkflow>> {
    return env.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue,
      workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
      args: [
        {
          rollupAdmin: asRollupAdmin(ADMIN),
          keyPath: 'mnemonic',
          pollInterval: '10 minutes',
          reconcileEveryPolls: 3,
          ...input,
        },
      ],
    });
  }

  /** n validators staked with all of the bridge's ETH. */
  function addValidators(n: number, tag: string): string[] {
    chain.rollup(ADMIN).balanceWei += BigInt(n) * 32n * ETH;
    return chain.addActiveValidators(ADMIN, n, tag);
  }

  /** A key the chain shows deposited (Nexus DEPOSITED) that no workflow remembers. */
  function depositedUnregistered(tag: string, keyIndex: number): string {
    const [pubkey] = addValidators(1, tag);
    chain.statuses.set(pubkey, 'DEPOSITED');
    chain.keyOrigin.set(pubkey, { kind: 'mnemonic', keyIndex });
    return pubkey;
  }

  it('a deposited key without keyshares that the monitor did not know is registered once, and the status says what differed', async () => {
    const lost = depositedUnregistered('lost', 7);
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitForMonitor(
        env,
        handle,
        (st) => chain.registrations.length > 0 && st.unregisteredKeys === 0,
        'the lost key to be registered',
        '1 minute',
      );
      assert.deepEqual(
        chain.registrations.map((r) => r.pubkey),
        [lost],
      );
      assert.equal(chain.statuses.get(lost), 'SHARE_DEPOSITED');
      assert.match(
        s.reconciliation?.differences.join('\n') ?? '',
        /1 deposited key\(s\) without keyshares that the monitor did not know/,
      );
      assert.match(s.reconciliation?.actions.join('\n') ?? '', /1 mnemonic key\(s\) queued for keyshares registration/);
      // Later reconciliations find the chain and memory alike, and register nothing again.
      const before = chain.reconciliations.length;
      for (let i = 0; i < 4; i++) {
        await handle.signal(wakeSignal, { reason: 'test' });
        await env.sleep('1 minute');
      }
      const later = await waitForMonitor(
        env,
        handle,
        () => chain.reconciliations.length > before,
        'another reconciliation',
        '10 minutes',
      );
      assert.deepEqual(later.reconciliation?.differences, []);
      assert.equal(chain.registrations.length, 1, 'a key was registered twice');
      await stopMonitor(env, handle);
    });
  });

  it('a deposited key with no known origin is reported for an operator, never registered', async () => {
    const [stray] = addValidators(1, 'stray');
    chain.statuses.set(stray, 'DEPOSITED');
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitForMonitor(
        env,
        handle,
        (st) => (st.reconciliation?.attention.length ?? 0) > 0,
        'the key to be reported',
        '1 minute',
      );
      assert.equal(s.reconciliation?.attention[0].pubkey, stray);
      assert.match(
        s.reconciliation?.attention[0].reason ?? '',
        /neither in the index state nor in the ceremony archive/,
      );
      assert.deepEqual(chain.registrations, []);
      await stopMonitor(env, handle);
    });
  });

  it('a deposited DKG key whose archived keyshares are signed for the next owner nonce is registered from the archive', async () => {
    const [dkg] = addValidators(1, 'dkg');
    chain.statuses.set(dkg, 'DEPOSITED');
    chain.keyOrigin.set(dkg, { kind: 'dkg', requestId: 'ceremony-r1', ownerNonce: 0, ceremonyState: 'deposited' });
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitForMonitor(
        env,
        handle,
        (st) => chain.registrations.length > 0 && st.reconciliation !== undefined,
        'the key to be registered',
        '1 minute',
      );
      assert.deepEqual(
        chain.registrations.map((r) => [r.pubkey, r.nonce]),
        [[dkg, 0]],
      );
      assert.match(
        s.reconciliation?.actions.join('\n') ?? '',
        /1 DKG key\(s\) registered from their archived keyshares \(owner nonces 0\.\.\)/,
      );
      assert.deepEqual(s.reconciliation?.attention, []);
      await stopMonitor(env, handle);
    });
  });

  it('a deposited DKG key whose archived keyshares are for a passed owner nonce is reported for a resign, and the reserved nonces are given back', async () => {
    const [dkg] = addValidators(1, 'dkg-stale');
    chain.statuses.set(dkg, 'DEPOSITED');
    chain.keyOrigin.set(dkg, { kind: 'dkg', requestId: 'ceremony-r2', ownerNonce: 0, ceremonyState: 'deposited' });
    chain.ownerNonce = 3; // three registrations landed since its ceremony
    const lost = depositedUnregistered('after-stale', 5);
    await withWorker(async (env) => {
      const handle = await startMonitor(env);
      const s = await waitForMonitor(
        env,
        handle,
        (st) => (st.reconciliation?.attention.length ?? 0) > 0 && chain.registrations.length > 0,
        'the report and the mnemonic key registered',
        '1 minute',
      );
      assert.equal(s.reconciliation?.attention[0].pubkey, dkg);
      assert.match(
        s.reconciliation?.attention[0].reason ?? '',
        /the next owner nonce is 3: they can never be registered, the key needs a resign/,
      );
      // The reservation was given back: the mnemonic key registers right after, at nonce 3.
      assert.deepEqual(
        chain.registrations.map((r) => [r.pubkey, r.nonce]),
        [[lost, 3]],
      );
      assert.equal(chain.statuses.get(dkg), 'DEPOSITED');
      await stopMonitor(env, handle);
    });
  });

  it('an exit-submitted validator no batch follows is followed and accounted; its exit, never seen on the beacon chain, is broadcast after the configured epochs and never resubmitted to Nexus', async () => {
    const [left] = addValidators(2, 'exit');
    chain.statuses.set(left, 'VALIDATOR_EXIT_SUBMITTED'); // Nexus was told; the beacon chain never saw the exit
    chain.keyOrigin.set(left, { kind: 'mnemonic', keyIndex: 0 });
    await withWorker(async (env) => {
      // A long poll interval: days of skipped time, looked at only when woken or told (as exits.test.ts).
      const handle = await startMonitor(env, {
        pollInterval: '6 hours',
        rebroadcastAfterEpochs: 3,
        exitPollInterval: { min: '1 minute', max: '1 hour' },
      });
      const following = await waitForMonitor(
        env,
        handle,
        (st) => st.exitsInFlight.length === 1,
        'a batch to follow the key',
        '10 seconds',
      );
      assert.match(
        following.reconciliation?.differences.join('\n') ?? '',
        /1 exit-submitted validator\(s\) that no exit batch follows/,
      );
      const batch = await env.client.workflow.getHandle(following.exitsInFlight[0].workflowId).query(exitStatusQuery);
      assert.deepEqual(
        batch.pending.map((p) => p.pubkey),
        [left],
      );
      assert.deepEqual(chain.exitBroadcasts, [], 'a follow-only batch broadcast at once');
      const startEpoch = await chain.currentEpoch();
      await waitForMonitor(
        env,
        handle,
        () => chain.exitBroadcasts.length > 0,
        'the exit to be broadcast again',
        '5 minutes',
        60,
      );
      assert.ok((await chain.currentEpoch()) - startEpoch >= 3, 'broadcast again before the configured epochs');
      const done = await waitForMonitor(
        env,
        handle,
        (st) => st.validatorsExited === 1 && st.exitsInFlight.length === 0,
        'the exit to be accounted',
        '6 hours',
        40,
      );
      assert.equal(done.validatorsExited, 1);
      assert.deepEqual(chain.exitBroadcasts, [left], 'broadcast more than once');
      assert.deepEqual(chain.nexusExitCalls, [], 'Nexus.validatorExit called again for a submitted key');
      assert.deepEqual(chain.transferredCalls, [left]);
      await stopMonitor(env, handle);
    });
  });

  it('an exit dropped from the pool after its broadcast is broadcast again after the configured epochs, signed for the same epoch (the same message)', async () => {
    chain.nexusVersion = 'v2024-03'; // validatorExit records the status only: the bot's broadcast is the only one
    const keys = addValidators(4, 'drop');
    for (const k of keys) chain.keyIndexed.add(k);
    chain.rollup(ADMIN).stakingLimitBps = 7000;
    const dropped = keys[0];
    chain.dropNextExitOf.add(dropped);
    await withWorker(async (env) => {
      const handle = await startMonitor(env, {
        pollInterval: '6 hours',
        rebroadcastAfterEpochs: 3,
        exitPollInterval: { min: '1 minute', max: '1 hour' },
      });
      await waitForMonitor(
        env,
        handle,
        () => chain.exitBroadcasts.filter((k) => k === dropped).length === 2,
        'the dropped exit to be broadcast again',
        '5 minutes',
        60,
      );
      assert.equal(chain.signedEpochs.length, 2);
      assert.equal(
        chain.signedEpochs[1],
        chain.signedEpochs[0],
        'the re-broadcast signed another message (another epoch)',
      );
      // The limit needs two exits (4 → 2 validators): the other one was never dropped.
      const done = await waitForMonitor(
        env,
        handle,
        (st) => st.validatorsExited === 2 && st.exitsInFlight.length === 0,
        'the exits to be accounted',
        '6 hours',
        40,
      );
      assert.equal(done.validatorsExited, 2);
      assert.deepEqual(chain.nexusExitCalls.flat().sort(), keys.slice(0, 2).sort(), 'Nexus told more than once');
      assert.deepEqual([...chain.transferredCalls].sort(), keys.slice(0, 2).sort());
      assert.equal(chain.exitBroadcasts.length, 3, 'two broadcasts, and the dropped one once again');
      await stopMonitor(env, handle);
    });
  });

  it('an exit batch of an earlier monitor run that still runs is adopted, not doubled, and its report is counted', async () => {
    const [left] = addValidators(1, 'adopt');
    chain.statuses.set(left, 'VALIDATOR_EXIT_SUBMITTED');
    await chain.exitOutsideTheBot(left);
    const monitorId = `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`;
    const earlierId = `exit-validators/earlier-${taskQueue}/1`;
    await withWorker(async (env) => {
      // Started by the monitor's earlier run (stopped since): it reports to the monitor's workflow id.
      await env.client.workflow.start(exitValidatorsWorkflow, {
        taskQueue,
        workflowId: earlierId,
        args: [
          {
            rollupAdmin: ADMIN,
            keyPath: 'mnemonic',
            validators: [{ pubkey: left, validatorIndex: 0 }],
            reportTo: monitorId,
            followOnly: true,
            minPollInterval: '1 hour',
          },
        ],
      });
      chain.runningExitBatches = [{ workflowId: earlierId, pubkeys: [left], phase: 'following' }];
      const handle = await startMonitor(env, { pollInterval: '6 hours' });
      const s = await waitForMonitor(
        env,
        handle,
        (st) => st.reconciliation !== undefined,
        'a reconciliation',
        '10 seconds',
      );
      assert.deepEqual(
        s.exitsInFlight.map((e) => e.workflowId),
        [earlierId],
      );
      assert.match(s.reconciliation?.actions.join('\n') ?? '', /adopted exit batch/);
      assert.doesNotMatch(s.reconciliation?.differences.join('\n') ?? '', /no exit batch follows/);
      chain.runningExitBatches = [];
      const done = await waitForMonitor(
        env,
        handle,
        (st) => st.validatorsExited === 1 && st.exitsInFlight.length === 0,
        'the adopted batch to report',
        '6 hours',
        40,
      );
      assert.equal(done.validatorsExited, 1);
      assert.deepEqual(chain.transferredCalls, [left], 'accounted twice, or not at all');
      await stopMonitor(env, handle);
    });
  });
});
