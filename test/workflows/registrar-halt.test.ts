// The SSV registrar halts when a registration lands at another owner nonce than its keyshares were
// signed for (issue 13, item 3), time-skipping with the in-memory chain: one skipped nonce spoils
// every later registration, so nothing more is registered for any rollup (the queue is kept, also
// across continue-as-new), with an ERROR line, a metric report and the halt in the status, until
// an operator resumes with a reason (a bad payload is refused); resuming re-reads the chain first.
import assert from 'node:assert/strict';
import { registrarStatusQuery, registrationRequestSignal, resumeRegistrationsUpdate } from '../../protocol/messages';
import type { MnemonicRegistrationRequest } from '../../protocol/registrar-types';
import { ssvRegistrarWorkflow } from '../../workflows/ssv-registrar';
import { run, UsageError } from '../../client/main';
import { logListeners, type LoggedLine } from '../harness/quiet-runtime';
import { useTimeSkippingEnv, withTestWorker } from '../harness/time-skipping';
import { StubChain, stubActivities } from './stub-activities';

const ADMINS = [`0x7e91${'a'.repeat(36)}`, `0x7e91${'b'.repeat(36)}`];
const pubkey = (i: number) => `0x${i.toString(16).padStart(4, '0')}${'cd'.repeat(46)}`;

