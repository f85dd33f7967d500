// The SSV registrar carries a long queue through continue-as-new within Temporal's payload limits.
// Carried whole, 10,000 realistic requests are megabytes of workflow input (the server refuses a
// payload over 2 MB, warns over 512 KB): measured here, and sliced as the registrar spills them.
// End to end (time-skipping, activities replaced by the in-memory chain), a smaller queue on a small
// budget takes the same paths: kept behind a DKG reservation across several continue-as-new runs,
// spilled into queue-segment workflows (workflows/registrar-queue.ts) and fetched back, with later
// arrivals after the spill. Every request must be served exactly once, in order.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { KeysharesPayload } from '../../activities/types';
import { registrarStatusQuery, registrationRequestSignal } from '../../protocol/messages';
import type { RegistrationRequest } from '../../protocol/registrar-types';
import { CARRY_BUDGET_BYTES, sliceByBudget } from '../../workflows/registrar-queue';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { ssvRegistrarWorkflow, type RegistrarInput } from '../../workflows/ssv-registrar';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';

/** The scale of the carry: realistic messages whose size is measured and sliced. */
const MEASURED = 10_000;
/** Arriving after the first spill. */
const LATE = 200;
/**
 * End to end, one DKG ceremony (reservation, then keyshares once granted) in this many messages,
 * and one mnemonic registration in MNEMONIC_EVERY; the rest are ceremonies given up (dkg-abandon),
 * served without a transaction: each registration costs the worker several workflow tasks.
 */
const CEREMONY_EVERY = 1_000;
const MNEMONIC_EVERY = 40;
/** Runs end this long (the server suggests 4,096 events): several continue-as-new while the queue is full. */
const HISTORY_LENGTH = 2_000;
const SIGNALS_IN_FLIGHT = 32;
/** The longest any one call to the server may take in the end-to-end test. */
const RPC_DEADLINE_MS = 60_000;
/**
 * Of every 20 messages: a DKG ceremony's reservation and keyshares, one mnemonic request, and 17
 * ceremonies given up (dkg-abandon, served without a transaction).
 */
const CYCLE = 20;
const ADMIN = `0x7e91${'e'.repeat(36)}`;
const OPERATORS = [1, 2, 3, 4];

const pubkey = (i: number) => `0x${i.toString(16).padStart(8, '0')}${randomBytes(44).toString('hex')}`;

/**
 * Realistic messages (ids as creation workflows make them, DKG keyshares of 4 operators: 96 + 304·4
 * bytes), all answered to `requester`; `keys` are the keys they register, in nonce order.
 */
function makeRequests(
  count: number,
  firstNonce: number,
  tag: string,
  requester: string,
): { requests: RegistrationRequest[]; keys: string[] } {
  const requests: RegistrationRequest[] = [];
  const keys: string[] = [];
  for (let i = 0; requests.length < count; i++) {
    const requestId = `create-validators/0x${randomBytes(20).toString('hex')}/01938c2e-7f7a-7a3b-9d2e-${tag}${String(i).padStart(12 - tag.length, '0')}`;
    const nonce = firstNonce + keys.length;
    const slot = i % (CYCLE - 1);
    if (slot === 0 && requests.length + 2 <= count) {
      const key = pubkey(nonce);
      keys.push(key);
      const keyshares: KeysharesPayload = {
        publicKey: key,
        operatorIds: OPERATORS,
        sharesData: `0x${randomBytes(96 + 304 * OPERATORS.length).toString('hex')}`,
        ownerNonce: nonce,
      };
      requests.push({ kind: 'dkg-reserve', requestId, requester, rollupAdmin: ADMIN, count: 1 });
      requests.push({ kind: 'dkg-register', requestId, requester, rollupAdmin: ADMIN, keyshares: [keyshares] });
    } else if (slot === 1) {
      const key = pubkey(nonce);
      keys.push(key);
      requests.push({
        kind: 'mnemonic',
        requestId,
        requester,
        rollupAdmin: ADMIN,
        operatorCluster: 1,
        keys: [{ pubkey: key, keyIndex: nonce }],
      });
    } else {
      requests.push({
        kind: 'dkg-abandon',
        requestId,
        requester,
        reason: 'ssv-dkg ceremony failed: operator 3 did not answer (simulated)',
      });
    }
  }
  return { requests, keys };
}

