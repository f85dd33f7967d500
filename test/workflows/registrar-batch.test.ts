// The SSV registrar's batch path (issue 15, item 3), time-skipping with the in-memory chain: the
// scenario of test/harness/registrar-scenario.ts (a batch registered, a failure after one key, a
// DKG reservation and its keyshares, a halt after one key) was recorded by the code before the
// batch activity (test/fixtures/histories/registrar-per-key.pb). That history replays on the
// current code (patched('registrar-batch-activity') is false there); the same scenario on the
// current code schedules one registration activity per request instead of one per key, sends the
// same keys in the same order (none after the halt), and replies exactly what the old code replied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { RegistrationResult } from '../../protocol/registrar-types';
import { REGISTRAR_BATCH_PATCH } from '../../workflows/registrar-batch';
import { runRegistrarScenario, scenarioPubkey, type ScenarioRun } from '../harness/registrar-scenario';
import { useTimeSkippingEnv } from '../harness/time-skipping';
import { workflowBundle } from '../harness/workflow-bundle';

type History = temporal.api.history.v1.IHistory;
const FIXTURE = join(__dirname, '../fixtures/histories/registrar-per-key.pb');
const recorded = () => temporal.api.history.v1.History.decode(readFileSync(FIXTURE));

const scheduledTypes = (h: History) =>
  (h.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((t): t is string => !!t);
const payload = <T>(p: temporal.api.common.v1.IPayload | undefined | null): T =>
  defaultPayloadConverter.fromPayload<T>(p ?? {});
/** What the registrar answered the creations (SignalExternalWorkflowExecutionInitiated inputs), in order. */
const replies = (h: History) =>
  (h.events ?? []).flatMap((e) => {
    const s = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    return s ? [payload<RegistrationResult>(s.input?.payloads?.[0])] : [];
  });
/** The halt reports' inputs (reportRegistrationsHalted). */
const haltReports = (h: History) =>
  (h.events ?? []).flatMap((e) => {
    const s = e.activityTaskScheduledEventAttributes;
    return s?.activityType?.name === 'reportRegistrationsHalted' ? [payload<unknown>(s.input?.payloads?.[0])] : [];
  });

describe("workflows: the SSV registrar registers a request's keys in one batch activity (time-skipping)", function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();
  let batch: ScenarioRun;

  before(async function () {
    this.timeout(150_000);
    batch = await runRegistrarScenario(testEnv(), `registrar-batch-${Date.now()}`);
  });

  it('a registrar history recorded with one activity per key replays on the current code', async () => {
    const history = recorded();
    assert.ok(
      scheduledTypes(history).filter((t) => t === 'registerMnemonicKeyshares').length >= 5,
      'the fixture is not a per-key history',
    );
    assert.ok(
      !(history.events ?? []).some((e) => e.markerRecordedEventAttributes),
      'the fixture holds a marker: not recorded before the patch',
    );
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'registrar-per-key' },
      history,
    ).catch((err: Error) => assert.fail(`the recorded registrar does not replay: ${err.message}`));
  });

  it('the replay check is not blind: the per-key history with one activity renamed does not replay', async () => {
    const history = recorded();
    const first = history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'registerMnemonicKeyshares',
    );
    if (!first?.activityTaskScheduledEventAttributes) assert.fail('no registerMnemonicKeyshares in the fixture');
    first.activityTaskScheduledEventAttributes.activityType = { name: 'registerMnemonicKeysharesBatch' };
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'registrar-renamed' }, history),
      /DeterminismViolation|[Nn]ondeterminism/,
    );
  });

  it('schedules one registration activity per request (a patch marker, no per-key activity) and sends the same keys in the same order, none after the halt', () => {
    assert.deepEqual(scheduledTypes(batch.history), [
      'registerMnemonicKeysharesBatch',
      'registerMnemonicKeysharesBatch',
      'readSsvOwnerNonce',
      'registerDkgKeysharesBatch',
      'registerMnemonicKeysharesBatch',
      'reportRegistrationsHalted',
    ]);
    const markers = (batch.history.events ?? []).filter((e) => e.markerRecordedEventAttributes);
    assert.equal(markers.length, 1, 'expected the patch marker once');
    const details = Object.values(markers[0].markerRecordedEventAttributes?.details ?? {}).flatMap(
      (p) => p.payloads ?? [],
    );
    assert.ok(
      details.some((p) =>
        Buffer.from(p.data ?? [])
          .toString('utf8')
          .includes(REGISTRAR_BATCH_PATCH),
      ),
      'the marker is not the registrar-batch-activity patch',
    );
    assert.deepEqual(
      batch.calls,
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map(scenarioPubkey),
      'not the keys the per-key code sent, in its order',
    );
    assert.equal(batch.chain.statuses.get(scenarioPubkey(9)), 'DEPOSITED', 'a key was sent after the halt');
    assert.deepEqual(
      batch.chain.registrations.map((r) => [r.pubkey, r.nonce, r.position]),
      [
        [0, 0, 0],
        [1, 1, 1],
        [2, 2, 2],
        [3, 3, 3],
        [5, 4, 4],
        [6, 5, 5],
        [7, 6, 6],
        [8, 7, 8],
      ].map(([k, nonce, position]) => [scenarioPubkey(k), nonce, position]),
    );
    const before = recorded().events?.length ?? 0;
    assert.ok(
      (batch.history.events?.length ?? 0) < before,
      `the batch history (${batch.history.events?.length} events) is not shorter than the per-key one (${before})`,
    );
  });

  it('replies to the creations exactly what the per-key code replied (registered keys, failure and halt reasons), and reports the same halt', () => {
    const old = recorded();
    const expected = replies(old);
    assert.deepEqual(
      expected.map((r) => [r.requestId, r.kind]),
      [
        ['m-1', 'registered'],
        ['m-2', 'failed'],
        ['d-1', 'granted'],
        ['d-1', 'registered'],
        ['m-3', 'failed'],
      ],
      'the fixture is not the scenario',
    );
    assert.deepEqual(replies(batch.history), expected);
    assert.deepEqual(haltReports(batch.history), haltReports(old));
  });
});
