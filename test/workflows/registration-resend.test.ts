// Time-skipping test of a creation batch whose registration request is lost (issue 13 item 2):
// the registrar was terminated with the request in its queue. The batch does not wait forever:
// every 10 minutes it asks whether the registrar still holds its request, and sends it again when
// it does not. The creation workflow runs on a real worker with the real registrar; activities are
// the in-memory chain's (stub-activities.ts), the registrar hand-off the real signal-with-start.
import assert from 'node:assert/strict';
import { creationWorkflowId } from '../../workflows/ids';
import { createValidatorsWorkflow } from '../../workflows/create-validators';
import type { RegistrationRequest } from '../../protocol/registrar-types';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, pubkeyFor, stubActivities } from './stub-activities';
import { asRollupAdmin } from '../../protocol/identifiers';

const ETH = 10n ** 18n;
const ADMIN = `0x5e5e${'a'.repeat(36)}`;

describe('workflows: a registration request the registrar lost is sent again (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();

  it("the registrar lost the batch's request: after 10 minutes the batch finds it unknown, sends it again, and its keys are registered once", async () => {
    const env = testEnv();
    const taskQueue = `resend-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    chain.addRollup(ADMIN, {
      bridge: '0xb1',
      stakingLimitBps: 5000,
      operatorCluster: 1,
      balanceWei: 3200n * ETH,
      validatorCount: 0n,
    });
    const activities = stubActivities(chain, env.client, taskQueue, registrarWorkflowId);
    const sent: RegistrationRequest[] = [];
    const handOff = activities.requestRegistration;
    // The first hand-off is lost, as if the registrar were terminated with it in its queue.
    activities.requestRegistration = async (request) => {
      sent.push(request);
      if (sent.length > 1) await handOff(request);
    };
    const checks: boolean[] = [];
    const knows = activities.registrarKnowsRequest;
    activities.registrarKnowsRequest = async (input) => {
      const known = await knows(input);
      checks.push(known);
      return known;
    };
    const keys = [pubkeyFor(`${ADMIN}:m0`), pubkeyFor(`${ADMIN}:m1`)];
    try {
      await withTestWorker(env.address, { taskQueue, activities }, async () => {
        const handle = await env.client.workflow.start(createValidatorsWorkflow, {
          taskQueue,
          workflowId: creationWorkflowId(asRollupAdmin(ADMIN)),
          args: [{ rollupAdmin: ADMIN, bridge: '0xb1', operatorCluster: 1, keyPath: 'mnemonic', count: 2 }],
        });
        const result = await handle.result();
        assert.deepEqual(result.registered, keys, 'the keys were not registered after the request was sent again');
      });
    } finally {
      await env.client.workflow
        .getHandle(registrarWorkflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
    assert.deepEqual(checks, [false], 'one check, which found the request unknown');
    assert.equal(sent.length, 2, 'the request was not sent exactly twice');
    assert.deepEqual(sent[1], sent[0], 'the request sent again differs from the first');
    assert.deepEqual(
      chain.registrations.map((r) => r.pubkey),
      keys,
      'not each key registered once',
    );
  });
});
