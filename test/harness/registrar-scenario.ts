// One SSV registrar scenario on the time-skipping server with the in-memory chain, run by the code
// before the batch activity (to record test/fixtures/histories/registrar-per-key.pb) and by the
// current code (test/workflows/registrar-batch.test.ts), so that the two histories' replies to the
// creations can be compared. In order:
//   m-1  mnemonic, keys 0 1 2: all registered;
//   m-2  mnemonic, keys 3 4: key 4 fails (non-retryable): 'failed', key 3 registered;
//   d-1  DKG reservation of 2 nonces, then its keyshares (keys 5 6): registered;
//   m-3  mnemonic, keys 7 8 9: another registration slips in before key 8, which lands a nonce
//        late: the registrar halts, 'failed' with key 7 registered, key 9 never sent.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { registrarStatusQuery, registrationRequestSignal } from '../../protocol/messages';
import type { MnemonicRegistrationRequest } from '../../protocol/registrar-types';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { ssvRegistrarWorkflow } from '../../workflows/ssv-registrar';
import { withTestWorker } from './time-skipping';
import { StubChain, stubActivities } from '../workflows/stub-activities';

export const SCENARIO_ADMIN = `0x7e91${'f'.repeat(36)}`;
export const scenarioPubkey = (i: number) => `0x${i.toString(16).padStart(4, '0')}${'ef'.repeat(46)}`;

export interface ScenarioRun {
  history: temporal.api.history.v1.IHistory;
  chain: StubChain;
  /** Single-key stub calls, in order (through the batch or as activities). */
  calls: string[];
}

export async function runRegistrarScenario(env: TestWorkflowEnvironment, taskQueue: string): Promise<ScenarioRun> {
  const registrarWorkflowId = `${taskQueue}-registrar`;
  const chain = new StubChain();
  for (let i = 0; i < 10; i++) chain.statuses.set(scenarioPubkey(i), 'DEPOSITED');
  const mnemonic = (id: string, keys: number[]): MnemonicRegistrationRequest => ({
    kind: 'mnemonic',
    requestId: id,
    requester: `${taskQueue}-gone-${id}`,
    rollupAdmin: SCENARIO_ADMIN,
    operatorCluster: 1,
    keys: keys.map((i) => ({ pubkey: scenarioPubkey(i), keyIndex: i })),
  });
  const activities = stubActivities(chain, env.client, taskQueue, registrarWorkflowId);
  const calls: string[] = [];
  const register = activities.registerMnemonicKeyshares;
  activities.registerMnemonicKeyshares = (input) => {
    calls.push(input.pubkey);
    if (input.pubkey === scenarioPubkey(4)) chain.failNextRegistration = true;
    if (input.pubkey === scenarioPubkey(8)) chain.slipInBeforeNext = true;
    return register(input);
  };
  const registerDkg = activities.registerDkgKeyshares;
  activities.registerDkgKeyshares = (input) => {
    calls.push(input.keyshares.publicKey);
    return registerDkg(input);
  };
  let history: temporal.api.history.v1.IHistory = {};
  await withTestWorker(env.address, { taskQueue, activities }, async () => {
    const registrar = await env.client.workflow.signalWithStart(ssvRegistrarWorkflow, {
      taskQueue,
      workflowId: registrarWorkflowId,
      args: [{}],
      signal: registrationRequestSignal,
      signalArgs: [mnemonic('m-1', [0, 1, 2])],
    });
    const status = () => registrar.query(registrarStatusQuery);
    const until = async (what: string, done: () => Promise<boolean>) => {
      for (let i = 0; i < 120; i++) {
        if (await done()) return;
        await env.sleep('1 second');
      }
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await status())}`);
    };
    const processed = async (n: number) => (await status()).processed >= n;
    await until('m-1', () => processed(1));
    await registrar.signal(registrationRequestSignal, mnemonic('m-2', [3, 4]));
    await until('m-2', () => processed(2));
    const holder = await env.client.workflow.start(selfCheckWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-holder`,
      args: [{ wait: '3 hours' }],
    });
    await registrar.signal(registrationRequestSignal, {
      kind: 'dkg-reserve',
      requestId: 'd-1',
      requester: holder.workflowId,
      rollupAdmin: SCENARIO_ADMIN,
      count: 2,
    });
    await until('the reservation', async () => (await status()).reservation !== undefined);
    const firstNonce = (await status()).reservation?.firstNonce ?? -1;
    const keyshares = [5, 6].map((i, k) => ({
      publicKey: scenarioPubkey(i),
      operatorIds: [11, 12, 13, 14],
      sharesData: '0x',
      ownerNonce: firstNonce + k,
    }));
    await registrar.signal(registrationRequestSignal, {
      kind: 'dkg-register',
      requestId: 'd-1',
      requester: holder.workflowId,
      rollupAdmin: SCENARIO_ADMIN,
      keyshares,
    });
    await until('d-1', () => processed(4));
    await registrar.signal(registrationRequestSignal, mnemonic('m-3', [7, 8, 9]));
    await until('the halt', async () => (await status()).halted !== undefined && (await processed(5)));
    history = await registrar.fetchHistory();
    await registrar.terminate('scenario over');
    await holder.terminate('scenario over').catch(() => undefined);
  });
  return { history, chain, calls };
}
