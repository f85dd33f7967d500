// Malformed payloads on the internal signals (time-skipping, activities replaced by the in-memory
// chain). Anyone with access to the namespace can send any signal; a handler that threw on a bad
// payload would fail the workflow task on every retry and wedge the workflow for good. Each bad
// payload is dropped with an ERROR log line, and the monitor, the creation batch and the registrar
// go on to create exactly the validators the bridge allows.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import {
  exitReportSignal,
  monitorStatusQuery,
  registrationRequestSignal,
  registrationResultSignal,
  stepStateSignal,
} from '../../protocol/messages';
import {
  exitReportProblem,
  registrationRequestProblem,
  registrationResultProblem,
  stepStateProblem,
} from '../../workflows/message-checks';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { stopMonitor, waitForMonitor } from '../harness/monitor-wait';
import { logListeners, type LoggedLine } from '../harness/quiet-runtime';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;
const ADMIN = `0xbad5${'c'.repeat(36)}`;

/** Payloads the handlers must drop: not objects, wrong field types, unknown kinds. */
const BAD = {
  stepState: [
    null,
    42,
    'creating',
    { workflowId: 7, phase: 'x' },
    { workflowId: 'w', phase: 'x', hold: { state: 'asleep', step: 's' } },
  ],
  registrationResult: [
    null,
    [],
    { requestId: 'r', kind: 'registered', registered: 'all of them' },
    { requestId: 'r', kind: 'granted', firstNonce: -1 },
    { requestId: 'r', kind: 'teleported' },
    { requestId: 'r', kind: 'failed', registered: [] },
  ],
  exitReport: [
    null,
    { workflowId: 'w', exited: 'none', rejected: [] },
    { workflowId: 'w', exited: [], rejected: [{ pubkey: 1 }] },
    { exited: [], rejected: [] },
  ],
  registrationRequest: [
    null,
    { requestId: 'r', requester: 'w', kind: 'mnemonic', keys: [{ pubkey: '0x1', keyIndex: -3 }] },
    { requestId: '', requester: 'w', kind: 'dkg-abandon' },
  ],
};