/**
 * The end-to-end queue: mnemonic registrations of one key, DKG reservations whose keyshares, as a
 * ceremony's, are sent only once granted (signed for the nonce granted), and given-up ceremonies.
 * `keyOf` gives each request's key.
 */
function makeQueue(
  count: number,
  tag: string,
  requester: string,
): { requests: RegistrationRequest[]; keyOf: Map<string, string> } {
  const requests: RegistrationRequest[] = [];
  const keyOf = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const requestId = `create-validators/0x${randomBytes(20).toString('hex')}/01938c2e-7f7a-7a3b-9d2e-${tag}${String(i).padStart(12 - tag.length, '0')}`;
    if (i % CEREMONY_EVERY === 0) {
      keyOf.set(requestId, pubkey(i));
      requests.push({ kind: 'dkg-reserve', requestId, requester, rollupAdmin: ADMIN, count: 1 });
    } else if (i % MNEMONIC_EVERY === 1) {
      const key = pubkey(i);
      keyOf.set(requestId, key);
      requests.push({
        kind: 'mnemonic',
        requestId,
        requester,
        rollupAdmin: ADMIN,
        operatorCluster: 1,
        keys: [{ pubkey: key, keyIndex: i }],
      });
    } else {
      requests.push({
        kind: 'dkg-abandon',
        requestId,
        requester,
        reason: 'ssv-dkg ceremony failed: operator 3 did not answer (simulated)',
      });
    }
  }
  return { requests, keyOf };
}

/** The keyshares a ceremony makes once its reservation is granted. */
const keysharesFor = (publicKey: string, ownerNonce: number): KeysharesPayload => ({
  publicKey,
  operatorIds: OPERATORS,
  sharesData: `0x${randomBytes(96 + 304 * OPERATORS.length).toString('hex')}`,
  ownerNonce,
});

/**
 * A run's events. A run that received thousands of signals is larger than one gRPC message may be
 * by default (4 MB), and the test server sends it whole: read through a connection that takes more.
 */
async function historyEvents(
  address: string,
  workflowId: string,
  runId: string,
): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const connection = await Connection.connect({
    address,
    channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
  });
  try {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId, runId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return events;
  } finally {
    await connection.close();
  }
}

const payloadBytes = (payloads?: temporal.api.common.v1.IPayloads | null) =>
  (payloads?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0);