describe('workflows: the SSV registrar halts on a registration at the wrong owner nonce (time-skipping)', function () {
  this.timeout(180_000);
  const testEnv = useTimeSkippingEnv();

  it("halts every rollup's registrations with an ERROR, keeps the queue through continue-as-new, refuses a resume without a reason, and goes on after a resume that re-reads the chain", async () => {
    const env = testEnv();
    const taskQueue = `registrar-halt-${Date.now()}`;
    const registrarWorkflowId = `${taskQueue}-registrar`;
    const chain = new StubChain();
    for (let i = 0; i < 4; i++) chain.statuses.set(pubkey(i), 'DEPOSITED');
    const request = (i: number): MnemonicRegistrationRequest => ({
      kind: 'mnemonic',
      requestId: `req-${i}`,
      requester: `${taskQueue}-gone-${i}`,
      rollupAdmin: ADMINS[i % 2],
      operatorCluster: 1,
      keys: [{ pubkey: pubkey(i), keyIndex: i }],
    });
    const activities = stubActivities(chain, env.client, taskQueue, registrarWorkflowId);
    const views: { minOwnerNonce?: number; lastRegistrationBlock?: number }[] = [];
    const register = activities.registerMnemonicKeyshares;
    activities.registerMnemonicKeyshares = (input) => {
      views.push({ minOwnerNonce: input.minOwnerNonce, lastRegistrationBlock: input.lastRegistrationBlock });
      // Another registration of the owner slips in before the second key is mined.
      if (input.pubkey === pubkey(1)) chain.slipInBeforeNext = true;
      return register(input);
    };
    const errors: LoggedLine[] = [];
    const listen = (line: LoggedLine) => {
      if (line.level === 'ERROR' && line.meta?.workflowId === registrarWorkflowId) errors.push(line);
    };
    logListeners.add(listen);
    try {
      await withTestWorker(env.address, { taskQueue, activities }, async () => {
        const registrar = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
          taskQueue,
          workflowId: registrarWorkflowId,
          args: [{ continueAsNewAfter: 2 }],
          signal: registrationRequestSignal,
          signalArgs: [request(0)],
        });
        await registrar.signal(registrationRequestSignal, request(1));
        const deadline = Date.now() + 60_000;
        while (!(await registrar.query(registrarStatusQuery)).halted) {
          if (Date.now() > deadline) assert.fail(`not halted; registrations: ${JSON.stringify(chain.registrations)}`);
          await env.sleep('1 second');
        }
        // Both rollups' requests arrive while halted: kept, not served, even after hours and a continue-as-new.
        await registrar.signal(registrationRequestSignal, request(2));
        await registrar.signal(registrationRequestSignal, request(3));
        await env.sleep('3 hours');
        assert.deepEqual(
          chain.registrations.map((r) => [r.pubkey, r.nonce, r.position]),
          [
            [pubkey(0), 0, 0],
            [pubkey(1), 1, 2],
          ],
        );
        const status = await registrar.query(registrarStatusQuery);
        assert.ok(status.halted, 'the halt was not carried over continue-as-new');
        assert.equal(status.halted.pubkey, pubkey(1));
        assert.equal(status.halted.rollupAdmin, ADMINS[1]);
        assert.equal(status.halted.signedFor, 1);
        assert.equal(status.halted.landedAt, 2);
        assert.match(status.halted.reason, /landed at owner nonce 2 .* signed for owner nonce 1/);
        assert.deepEqual(
          status.queue.map((q) => q.requestId),
          ['req-2', 'req-3'],
          'the queue was not kept',
        );
        assert.equal(status.nonceFloor, 3, 'the floor must pass the nonce the slipped-in key took');
        const runs = await registrar.describe();
        assert.notEqual(runs.runId, registrar.signaledRunId, 'expected a continue-as-new while halted');
        assert.equal(errors.length, 1, `expected one ERROR line, got ${errors.map((e) => e.message).join(' | ')}`);
        assert.match(errors[0].message, /registrations halted for every rollup/);
        assert.equal(errors[0].meta?.landedAt, 2);
        assert.deepEqual(
          chain.haltReports.map((r) => r.halted),
          [true],
          'the halt was not reported to the metrics',
        );

        // A resume must say why: refused before it reaches the history, the halt stays.
        const refused = (err: unknown) => /reason must be a non-empty string/.test(String((err as Error).cause ?? err));
        await assert.rejects(registrar.executeUpdate(resumeRegistrationsUpdate, { args: [{ reason: '  ' }] }), refused);
        await assert.rejects(registrar.executeUpdate(resumeRegistrationsUpdate, { args: [{} as never] }), refused);
        assert.ok((await registrar.query(registrarStatusQuery)).halted, 'a refused resume lifted the halt');
        assert.equal(chain.registrations.length, 2);

        // The operator's view and command: `nexus-bot registrar status`, then `resume --reason`.
        const target = [
          '--address',
          env.address,
          '--namespace',
          env.namespace ?? 'default',
          '--workflow-id',
          registrarWorkflowId,
        ];
        const printed: string[] = [];
        await run(['registrar', 'status', ...target], (line) => printed.push(line));
        assert.match(printed.join('\n'), /HALTED since .*: 0x0001c.* landed at owner nonce 2/);
        assert.match(printed.join('\n'), /req-2 \(mnemonic, rollup 0x7e91a+\)/);
        await assert.rejects(
          run(['registrar', 'resume', '--reason', ' ', ...target], () => undefined),
          (err: Error) => err instanceof UsageError && /--reason: reason must be a non-empty string/.test(err.message),
        );
        const readsBefore = chain.nonceReads.length;
        printed.length = 0;
        await run(
          ['registrar', 'resume', '--reason', 'removed the ignored validator; sequence checked', ...target],
          (line) => printed.push(line),
        );
        assert.match(
          printed.join('\n'),
          /SSV registrations resumed .*owner nonce read from the chain: 3; the halt was: 0x0001c/,
        );
        assert.deepEqual(
          chain.nonceReads.slice(readsBefore),
          [{ atLeast: 3, lastRegistrationBlock: 102 }],
          'the resume did not re-read the chain (at the last registration)',
        );
        while (chain.registrations.length < 4) {
          if (Date.now() > deadline + 60_000)
            assert.fail(`${chain.registrations.length} of 4 registered after the resume`);
          await env.sleep('1 second');
        }
        assert.deepEqual(
          chain.registrations.slice(2).map((r) => [r.pubkey, r.nonce, r.position]),
          [
            [pubkey(2), 3, 3],
            [pubkey(3), 4, 4],
          ],
        );
        // Each registration was handed the floor and the block of the last registration seen mined.
        assert.deepEqual(views, [
          { minOwnerNonce: undefined, lastRegistrationBlock: undefined },
          { minOwnerNonce: 1, lastRegistrationBlock: 101 },
          { minOwnerNonce: 3, lastRegistrationBlock: 102 },
          { minOwnerNonce: 4, lastRegistrationBlock: 103 },
        ]);
        assert.equal((await registrar.query(registrarStatusQuery)).halted, undefined);
        assert.deepEqual(
          chain.haltReports.map((r) => r.halted),
          [true, false],
        );
        // A resume when nothing is halted changes nothing.
        assert.deepEqual(await registrar.executeUpdate(resumeRegistrationsUpdate, { args: [{ reason: 'again' }] }), {
          resumed: false,
          ownerNonce: 5,
        });
        await registrar.terminate('test over');
      });
    } finally {
      logListeners.delete(listen);
    }
  });
});