describe('workflows: malformed internal signals are dropped, nothing wedges (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();

  it('every check names what is wrong with each bad payload, and passes the good ones', () => {
    for (const p of BAD.stepState) assert.ok(stepStateProblem(p), `stepState ${JSON.stringify(p)} passed`);
    for (const p of BAD.registrationResult)
      assert.ok(registrationResultProblem(p), `registrationResult ${JSON.stringify(p)} passed`);
    for (const p of BAD.exitReport) assert.ok(exitReportProblem(p), `exitReport ${JSON.stringify(p)} passed`);
    for (const p of BAD.registrationRequest)
      assert.ok(registrationRequestProblem(p), `registrationRequest ${JSON.stringify(p)} passed`);
    assert.equal(
      stepStateProblem({
        workflowId: 'w',
        phase: 'depositing',
        hold: { state: 'held', step: 'before the deposit', since: 'now' },
      }),
      undefined,
    );
    assert.equal(
      registrationResultProblem({
        requestId: 'r',
        kind: 'registered',
        registered: [{ pubkey: '0xab', ownerNonce: 3 }],
      }),
      undefined,
    );
    // A retry that finds its key registered already answers -1 (the crash tests' restarts do).
    assert.equal(
      registrationResultProblem({
        requestId: 'r',
        kind: 'registered',
        registered: [
          { pubkey: '0xab', ownerNonce: -1 },
          { pubkey: '0xcd', ownerNonce: 4 },
        ],
      }),
      undefined,
    );
    assert.ok(
      registrationResultProblem({
        requestId: 'r',
        kind: 'registered',
        registered: [{ pubkey: '0xab', ownerNonce: -2 }],
      }),
    );
    assert.equal(
      registrationResultProblem({ requestId: 'r', kind: 'failed', reason: 'reverted', registered: [] }),
      undefined,
    );
    assert.equal(
      exitReportProblem({ workflowId: 'w', exited: ['0xab'], rejected: [{ pubkey: '0xcd', reason: 'no' }] }),
      undefined,
    );
    assert.match(exitReportProblem({ workflowId: 'w', exited: 'none', rejected: [] }) ?? '', /exited/);
    assert.match(registrationResultProblem({ requestId: 'r', kind: 'teleported' }) ?? '', /unknown kind "teleported"/);
    // A mnemonic request's rollup admin is checked as an address (protocol/identifiers.ts), its value not echoed.
    const mnemonicRequest = {
      requestId: 'r',
      requester: 'w',
      kind: 'mnemonic',
      keys: [{ pubkey: '0xab', keyIndex: 0 }],
    };
    assert.equal(registrationRequestProblem({ ...mnemonicRequest, rollupAdmin: `0x${'Ab'.repeat(20)}` }), undefined);
    assert.equal(
      registrationRequestProblem({ ...mnemonicRequest, rollupAdmin: '0x1234' }),
      'rollupAdmin must be an address (0x and 40 hex digits)',
    );
    assert.equal(registrationRequestProblem({ ...mnemonicRequest }), 'rollupAdmin must be an address string');
  });

  it('bad payloads to the monitor, its creation batch and the registrar: all dropped, the rollup gets exactly its validators', async () => {
    const taskQueue = `bad-signals-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: asBasisPoints(2000),
      operatorCluster: 1,
      balanceWei: 640n * ETH,
      validatorCount: 0n,
    });
    const expected = Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: 640n * ETH,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(2000),
      }),
    );
    const keyMaterial = chain.latch('prepareMnemonicValidators');
    const dropped: LoggedLine[] = [];
    const listen = (line: LoggedLine) => {
      if (/ signal dropped: /.test(line.message)) dropped.push(line);
    };
    logListeners.add(listen);
    await withTestWorker(
      testEnv().address,
      { taskQueue, activities: stubActivities(chain, testEnv().client, taskQueue, registrarWorkflowId) },
      async () => {
        const env: TestWorkflowEnvironment = testEnv();
        const handle: WorkflowHandle = await env.client.workflow.start(rollupMonitorWorkflow, {
          taskQueue,
          workflowId: `${monitorWorkflowId(asRollupAdmin(ADMIN))}-${taskQueue}`,
          args: [{ rollupAdmin: asRollupAdmin(ADMIN), keyPath: 'mnemonic', pollInterval: '1 minute', maxBatch: 2 }],
        });
        try {
          // The first batch stands in its key material: monitor and batch are both running.
          await keyMaterial.reached;
          const creation = env.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(ADMIN)));
          for (const p of BAD.stepState) await handle.signal(stepStateSignal, p as never);
          for (const p of BAD.registrationResult) {
            await handle.signal(registrationResultSignal, p as never);
            await creation.signal(registrationResultSignal, p as never);
          }
          for (const p of BAD.exitReport) await handle.signal(exitReportSignal, p as never);
          for (const p of BAD.registrationRequest)
            await env.client.workflow
              .getHandle(registrarWorkflowId)
              .signal(registrationRequestSignal, p as never)
              .catch(() => undefined);
          keyMaterial.release();

          const status = await waitForMonitor(
            env,
            handle,
            (s) => s.validatorsCreated === expected && s.phase === 'idle',
            `${expected} validators`,
            '20 seconds',
            60,
          );
          assert.equal(status.lastError, undefined);
          assert.deepEqual(status.exitsInFlight, []);
          assert.equal(chain.rollup(ADMIN).validatorCount, BigInt(expected));
          assert.equal(new Set(chain.depositBatches.flat()).size, expected, 'a key was deposited twice');
          assert.equal((await handle.query(monitorStatusQuery)).unregisteredKeys, 0);
          // One ERROR line per bad payload, naming the signal and the problem (the registrar may not run yet: not counted).
          const to = (workflowId: string, signal: string) =>
            dropped.filter((l) => l.meta?.workflowId === workflowId && l.message.startsWith(`${signal} signal dropped`))
              .length;
          assert.equal(to(handle.workflowId, 'stepState'), BAD.stepState.length);
          assert.equal(to(handle.workflowId, 'registrationResult'), BAD.registrationResult.length);
          assert.equal(to(handle.workflowId, 'exitReport'), BAD.exitReport.length);
          assert.equal(
            to(creationWorkflowId(asRollupAdmin(ADMIN)), 'registrationResult'),
            BAD.registrationResult.length,
          );
          assert.ok(dropped.every((l) => l.level === 'ERROR'));
          await stopMonitor(env, handle, '20 seconds', 60);
        } finally {
          logListeners.delete(listen);
          keyMaterial.release();
          await env.client.workflow
            .getHandle(registrarWorkflowId)
            .terminate('test over')
            .catch(() => undefined);
        }
      },
    );
  });
});