describe('workflows: the SSV registrar carries 10,000 queued requests through continue-as-new (time-skipping)', function () {
  this.timeout(600_000);
  const testEnv = useTimeSkippingEnv();

  it(`${MEASURED} realistic requests: megabytes carried whole; spilled in order into slices of at most 256 KB, none split or lost`, () => {
    const mixed = makeRequests(MEASURED, 0, 'm', 'create-validators/0x7e91').requests;
    const bytes = (requests: RegistrationRequest[]) =>
      defaultPayloadConverter.toPayload({ queue: requests })?.data?.length ?? 0;
    const mnemonicOnly = mixed.filter((r) => r.kind === 'mnemonic');
    const dkgOnly = mixed.filter((r) => r.kind === 'dkg-register');
    const scale = (n: number, of: RegistrationRequest[]) => (bytes(of) * MEASURED) / of.length / n;
    console.log(
      `      whole, for ${MEASURED}: mixed ${(bytes(mixed) / 1e6).toFixed(2)} MB, all mnemonic (1 key) ${scale(1e6, mnemonicOnly).toFixed(2)} MB, ` +
        `all DKG keyshares (1 validator, 4 operators) ${scale(1e6, dkgOnly).toFixed(2)} MB; the server refuses 2 MB, warns at 512 KB`,
    );
    assert.ok(bytes(mixed) > 2 * 1024 * 1024, 'the queue would fit whole');

    const slices = sliceByBudget(mixed, CARRY_BUDGET_BYTES);
    const largest = Math.max(...mixed.map((r) => JSON.stringify(r).length));
    for (const slice of slices)
      assert.ok(bytes(slice) < CARRY_BUDGET_BYTES + 2 * largest, `a slice of ${bytes(slice)} bytes`);
    assert.deepEqual(slices.flat(), mixed, 'slicing lost, repeated or reordered a request');
    for (let i = 1; i < slices.length; i++) {
      assert.notEqual(
        slices[i][0].requestId,
        slices[i - 1].at(-1)?.requestId,
        "a ceremony's reservation and keyshares were split",
      );
    }
    console.log(
      `      spilled: ${slices.length} segments, the largest ${(Math.max(...slices.map(bytes)) / 1024).toFixed(0)} KB`,
    );
  });

  it(`${MEASURED} requests queued behind a DKG reservation, ${LATE} more after the spill: each served once, in arrival order, every payload within the budget`, async () => {
    const env = testEnv();
    const taskQueue = `registrar-carry-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    // The creation every message names as its requester: a workflow that waits, so that answers
    // reach it and its reservations stand (the registrar checks that their holder still runs).
    const requester = `${taskQueue}-creation`;
    const opening = makeQueue(1, 'c', requester);
    const queued = makeQueue(MEASURED, 'q', requester);
    const late = makeQueue(LATE, 'l', requester);
    const all = [...opening.requests, ...queued.requests, ...late.requests];
    const keyOf = new Map([...opening.keyOf, ...queued.keyOf, ...late.keyOf]);
    for (const key of keyOf.values()) chain.statuses.set(key, 'DEPOSITED');
    const wholeQueueBytes = defaultPayloadConverter.toPayload({ queue: queued.requests })?.data?.length ?? 0;
    const handle = env.client.workflow.getHandle(registrarWorkflowId);
    // Every call to the server has a deadline: a call that never answers fails the test naming it,
    // instead of hanging it until mocha's timeout (seen once in a full run, idle, not reproduced).
    const bounded = <T>(call: () => Promise<T>) =>
      env.client.connection.withDeadline(Date.now() + RPC_DEADLINE_MS, call);
    const status = () => bounded(() => handle.query(registrarStatusQuery));
    const wait = async (what: string, done: () => Promise<boolean>) => {
      const deadline = Date.now() + 480_000;
      let lastError = '';
      for (;;) {
        // A query that timed out is asked again (it changes nothing); its error is named if the wait fails.
        const reached = await done().catch((err: unknown) => {
          lastError = String(err);
          return false;
        });
        if (reached) return;
        if (Date.now() > deadline)
          assert.fail(
            `${what}: ${chain.registrations.length} of ${keyOf.size} keys registered${lastError ? `; last error: ${lastError}` : ''}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    // Many signals in flight at once, as many creations would send them: the registrar serves
    // them in the order they arrived, which its histories record (read below).
    const signalAll = async (requests: RegistrationRequest[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: SIGNALS_IN_FLIGHT }, async () => {
          while (next < requests.length) {
            const request = requests[next++];
            // Not sent again on a deadline: a signal that did land would then be served twice.
            await bounded(() => handle.signal(registrationRequestSignal, request)).catch((err: unknown) => {
              throw new Error(
                `the signal of request ${request.requestId} got no answer within ${RPC_DEADLINE_MS / 1000} s: ${String(err)}`,
              );
            });
          }
        }),
      );
    };
    // The ceremonies' side: each sends its keyshares once its reservation is granted (and only
    // after `ceremoniesMayFinish`: the opening one holds the sequence while the queue fills).
    let ceremoniesMayFinish = false;
    let done = false;
    const finished = new Set<string>();
    const runCeremonies = async () => {
      while (!done) {
        try {
          const held = ceremoniesMayFinish ? (await status()).reservation : undefined;
          const key = held && keyOf.get(held.requestId);
          if (held && key && !finished.has(held.requestId)) {
            await bounded(() =>
              handle.signal(registrationRequestSignal, {
                kind: 'dkg-register',
                requestId: held.requestId,
                requester,
                rollupAdmin: ADMIN,
                keyshares: [keysharesFor(key, held.firstNonce)],
              }),
            );
            finished.add(held.requestId);
          }
        } catch {
          // A query or signal that timed out under load: look again.
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    let first = '';
    const started = Date.now();
    let signalled = 0;
    await withTestWorker(
      env.address,
      { taskQueue, activities: stubActivities(chain, env.client, taskQueue, registrarWorkflowId) },
      async () => {
        await env.client.workflow.start(selfCheckWorkflow, {
          taskQueue,
          workflowId: requester,
          args: [{ wait: '30 days' }],
        });
        const registrar = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
          taskQueue,
          workflowId: registrarWorkflowId,
          args: [{ continueAsNewAtHistoryLength: HISTORY_LENGTH } satisfies RegistrarInput],
          signal: registrationRequestSignal,
          signalArgs: [opening.requests[0]],
        });
        first = registrar.signaledRunId;
        const ceremonies = runCeremonies();
        try {
          await wait('the opening reservation granted', async () => (await status()).reservation !== undefined);
          await signalAll(queued.requests);
          signalled = Date.now();
          // Its history long, the registrar has continued as new with the reservation held and all queued.
          await wait('a continue-as-new', async () => (await bounded(() => handle.describe())).runId !== first);
          ceremoniesMayFinish = true;
          await signalAll(late.requests);
          await wait('every key registered', async () => chain.registrations.length >= keyOf.size);
          await wait('every message served', async () => (await status()).processed >= all.length + finished.size);
        } finally {
          done = true;
          await ceremonies;
        }
      },
    );
    const served = Date.now();
    await handle.terminate('test over').catch(() => undefined);
    await env.client.workflow
      .getHandle(requester)
      .terminate('test over')
      .catch(() => undefined);

    // The order the messages arrived in, from the registrar's histories; what each run carried and spilled.
    const arrived: RegistrationRequest[] = [];
    let runId: string | undefined = first;
    let runs = 0;
    let carriedMax = 0;
    let segmentMax = 0;
    const segments: string[] = [];
    for (; runId; runs++) {
      const events = await historyEvents(env.address, registrarWorkflowId, runId);
      runId = undefined;
      for (const event of events) {
        const signal = event.workflowExecutionSignaledEventAttributes;
        if (signal?.signalName === registrationRequestSignal.name)
          arrived.push(defaultPayloadConverter.fromPayload<RegistrationRequest>(signal.input?.payloads?.[0] ?? {}));
        const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
        if (child) {
          segments.push(child.workflowId ?? '');
          segmentMax = Math.max(segmentMax, payloadBytes(child.input));
        }
        const continued = event.workflowExecutionContinuedAsNewEventAttributes;
        if (continued) {
          carriedMax = Math.max(carriedMax, payloadBytes(continued.input));
          runId = continued.newExecutionRunId ?? undefined;
        }
      }
      assert.ok(runs < 1000, 'too many runs');
    }
    console.log(
      `      whole queue ${(wholeQueueBytes / 1e6).toFixed(2)} MB; ${runs} runs, largest carried input ${(carriedMax / 1024).toFixed(0)} KB, ` +
        `largest segment ${(segmentMax / 1024).toFixed(0)} KB, ${segments.length} segments; ${all.length} messages signalled in ${((signalled - started) / 1000).toFixed(0)} s, ` +
        `all served ${((served - signalled) / 1000).toFixed(0)} s later`,
    );

    const ids = arrived.filter((r) => r.kind !== 'dkg-register').map((r) => `${r.kind} ${r.requestId}`);
    assert.deepEqual(
      [...ids].sort(),
      all.map((r) => `${r.kind} ${r.requestId}`).sort(),
      'not every message arrived once',
    );
    // A reservation's keyshares land right when it is granted: each key at its request's place in arrival order.
    const expected = arrived
      .filter((r) => r.kind === 'mnemonic' || r.kind === 'dkg-reserve')
      .map((r) => keyOf.get(r.requestId));
    assert.deepEqual(
      chain.registrations.map((r) => r.pubkey),
      expected,
      'not each key once, in arrival order',
    );
    assert.deepEqual(
      chain.registrations.map((r) => r.nonce),
      Array.from({ length: keyOf.size }, (_, i) => i),
    );

    assert.ok(wholeQueueBytes > 2 * 1024 * 1024, 'the queue would fit whole in one payload: the test proves nothing');
    assert.ok(segments.length > 0, 'nothing was spilled');
    // Under the server's warning size (512 KB): the budget bounds what is carried and what each segment holds.
    assert.ok(carriedMax > 0 && carriedMax < 512 * 1024, `a continue-as-new input of ${carriedMax} bytes`);
    assert.ok(segmentMax < 512 * 1024, `a queue segment input of ${segmentMax} bytes`);
    // Each segment was read back and ended: none is left holding requests.
    for (const id of segments) {
      const { status: segmentStatus } = await env.client.workflow.getHandle(id).describe();
      assert.equal(segmentStatus.name, 'COMPLETED', `queue segment ${id} is ${segmentStatus.name}`);
    }
  });
});
