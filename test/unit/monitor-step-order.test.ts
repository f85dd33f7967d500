// A batch's step reports carry an order (workflows/step-reports.ts), and the monitor keeps the
// newest: two reports sent in one workflow task (a resume, then a funding check made by local
// activity) can reach the monitor swapped, and the older one must not hide the newer.
import assert from 'node:assert/strict';
import { MonitorState } from '../../workflows/monitor/state';
import { stepStateProblem } from '../../workflows/message-checks';
import type { FundingHold, StepState } from '../../protocol/messages';
import { createReportTracker } from '../../workflows/step-reports';
import { asRollupAdmin } from '../../protocol/identifiers';

const CREATION = 'create-validators/0xabc';
const hold = (reason: FundingHold['reason'], checks: number): FundingHold => ({
  reason,
  message: reason,
  since: 't0',
  lastCheck: `t${checks}`,
  checks,
});

function creatingMonitor(): MonitorState {
  const state = MonitorState.fromInput({
    rollupAdmin: asRollupAdmin('0x00000000000000000000000000000000000000a1'),
    keyPath: 'mnemonic',
  });
  state.status.inFlight = { workflowId: CREATION, count: 1 };
  return state;
}

describe('monitor: step reports of a batch', () => {
  it('an older report arriving after a newer one does not replace it', () => {
    const state = creatingMonitor();
    const older: StepState = {
      workflowId: CREATION,
      order: 5_000,
      phase: 'awaiting-funding',
      funding: hold('cluster-liquidatable', 1),
    };
    const newer: StepState = {
      workflowId: CREATION,
      order: 5_001,
      phase: 'awaiting-funding',
      funding: hold('cluster-liquidated', 2),
    };
    state.recordStep(newer);
    state.recordStep(older);
    assert.deepEqual(state.statusView().inFlight?.funding, hold('cluster-liquidated', 2));
  });

  it('reports in order, and reports without an order (batches from before it), are all applied', () => {
    const state = creatingMonitor();
    state.recordStep({ workflowId: CREATION, order: 1, phase: 'allocating' });
    state.recordStep({ workflowId: CREATION, order: 2, phase: 'key-material' });
    assert.equal(state.statusView().inFlight?.phase, 'key-material');
    state.recordStep({ workflowId: CREATION, phase: 'depositing' });
    assert.equal(state.statusView().inFlight?.phase, 'depositing');
  });

  it('the message check accepts a non-negative integer order and names a bad one', () => {
    assert.equal(stepStateProblem({ workflowId: CREATION, order: 7, phase: 'x' }), undefined);
    assert.equal(
      stepStateProblem({ workflowId: CREATION, order: -1, phase: 'x' }),
      'order must be a non-negative integer',
    );
    assert.equal(
      stepStateProblem({ workflowId: CREATION, order: '7', phase: 'x' }),
      'order must be a non-negative integer',
    );
  });

  it('a batch orders its reports strictly, also several within one millisecond of workflow time', () => {
    const reports = createReportTracker();
    const realNow = Date.now;
    Date.now = () => 1_700_000_000_000; // one workflow task: the same time for every report
    try {
      const orders = [reports.nextOrder(), reports.nextOrder(), reports.nextOrder()];
      assert.deepEqual(orders, [1_700_000_000_000_000, 1_700_000_000_000_001, 1_700_000_000_000_002]);
      Date.now = () => 1_700_000_000_001;
      assert.ok(reports.nextOrder() > orders[2], 'a later task orders after an earlier one');
    } finally {
      Date.now = realNow;
    }
  });
});
