// The SSV registrar's history stays bounded under load (time-skipping, activities replaced by the
// in-memory chain): it continues as new when due even while requests keep waiting, carrying them
// over, instead of only once its queue runs dry (with several rollups creating, it never would,
// and Temporal would terminate it at its event limit with the queued requests in it). It hands each
// registration the next owner nonce it knows unused, so that a lagging read is never signed for.
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import { registrarStatusQuery, registrationRequestSignal } from '../../protocol/messages';
import type { DkgReservationRequest, MnemonicRegistrationRequest } from '../../protocol/registrar-types';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { logListeners, type LoggedLine } from '../harness/quiet-runtime';
import { ssvRegistrarWorkflow, type RegistrarInput } from '../../workflows/ssv-registrar';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';

const REQUESTS = 40;
const CONTINUE_AFTER = 3;
const ADMIN = `0x7e91${'d'.repeat(36)}`;
const pubkey = (i: number) => `0x${i.toString(16).padStart(4, '0')}${'ab'.repeat(46)}`;

describe('workflows: the SSV registrar under load (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();

  it(`continues as new every ${CONTINUE_AFTER} registrations with ${REQUESTS} waiting, carrying the queue and the owner-nonce floor: each key registered once, in request order`, async () => {
    const env = testEnv();
    const taskQueue = `registrar-load-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    for (let i = 0; i < REQUESTS; i++) chain.statuses.set(pubkey(i), 'DEPOSITED');
    const request = (i: number): MnemonicRegistrationRequest => ({
      kind: 'mnemonic',
      requestId: `req-${i}`,
      requester: `${taskQueue}-gone-${i}`,
      rollupAdmin: ADMIN,
      operatorCluster: 1,
      keys: [{ pubkey: pubkey(i), keyIndex: i }],
    });
    // Every request is waiting before a worker polls: the first run sees all of them queued.
    const first = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
      taskQueue,
      workflowId: registrarWorkflowId,
      args: [{ continueAsNewAfter: CONTINUE_AFTER }],
      signal: registrationRequestSignal,
      signalArgs: [request(0)],
    });
    for (let i = 1; i < REQUESTS; i++) await first.signal(registrationRequestSignal, request(i));

    // What floor each registration was given: the registrar's next unused nonce, carried over continue-as-new.
    const activities = stubActivities(chain, env.client, taskQueue, registrarWorkflowId);
    const floors: (number | undefined)[] = [];
    const register = activities.registerMnemonicKeyshares;
    activities.registerMnemonicKeyshares = (input) => {
      floors.push(input.minOwnerNonce);
      return register(input);
    };
    await withTestWorker(env.address, { taskQueue, activities }, async () => {
      const deadline = Date.now() + 120_000;
      while (chain.registrations.length < REQUESTS) {
        if (Date.now() > deadline) assert.fail(`${chain.registrations.length} of ${REQUESTS} registered`);
        await env.sleep('1 second');
      }
    });
    await env.client.workflow
      .getHandle(registrarWorkflowId)
      .terminate('test over')
      .catch(() => undefined);

    assert.deepEqual(
      chain.registrations.map((r) => r.pubkey),
      Array.from({ length: REQUESTS }, (_, i) => pubkey(i)),
      'not each key once, in request order',
    );
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: REQUESTS }, (_, i) => i),
    );
    assert.deepEqual(
      floors,
      [undefined, ...Array.from({ length: REQUESTS - 1 }, (_, i) => i + 1)],
      'the owner-nonce floor was not kept (or not carried)',
    );
    // The first run continued as new after its third registration, with the other requests carried.
    const history = await env.client.workflow.getHandle(registrarWorkflowId, first.signaledRunId).fetchHistory();
    const continued = history.events?.find(
      (e) => e.workflowExecutionContinuedAsNewEventAttributes,
    )?.workflowExecutionContinuedAsNewEventAttributes;
    assert.ok(continued, 'the first run never continued as new');
    const carried = defaultPayloadConverter.fromPayload<RegistrarInput>(continued.input?.payloads?.[0] ?? {});
    assert.equal(carried.processed, CONTINUE_AFTER);
    assert.equal(
      carried.queue?.length,
      REQUESTS - CONTINUE_AFTER,
      'the queue was not carried (or the run waited for it to run dry)',
    );
    assert.equal(carried.nonceFloor, CONTINUE_AFTER);
  });

  it('reports a request that waits too long behind a reservation: one WARN naming it and what blocks it, and its arrival in the status', async () => {
    const env = testEnv();
    const taskQueue = `registrar-wait-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    chain.statuses.set(pubkey(0), 'DEPOSITED');
    const warnings: LoggedLine[] = [];
    const listen = (line: LoggedLine) => {
      if (line.meta?.workflowId === registrarWorkflowId && /waited too long/.test(line.message)) warnings.push(line);
    };
    logListeners.add(listen);
    try {
      await withTestWorker(
        env.address,
        { taskQueue, activities: stubActivities(chain, env.client, taskQueue, registrarWorkflowId) },
        async () => {
          // A ceremony that holds its reservation: its creation (here a workflow that just waits) keeps running.
          const holder = await env.client.workflow.start(selfCheckWorkflow, {
            taskQueue,
            workflowId: `${taskQueue}-holder`,
            args: [{ wait: '3 hours' }],
          });
          const reserve: DkgReservationRequest = {
            kind: 'dkg-reserve',
            requestId: 'ceremony-1',
            requester: holder.workflowId,
            rollupAdmin: ADMIN,
            count: 2,
          };
          const registrar = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
            taskQueue,
            workflowId: registrarWorkflowId,
            args: [{ requestWaitWarning: '30 minutes' }],
            signal: registrationRequestSignal,
            signalArgs: [reserve],
          });
          await registrar.signal(registrationRequestSignal, {
            kind: 'mnemonic',
            requestId: 'waiting-1',
            requester: `${taskQueue}-gone`,
            rollupAdmin: ADMIN,
            operatorCluster: 1,
            keys: [{ pubkey: pubkey(0), keyIndex: 0 }],
          });
          await env.sleep('10 minutes');
          assert.equal(warnings.length, 0, 'warned before the warning time');
          const status = await registrar.query(registrarStatusQuery);
          assert.equal(status.reservation?.requestId, 'ceremony-1');
          assert.deepEqual(
            status.queue.map((q) => q.requestId),
            ['waiting-1'],
          );
          assert.ok(
            status.queue[0].queuedAt && Date.parse(status.queue[0].queuedAt) > 0,
            'no arrival time in the status',
          );
          await env.sleep('40 minutes');
          await env.sleep('20 minutes');
          assert.equal(warnings.length, 1, `expected one warning, got ${warnings.length}`);
          assert.equal(warnings[0].meta?.requestId, 'waiting-1');
          assert.match(String(warnings[0].meta?.blockedBy), /DKG reservation of ceremony-1/);
          assert.equal(chain.registrations.length, 0, 'registered behind a held reservation');
          await registrar.terminate('test over');
          await holder.terminate('test over');
        },
      );
    } finally {
      logListeners.delete(listen);
    }
  });
});
