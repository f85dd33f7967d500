// Running monitors must keep replaying after the change that lets creation run beside exits
// (issue 15): a history recorded by the code before it, with an exit batch in flight while the
// limit was raised (test/fixtures/histories/record-monitor-exit-in-flight.ts), replays on the
// current code, which takes the old path there because patched('create-during-exits') is false.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../harness/workflow-bundle';

const FIXTURE = join(__dirname, '../fixtures/histories/monitor-exit-in-flight.pb');

describe('workflows: a monitor history from before creation ran beside exits (replay)', function () {
  this.timeout(120_000);

  it('replays on the current workflow code', async () => {
    const history = temporal.api.history.v1.History.decode(readFileSync(FIXTURE));
    const types = new Set(
      (history.events ?? []).map((e) => e.workflowExecutionStartedEventAttributes?.workflowType?.name).filter(Boolean),
    );
    assert.deepEqual([...types], ['rollupMonitorWorkflow']);
    // The history holds looks with the exit in flight and the limit raised, none of which started a creation.
    const children = (history.events ?? [])
      .filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name);
    assert.deepEqual(children, ['exitValidatorsWorkflow']);
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: 'monitor-exit-in-flight' },
      history,
    ).catch((err: Error) => assert.fail(`the recorded monitor does not replay: ${err.message}`));
  });
});
