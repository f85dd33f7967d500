// Running monitors and creation batches must keep replaying after issue 15 item 3 cut their
// history events: a monitor with two mnemonic creations and the second creation's own history,
// both recorded by the code before the cut (test/fixtures/histories/record-creation-before-fewer-events.ts),
// replay on the current code, which takes the old paths there: the monitor's
// patched('monitor-fewer-events') is false in its history, and the batch was started without `fewerEvents`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { creationWorkflowId } from '../../workflows/ids';
import { workflowBundle } from '../harness/workflow-bundle';
import { asRollupAdmin } from '../../protocol/identifiers';

/** The rollup of the recording (record-creation-before-fewer-events.ts). */
const RECORDED_ADMIN = `0x0002${'f'.repeat(36)}`;
const FIXTURES = join(__dirname, '../fixtures/histories');
const load = (name: string) => temporal.api.history.v1.History.decode(readFileSync(join(FIXTURES, name)));
const scheduled = (h: temporal.api.history.v1.IHistory) =>
  (h.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);

describe('workflows: monitor and creation histories from before fewer history events (replay)', function () {
  this.timeout(120_000);

  it('a monitor that read the rollup by remote activity and started two creations replays', async () => {
    const history = load('monitor-creation-before-fewer-events.pb');
    assert.ok(scheduled(history).includes('readRollup'), 'the recorded monitor read the rollup by a remote activity');
    const children = (history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
    assert.equal(children, 2);
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'monitor-creation-before-fewer-events' },
      history,
    ).catch((err: Error) => assert.fail(`the recorded monitor does not replay: ${err.message}`));
  });

  it('a creation batch that signalled every phase and read remotely replays', async () => {
    const history = load('creation-before-fewer-events.pb');
    const signals = (history.events ?? []).filter(
      (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'stepState',
    ).length;
    assert.equal(signals, 5, 'the recorded batch told its monitor each of its five phases');
    assert.deepEqual(scheduled(history), [
      'allocateKeyIndices',
      'prepareMnemonicValidators',
      'checkSigningNetwork',
      'checkRegistrationFunding',
      'guardDeposits',
      'submitDeposits',
      'requestRegistration',
    ]);
    // Its own workflow id: the batch's request id, which the registrar's answer must name, is made of it.
    const workflowId = creationWorkflowId(asRollupAdmin(RECORDED_ADMIN));
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'creation-before-fewer-events' },
      history,
      workflowId,
    ).catch((err: Error) => assert.fail(`the recorded creation does not replay: ${err.message}`));
  });

  it('a monitor that wrote fewer events and started one creation per batch replays (before rounds)', async () => {
    // record-monitor-before-rounds.ts: 8 validators at maxBatch 4, recorded before creation in rounds.
    const history = load('monitor-before-rounds.pb');
    const starts = (history.events ?? []).flatMap((e) => {
      const payload = e.startChildWorkflowExecutionInitiatedEventAttributes?.input?.payloads?.[0]?.data;
      return payload
        ? [JSON.parse(Buffer.from(payload).toString('utf8')) as { count: number; fewerEvents?: boolean }]
        : [];
    });
    assert.deepEqual(
      starts.map((s) => [s.count, s.fewerEvents]),
      [
        [4, true],
        [4, true],
      ],
      'the recorded monitor wrote fewer events and started a creation per batch of 4',
    );
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'monitor-before-rounds' },
      history,
    ).catch((err: Error) => assert.fail(`the recorded monitor does not replay: ${err.message}`));
  });
});
