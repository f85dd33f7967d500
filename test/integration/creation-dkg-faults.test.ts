// Faults and bad input on the DKG key path, on the real parts (Temporal dev server, anvil with our
// contracts, moto, the worker as its own process, ssv-dkg operators): an operator down, an
// operator whose endpoint moved, a rollup whose cluster changed, an operator whose NodeOperator key
// is not SSVNetwork's, a tampered ceremony output, and a binary of another version. Each holds or
// refuses the batch with a named reason before any SSV nonce is reserved or anything deposited (or
// gives the reserved nonces back), and the same network then creates exactly the validators each
// limit allows, every registration signed for the very next owner nonce.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PublicKey, Signature, verify } from '@chainsafe/blst';
import { WorkflowNotFoundError } from '@temporalio/client';
import { AbiCoder, ethers, getAddress, getBytes, keccak256, toUtf8Bytes } from 'ethers';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { SSV_DKG_VERSION } from '../../activities/dkg/binary';
import { contractAt } from '../../contracts/artifacts';
import { addCluster, DEFAULT_OPERATOR_FEE_WEI, registerOperator, type NexusSystem } from '../../contracts/deploy';
import {
  createOperatorIdentity,
  decryptOperatorKeystore,
  loadOperatorIdentity,
  type OperatorIdentity,
} from '../../localnet/operator-identity';
import { freePort, stopAll, type ServiceProcess } from '../../localnet/services/process';
import { startDkgOperator, type DkgOperator } from '../../localnet/services/ssv-dkg';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import {
  creationStatusQuery,
  monitorStatusQuery,
  registrarStatusQuery,
  resumeSignal,
  wakeSignal,
  type MonitorStatus,
} from '../../protocol/messages';
import { REGISTRAR_WORKFLOW_ID } from '../../protocol/registrar-types';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { checkIndependently, recoverDkgSecret } from '../fixtures/keyshares/checks';
import { generateOperators, type TestOperator } from '../fixtures/keyshares/material';
import { runNexusBot } from '../harness/cli';
import { devWallet, ETH, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { writeFaultySsvDkg } from '../harness/faulty-ssv-dkg';
import { asRollupAdmin } from '../../protocol/identifiers';

const OTHER_VERSION = 'v3.2.0-0badc0d';
// Admins are anvil dev accounts; each DKG rollup's 320 ETH at 20 % allow 2 validators.
const ROLLUPS = {
  operatorDown: { account: 2, name: 'dkg-operator-down', funding: 320n * ETH, limit: 2000, createMnemonic: false },
  mnemonic: { account: 3, name: 'mnemonic-beside', funding: 320n * ETH, limit: 2000 },
  moved: {
    account: 4,
    name: 'dkg-endpoint-moved-then-cluster-changed',
    funding: 320n * ETH,
    limit: 2000,
    createMnemonic: false,
  },
  keyMismatch: {
    account: 5,
    name: 'dkg-key-mismatch',
    funding: 320n * ETH,
    limit: 2000,
    createMnemonic: false,
    operatorCluster: 3,
  },
  tampered: { account: 6, name: 'dkg-tampered-output', funding: 320n * ETH, limit: 2000, createMnemonic: false },
  otherVersion: { account: 7, name: 'dkg-other-version', funding: 320n * ETH, limit: 2000, createMnemonic: false },
};
type RollupName = keyof typeof ROLLUPS;

interface AddedValidator {
  nonce: number;
  operatorIds: number[];
  publicKey: string;
  sharesData: string;
}

describe('creation on the DKG path: faults and bad input (real parts)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let faultsDir: string;
  let admins: Record<RollupName, string>;
  let operator5: OperatorIdentity;
  let operator5Port: number;
  let worker: ServiceProcess;
  /** Operators this file (re)started: stopped by PID in after(). */
  const ownOperators: DkgOperator[] = [];

  before(async () => {
    faultsDir = mkdtempSync(join(tmpdir(), 'nexus-dkg-faults-'));
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-dkg-faults',
      dkg: {},
      rollups: Object.values(ROLLUPS),
      prepareChain: async (system) => {
        // Operator 5 (started below) and cluster 2 = [1,2,3,5], for a changeCluster.
        operator5 = await createOperatorIdentity(join(faultsDir, 'operator-5'), 5);
        operator5Port = await freePort();
        assert.equal(
          await registerOperator(system, {
            publicKey: operator5.publicKeyBase64,
            dkgPort: operator5Port,
            name: 'op-5',
          }),
          5n,
        );
        await addCluster(system, 2, [1, 2, 3, 5]);
        // Operator 6: SSVNetwork registered one key, NodeOperator announces another; cluster 3 = [1,2,3,6].
        await registerMismatchedOperator(system, 6n, await freePort());
        await addCluster(system, 3, [1, 2, 3, 6]);
      },
    });
    admins = Object.fromEntries(Object.keys(ROLLUPS).map((name, i) => [name, net.rollups[i].admin])) as Record<
      RollupName,
      string
    >;
    ownOperators.push(await restartOperator(operator5, operator5Port));
    worker = await net.startWorker({ config: workerDkg() });
  });

  after(async () => {
    await stopAll(ownOperators);
    await net?.stop();
    rmSync(faultsDir, { recursive: true, force: true });
  });

  /** SSVNetwork knows `id` with one key, NodeOperator with another (registerOperator would give both the same). */
  async function registerMismatchedOperator(system: NexusSystem, id: bigint, port: number): Promise<void> {
    const [ssvSide, nodeOperatorSide] = generateOperators([Number(id), Number(id)]);
    const encodedKey = AbiCoder.defaultAbiCoder().encode(['string'], [ssvSide.publicKeyBase64]);
    await (
      await system.contracts.ssvNetwork.getFunction('registerOperator').send(encodedKey, DEFAULT_OPERATOR_FEE_WEI)
    ).wait();
    await (
      await system.contracts.nodeOperator
        .getFunction('registerSSVOperator')
        .send(id, nodeOperatorSide.publicKeyBase64, `https://127.0.0.1:${port}`, `op-${id}`)
    ).wait();
  }

  /** The worker's dkg section: operator 5's CA added, and the binary replaced when given. */
  function workerDkg(binary?: string): Record<string, unknown> {
    const dkg = net.workerConfig.dkg as { operatorCaFiles: Record<string, string> };
    return {
      dkg: {
        ...dkg,
        operatorCaFiles: { ...dkg.operatorCaFiles, 5: operator5.tlsCertPath },
        ...(binary ? { binary } : {}),
      },
    };
  }

  async function restartWorker(binary?: string): Promise<void> {
    await worker.stop();
    worker = await net.startWorker({ config: workerDkg(binary) });
  }

  function runningOperator(id: number): DkgOperator {
    const op =
      [...ownOperators].reverse().find((o) => o.operatorId === id) ??
      net.dkgOperators?.running.find((o) => o.operatorId === id);
    assert.ok(op, `operator ${id} was started`);
    return op;
  }

  /** Starts an operator with its identity (same keys), on `port` or a free one. */
  async function restartOperator(identity: OperatorIdentity, port?: number): Promise<DkgOperator> {
    return startDkgOperator(identity, {
      port,
      ethEndpointURL: net.anvil.rpcUrl,
      command: net.dkgOperators?.binary.path,
      logFile: join(net.dir, `ssv-dkg-operator-${identity.operatorId}.log`),
    });
  }

  const startMonitor = (name: RollupName, pollInterval = '2 seconds') =>
    net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admins[name])),
      args: [
        { rollupAdmin: asRollupAdmin(admins[name]), keyPath: name === 'mnemonic' ? 'mnemonic' : 'dkg', pollInterval },
      ],
    });
  const monitorStatus = (name: RollupName) =>
    net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admins[name]))).query(monitorStatusQuery);
  const workerLogTail = () => readFileSync(net.workerLog, 'utf8').slice(-3000);

  async function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    timeoutMs = 180_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s\n${workerLogTail()}`);
      await sleep(500);
    }
  }

  const waitForError = (name: RollupName, pattern: RegExp): Promise<MonitorStatus> =>
    waitFor(`${name}: an error matching ${pattern}`, async () => {
      const status = await monitorStatus(name);
      return status.lastError !== undefined && pattern.test(status.lastError) && status;
    });

  async function bridgeValidatorCount(name: RollupName): Promise<number> {
    const bridge = await contractAt(
      'NexusBaseBridge',
      net.rollups[Object.keys(ROLLUPS).indexOf(name)].bridge,
      net.provider,
    );
    return Number(await bridge.getFunction('validatorCount')());
  }

  const waitForValidators = (name: RollupName, count: number) =>
    waitFor(
      `${name}: ${count} validators, monitor idle`,
      async () => (await bridgeValidatorCount(name)) === count && (await monitorStatus(name)).phase === 'idle',
    );

  /** DepositEvents whose withdrawal credentials name the rollup's bridge. */
  async function depositsTo(name: RollupName): Promise<number> {
    const bridge = net.rollups[Object.keys(ROLLUPS).indexOf(name)].bridge.slice(2).toLowerCase();
    const deposit = await contractAt('DepositContract', net.system.addresses.depositContract, net.provider);
    const events = (await deposit.queryFilter(deposit.filters.DepositEvent(), 0)) as ethers.EventLog[];
    return events.filter((e) => (e.args[1] as string).toLowerCase().endsWith(bridge)).length;
  }

  /** Every ValidatorAdded of the Nexus owner, in order: the index is the owner nonce it consumed. */
  async function validatorsAdded(): Promise<AddedValidator[]> {
    const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    const events = (await ssv.queryFilter(
      ssv.filters.ValidatorAdded(net.system.addresses.nexus),
      0,
    )) as ethers.EventLog[];
    return events.map((e, nonce) => ({
      nonce,
      operatorIds: (e.args[1] as bigint[]).map(Number),
      publicKey: (e.args[2] as string).toLowerCase(),
      sharesData: e.args[3] as string,
    }));
  }

  async function addedFor(name: RollupName): Promise<AddedValidator[]> {
    const nexus = net.system.contracts.nexus;
    const submitted = (await nexus.queryFilter(nexus.filters.ValidatorSubmitted(), 0)) as ethers.EventLog[];
    const own = new Set(
      submitted
        .filter((e) => (e.args[1] as string).toLowerCase() === admins[name].toLowerCase())
        .map((e) => (e.args[0] as string).toLowerCase()),
    );
    return (await validatorsAdded()).filter((v) => own.has(v.publicKey));
  }

  /** The kinds of registrar request the rollup's (latest) creation batch sent: dkg-reserve, dkg-abandon, … */
  async function registrationRequests(name: RollupName): Promise<string[]> {
    const history = await net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admins[name]))).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'requestRegistration') return [];
      return [
        (JSON.parse(Buffer.from(scheduled.input?.payloads?.[0]?.data ?? []).toString()) as { kind: string }).kind,
      ];
    });
  }

  /** The attempt on which an activity of the rollup's creation batch last ended (1: not retried). */
  async function finalAttempt(name: RollupName, activity: string): Promise<number> {
    const events =
      (await net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admins[name]))).fetchHistory()).events ??
      [];
    const names = new Map(
      events.map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]),
    );
    const started = events.filter(
      (e) => names.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId)) === activity,
    );
    return Math.max(...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
  }

  /** How many times the rollup's creation batch checked its operators (each check is one attempt). */
  async function checksOf(name: RollupName): Promise<number> {
    const events =
      (await net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admins[name]))).fetchHistory()).events ??
      [];
    return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkDkgOperators')
      .length;
  }

  const creationStatus = (name: RollupName) =>
    net.client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admins[name]))).query(creationStatusQuery);

  /** The registrar's reservation (none before its first request starts it). */
  async function registrarReservation() {
    try {
      return (await net.client.workflow.getHandle(REGISTRAR_WORKFLOW_ID).query(registrarStatusQuery)).reservation;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** The BLS signature in sharesData is the validator key's over "<EIP-55 Nexus>:<nonce>". */
  function signedForNonce(v: AddedValidator, nonce: number): boolean {
    const message = getBytes(keccak256(toUtf8Bytes(`${getAddress(net.system.addresses.nexus)}:${nonce}`)));
    return verify(
      message,
      PublicKey.fromBytes(getBytes(v.publicKey)),
      Signature.fromBytes(getBytes(v.sharesData).slice(0, 96)),
    );
  }

  async function operator5Key(): Promise<TestOperator> {
    return {
      id: 5,
      publicKeyBase64: operator5.publicKeyBase64,
      privateKeyPem: await decryptOperatorKeystore(
        operator5.keystorePath,
        await readFile(operator5.passwordPath, 'utf8'),
      ),
    };
  }

  it('1. an operator down: the batch waits at the health check naming it, reserving no nonce, depositing nothing; back up, the rollup gets exactly its validators', async () => {
    const operator4 = runningOperator(4);
    await operator4.stop();
    await startMonitor('operatorDown');
    await startMonitor('mnemonic');
    // Checked again with backoff, and the batch says why it waits: operator 4, its endpoint, nothing reserved.
    const down = new RegExp(`operator 4 at ${operator4.url} is down`);
    const held = await waitFor('the batch to wait for operator 4, checked twice', async () => {
      const step = (await monitorStatus('operatorDown')).inFlight;
      return (step?.operators?.checks ?? 0) >= 2 && step;
    });
    assert.match(held.operators?.problem ?? '', down);
    assert.equal(held.phase, 'reserving-nonces');
    assert.match((await creationStatus('operatorDown')).operators?.problem ?? '', down);
    const cli = await runNexusBot(['status', admins.operatorDown, '--config', net.writeWorkerConfig()]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`waiting for its DKG operators, nothing reserved: .*${down.source}`));
    assert.deepEqual(await registrationRequests('operatorDown'), []);
    assert.equal(await registrarReservation(), undefined);
    // No reservation blocks the owner nonce: the mnemonic rollup beside it registers meanwhile.
    await waitForValidators('mnemonic', 2);
    assert.equal((await addedFor('mnemonic')).length, 2);
    assert.ok((await creationStatus('operatorDown')).operators, 'still held at the health check');
    assert.deepEqual(await registrationRequests('operatorDown'), []);
    assert.equal(await depositsTo('operatorDown'), 0);

    const identity = await loadOperatorIdentity(operator4.dir, 4);
    assert.ok(identity);
    ownOperators.push(await restartOperator(identity, operator4.port));
    // A resume checks at once, whatever the backoff has reached.
    await net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admins.operatorDown))).signal(resumeSignal);
    await waitFor(
      'the batch to stop waiting for its operators',
      async () => {
        const step = (await monitorStatus('operatorDown')).inFlight;
        return step === undefined || step.operators === undefined;
      },
      60_000,
    );
    await waitForValidators('operatorDown', 2);
    assert.equal(await depositsTo('operatorDown'), 2);
    assert.equal((await addedFor('operatorDown')).length, 2);
  });

  it('2. an operator whose endpoint changed on chain (updateSSVOperatorIP): the next ceremony uses the new endpoint and succeeds', async () => {
    const before = runningOperator(2);
    const identity = await loadOperatorIdentity(before.dir, 2);
    assert.ok(identity);
    await before.stop();
    const moved = await restartOperator(identity);
    ownOperators.push(moved);
    assert.notEqual(moved.url, before.url);
    // NodeOperator's owner registered the operators, so it is the one allowed to move them.
    const nodeOperator = net.system.contracts.nodeOperator;
    await (await nodeOperator.getFunction('updateSSVOperatorIP').send(2n, moved.url)).wait();
    assert.equal(await nodeOperator.getFunction('ssvDKGIP')(2n), moved.url);
    await startMonitor('moved');
    await waitForValidators('moved', 2);
    const added = await addedFor('moved');
    assert.equal(added.length, 2);
    for (const v of added) assert.deepEqual(v.operatorIds, [1, 2, 3, 4]);
    // The ceremony on those nonces was given the new endpoint (its workspace keeps the ops.json it ran with).
    const workDir = String((net.workerConfig.dkg as { workDir: string }).workDir);
    const workspaces = readdirSync(workDir).filter((d) => d.startsWith(`init-${added[0].nonce}-2-`));
    assert.ok(workspaces.length > 0, `no workspace for nonce ${added[0].nonce} in ${workDir}`);
    for (const w of workspaces) {
      const ops = JSON.parse(readFileSync(join(workDir, w, 'ops.json'), 'utf8')) as { id: number; ip: string }[];
      assert.equal(ops.find((o) => o.id === 2)?.ip, moved.url, w);
    }
  });

  it("3. a cluster changed with changeCluster: the next validators are registered with operators [1,2,3,5], and their shares decrypt with those operators' keys", async () => {
    const nexusAsAdmin = net.system.contracts.nexus.connect(
      devWallet(ROLLUPS.moved.account, net.provider),
    ) as ethers.Contract;
    await (await nexusAsAdmin.getFunction('changeCluster').send(2n)).wait();
    // 40 % of the same 320 ETH: two more validators.
    await (await nexusAsAdmin.getFunction('changeStakingLimit').send(4000)).wait();
    await waitForValidators('moved', 4);
    const added = await addedFor('moved');
    assert.deepEqual(
      added.map((v) => v.operatorIds),
      [
        [1, 2, 3, 4],
        [1, 2, 3, 4],
        [1, 2, 3, 5],
        [1, 2, 3, 5],
      ],
    );
    const cluster2 = [...net.operators.filter((o) => o.id <= 3), await operator5Key()];
    for (const v of added.slice(2)) {
      const payload = { publicKey: v.publicKey, operatorIds: v.operatorIds, sharesData: v.sharesData };
      await checkIndependently(
        payload,
        recoverDkgSecret(payload, cluster2),
        cluster2,
        net.system.addresses.nexus,
        v.nonce,
        'ssv-dkg',
      );
    }
  });

  it("4. an operator whose NodeOperator key is not SSVNetwork's: a clear error naming it, not retried, nothing reserved or deposited", async () => {
    await startMonitor('keyMismatch', '1 hour');
    const status = await waitForError('keyMismatch', /OperatorKeyMismatchError/);
    assert.match(status.lastError ?? '', /operator 6 of cluster 3/);
    assert.match(status.lastError ?? '', /not the key SSVNetwork/);
    assert.equal(await checksOf('keyMismatch'), 1, 'a wrong key was checked again');
    assert.deepEqual(await registrationRequests('keyMismatch'), []);
    assert.equal(await depositsTo('keyMismatch'), 0);
    assert.equal(await bridgeValidatorCount('keyMismatch'), 0);
  });

  it('5. a tampered ceremony output: rejected before any deposit with a named error, nothing archived as usable, the reserved nonces given back', async () => {
    await restartWorker(
      writeFaultySsvDkg(faultsDir, net.dkgOperators?.binary.path as string, { kind: 'deposit-signature' }),
    );
    // A long poll: after the failure the rollup waits, so the registrar's state below is this batch's.
    await startMonitor('tampered', '1 hour');
    const status = await waitForError('tampered', /DkgOutputInvalidError/);
    assert.match(status.lastError ?? '', /deposit_data\.json/);
    assert.equal(await finalAttempt('tampered', 'runDkgCeremony'), 1);
    assert.equal(await depositsTo('tampered'), 0);
    assert.equal(await bridgeValidatorCount('tampered'), 0);
    // The nonces were reserved, then handed back explicitly (not left to the registrar's timeout).
    assert.deepEqual(await registrationRequests('tampered'), ['dkg-reserve', 'dkg-abandon']);
    await waitFor(
      'the registrar holds no reservation',
      async () => (await registrarReservation()) === undefined,
      30_000,
    );
    const archived = join(
      String((net.workerConfig.dkg as { archiveDir: string }).archiveDir),
      admins.tampered.toLowerCase(),
    );
    for (const entry of existsSync(archived) ? readdirSync(archived) : []) {
      assert.equal(
        (JSON.parse(readFileSync(join(archived, entry, 'ceremony.json'), 'utf8')) as { state: string }).state,
        'unused',
        entry,
      );
    }
  });

  it('6. a binary of another version: DKG ceremonies refused with one message naming the version, nothing reserved or deposited; a mnemonic rollup is unaffected', async () => {
    const logStart = readFileSync(net.workerLog, 'utf8').length;
    await restartWorker(
      writeFaultySsvDkg(faultsDir, net.dkgOperators?.binary.path as string, {
        kind: 'version',
        version: OTHER_VERSION,
      }),
    );
    // The worker says so at start, before any batch finds it (its output reaches the log file a moment later).
    const atStart = new RegExp(
      `DKG ceremonies will fail on this worker: .*runs ssv-dkg \\\\?"${OTHER_VERSION}\\\\?", expected \\\\?"${SSV_DKG_VERSION}\\\\?"`,
    );
    await waitFor(
      "the worker's start warning",
      async () => atStart.test(readFileSync(net.workerLog, 'utf8').slice(logStart)),
      30_000,
    );
    await startMonitor('otherVersion', '1 hour');
    const status = await waitForError('otherVersion', /DkgVersionMismatch/);
    assert.ok(status.lastError?.includes(`"${OTHER_VERSION}", expected "${SSV_DKG_VERSION}"`), status.lastError);
    assert.equal(await checksOf('otherVersion'), 1, 'a wrong version was checked again');
    assert.deepEqual(await registrationRequests('otherVersion'), []);
    assert.equal(await depositsTo('otherVersion'), 0);

    const nexusAsAdmin = net.system.contracts.nexus.connect(
      devWallet(ROLLUPS.mnemonic.account, net.provider),
    ) as ethers.Contract;
    await (await nexusAsAdmin.getFunction('changeStakingLimit').send(4000)).wait();
    await waitForValidators('mnemonic', 4);
    assert.equal((await addedFor('mnemonic')).length, 4);
  });

  it('5 (then). with the right binary back, the tampered rollup gets its validators on the very next owner nonces: no nonce skipped by any registration', async () => {
    await restartWorker();
    await net.client.workflow
      .getHandle(monitorWorkflowId(asRollupAdmin(admins.tampered)))
      .signal(wakeSignal, { reason: 'test: binary fixed' });
    await waitForValidators('tampered', 2);
    const added = await validatorsAdded();
    // 2 + 4 + 4 + 2: every rollup's validators, and nothing else.
    assert.equal(added.length, 12);
    for (const v of added)
      assert.ok(
        signedForNonce(v, v.nonce),
        `the keyshares of ${v.publicKey} (nonce ${v.nonce}) are signed for another nonce`,
      );
    for (const v of await addedFor('tampered')) {
      const payload = { publicKey: v.publicKey, operatorIds: v.operatorIds, sharesData: v.sharesData };
      await checkIndependently(
        payload,
        recoverDkgSecret(payload, net.operators),
        net.operators,
        net.system.addresses.nexus,
        v.nonce,
        'ssv-dkg',
      );
    }
  });
});
