// Invariant 9 on the real parts (Temporal dev server, anvil with our contracts, moto, the worker
// as its own process): a creation batch deposits nothing while its SSV registrations would not go
// through (Nexus short of SSV tokens, a liquidatable or liquidated cluster), says why (monitor
// status, WARN log, nexus_registration_unfundable) and goes on once they would, with amounts
// recomputed here from SSVNetworkViews; and the bot refuses to sign deposits
// for another network, at worker start and per batch. One network for all cases, in order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { ethers } from 'ethers';
import { contractAt } from '../../contracts/artifacts';
import { addCluster, registerOperator } from '../../contracts/deploy';
import { monitorWorkflowId } from '../../workflows/ids';
import {
  monitorStatusQuery,
  resumeSignal,
  wakeSignal,
  type FundingHold,
  type MonitorStatus,
} from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { generateOperators } from '../fixtures/keyshares/material';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asRollupAdmin } from '../../protocol/identifiers';

const REPO_ROOT = resolve(__dirname, '..', '..');
// The funding policy the worker is given (runway binds over the 1 SSV minimum collateral).
const RUNWAY_DAYS = 90;
const BLOCK_TIME_SECONDS = 12;
const SAFETY_MARGIN_BLOCKS = 300n;
const RUNWAY_BLOCKS = BigInt(Math.ceil((RUNWAY_DAYS * 86_400) / BLOCK_TIME_SECONDS));
const CLUSTER_2 = [5, 6, 7, 8];

type ClusterTuple = [bigint, bigint, bigint, boolean, bigint];
const max = (a: bigint, b: bigint) => (a > b ? a : b);

describe('creation: funding and signing-network checks before the deposit (real parts)', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let nexus: string;
  let short: string;
  let liquidating: string;
  let lateChain: string;
  let metricsUrl: string;

  before(async () => {
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-funding-it',
      // 1 SSV: less than one registration needs under a 90-day runway.
      nexusSsvBalance: 1n * ETH,
      rollups: [
        { account: 2, name: 'nexus-short', funding: 320n * ETH, limit: 2000 },
        { account: 3, name: 'liquidating', funding: 320n * ETH, limit: 1000, operatorCluster: 2 },
        { account: 4, name: 'chain-moved', funding: 320n * ETH, limit: 1000 },
      ],
      prepareChain: async (system) => {
        for (const op of generateOperators(CLUSTER_2))
          await registerOperator(system, { publicKey: op.publicKeyBase64, dkgPort: 4000 + op.id, name: `op-${op.id}` });
        await addCluster(system, 2, CLUSTER_2);
      },
    });
    [short, liquidating, lateChain] = net.rollups.map((r) => r.admin);
    nexus = net.system.addresses.nexus;
    await net.startWorker({ config: { ...workerOverrides(), observability: { metrics: { listen: '127.0.0.1:0' } } } });
    metricsUrl = /"metrics":"(http[^"]+)"/.exec(readFileSync(net.workerLog, 'utf8'))?.[1] as string;
    assert.ok(metricsUrl, 'the worker logged no metrics endpoint');
  });

  after(async () => {
    await net?.stop();
  });

  function workerOverrides(keys: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      chain: { ...(net.workerConfig.chain as object), blockTimeSeconds: BLOCK_TIME_SECONDS },
      ssv: { runwayDays: RUNWAY_DAYS, safetyMarginBlocks: Number(SAFETY_MARGIN_BLOCKS) },
      keys: { ...(net.workerConfig.keys as object), ...keys },
    };
  }

  const startMonitor = (admin: string) =>
    net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [{ rollupAdmin: asRollupAdmin(admin), keyPath: 'mnemonic', pollInterval: '2 seconds' }],
    });

  async function waitFor(
    handle: WorkflowHandle,
    what: string,
    done: (s: MonitorStatus) => boolean,
    ms = 90_000,
  ): Promise<MonitorStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = await handle.query(monitorStatusQuery);
      if (done(status)) return status;
      if (Date.now() > deadline)
        assert.fail(`${what}: ${JSON.stringify(status)}\n${readFileSync(net.workerLog, 'utf8').slice(-2000)}`);
      await sleep(300);
    }
  }

  const heldFor = async (handle: WorkflowHandle, reason: FundingHold['reason'], after = 0): Promise<FundingHold> => {
    const s = await waitFor(
      handle,
      `held for ${reason}`,
      (st) =>
        st.inFlight?.phase === 'awaiting-funding' &&
        st.inFlight.funding?.reason === reason &&
        st.inFlight.funding.checks > after,
    );
    return s.inFlight?.funding as FundingHold;
  };

  async function validatorCount(admin: string): Promise<bigint> {
    const bridge = net.rollups.find((r) => r.admin === admin)?.bridge as string;
    return (await (
      await contractAt('NexusBaseBridge', bridge, net.provider)
    ).getFunction('validatorCount')()) as bigint;
  }

  /** Nexus events of one rollup (rollupAdmin is not indexed in them). */
  async function nexusEvents(
    name: 'ValidatorSubmitted' | 'ValidatorShareSubmitted',
    admin: string,
  ): Promise<ethers.EventLog[]> {
    const events = (await net.system.contracts.nexus.queryFilter(name, 0)) as ethers.EventLog[];
    return events.filter((e) => (e.args[1] as string).toLowerCase() === admin.toLowerCase());
  }

  /** Over a while, the rollup gets no deposit and its bridge count stays put. */
  async function nothingDepositedFor(admin: string, validators: bigint): Promise<void> {
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await nexusEvents('ValidatorSubmitted', admin)).length,
        Number(validators),
        'a ValidatorSubmitted while held',
      );
      assert.equal(await validatorCount(admin), validators, 'the bridge counted a deposit while held');
      await sleep(1_000);
    }
  }

  /** The worker's nexus_registration_unfundable gauge of a rollup and reason. */
  async function unfundable(admin: string, reason: FundingHold['reason']): Promise<number | undefined> {
    const text = await (await fetch(metricsUrl)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`nexus_registration_unfundable{rollup="${admin.toLowerCase()}",reason="${reason}"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  /** ValidatorAdded events of Nexus's cluster `ids`, in chain order. */
  async function clusterEvents(ids: number[]): Promise<ethers.EventLog[]> {
    const ssv = net.system.contracts.ssvNetwork;
    const events = (await ssv.queryFilter(ssv.filters.ValidatorAdded(nexus), 0)) as ethers.EventLog[];
    return events.filter((e) => (e.args[1] as bigint[]).map(Number).join() === ids.join());
  }

  const tupleOf = (e: ethers.EventLog): ClusterTuple => {
    const c = e.args[4] as unknown as ClusterTuple;
    return [c[0], c[1], c[2], c[3], c[4]];
  };

  async function send(contract: ethers.Contract, method: string, ...args: unknown[]): Promise<void> {
    const tx = (await contract.getFunction(method).send(...args)) as ethers.ContractTransactionResponse;
    await tx.wait();
  }

  it('Nexus short of SSV tokens: held awaiting-funding, nothing deposited; topped up and resumed, it deposits and registers with the amounts the chain values give', async () => {
    const handle = await startMonitor(short);
    const hold = await heldFor(handle, 'nexus-ssv-short');
    assert.match(hold.message, new RegExp(`Nexus holds ${ETH} wei`));
    await nothingDepositedFor(short, 0n);
    assert.equal((await net.system.contracts.depositContract.queryFilter('DepositEvent', 0)).length, 0);
    assert.match(readFileSync(net.workerLog, 'utf8'), /held before its deposit.*nexus-ssv-short/);
    assert.equal(await unfundable(short, 'nexus-ssv-short'), 1);

    await send(net.system.contracts.ssvToken, 'mint', nexus, 1000n * ETH);
    await handle.signal(resumeSignal);
    await waitFor(
      handle,
      'two validators created',
      (s) => s.validatorsCreated === 2 && s.phase === 'idle' && !s.inFlight,
    );
    assert.equal(await validatorCount(short), 2n);
    assert.equal(await unfundable(short, 'nexus-ssv-short'), 0);

    // Each registration's amount, recomputed from the views at the block before it was mined.
    const views = net.system.contracts.ssvNetworkViews;
    const ids = [1, 2, 3, 4];
    const shares = await nexusEvents('ValidatorShareSubmitted', short);
    const added = await clusterEvents(ids);
    assert.equal(shares.length, 2);
    assert.equal(added.length, 2);
    for (const [n, share] of shares.entries()) {
      const blockTag = share.blockNumber - 1;
      const fees = await Promise.all(
        ids.map((id) => views.getFunction('getOperatorFee')(id, { blockTag }) as Promise<bigint>),
      );
      const burn =
        fees.reduce((a, b) => a + b, 0n) + ((await views.getFunction('getNetworkFee')({ blockTag })) as bigint);
      const minimum = (await views.getFunction('getMinimumLiquidationCollateral')({ blockTag })) as bigint;
      const threshold = (await views.getFunction('getLiquidationThresholdPeriod')({ blockTag })) as bigint;
      const before =
        n === 0
          ? 0n
          : ((await views.getFunction('getBalance')(nexus, ids, tupleOf(added[n - 1]), { blockTag })) as bigint);
      const validators = BigInt(n + 1);
      const needed =
        max(max(minimum, threshold * burn * validators), RUNWAY_BLOCKS * burn * validators) +
        SAFETY_MARGIN_BLOCKS * burn * validators;
      assert.equal(share.args[2] as bigint, needed - before, `amount of registration ${n}`);
      // SSVNetwork settles one block of the n earlier validators' burn, then adds the amount.
      assert.equal(added[n].blockNumber, share.blockNumber);
      assert.equal(
        tupleOf(added[n])[4],
        before - burn * BigInt(n) + (needed - before),
        `cluster balance after registration ${n}`,
      );
    }
  });

  it('a liquidatable cluster: the next batch holds with cluster-liquidatable, nothing deposited', async () => {
    const handle = await startMonitor(liquidating);
    await waitFor(
      handle,
      'one validator created',
      (s) => s.validatorsCreated === 1 && s.phase === 'idle' && !s.inFlight,
    );
    // A network fee this high puts 100800 blocks of burn above the cluster's balance.
    await send(net.system.contracts.ssvNetwork, 'updateNetworkFee', 20_000_000_000_000n);
    const [last] = (await clusterEvents(CLUSTER_2)).slice(-1);
    assert.equal(
      await net.system.contracts.ssvNetworkViews.getFunction('isLiquidatable')(nexus, CLUSTER_2, tupleOf(last)),
      true,
    );

    const nexusAsAdmin = net.system.contracts.nexus.connect(devWallet(3, net.provider)) as ethers.Contract;
    await send(nexusAsAdmin, 'changeStakingLimit', 2000);
    await handle.signal(wakeSignal, { reason: 'limit raised' });
    const hold = await heldFor(handle, 'cluster-liquidatable');
    assert.match(hold.message, new RegExp(`${nexus}.*\\[${CLUSTER_2.join(',')}\\].*liquidatable`, 'i'));
    assert.equal(await unfundable(liquidating, 'cluster-liquidatable'), 1);
    await nothingDepositedFor(liquidating, 1n);
  });

  it('a liquidated cluster: the held batch, checked again, is reported cluster-liquidated naming owner and operators; nothing deposited', async () => {
    const handle = net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(liquidating)));
    const [last] = (await clusterEvents(CLUSTER_2)).slice(-1);
    const ssvAsOther = net.system.contracts.ssvNetwork.connect(devWallet(5, net.provider)) as ethers.Contract;
    await send(ssvAsOther, 'liquidate', nexus, CLUSTER_2, tupleOf(last));
    const before = (await handle.query(monitorStatusQuery)).inFlight?.funding?.checks ?? 0;
    await handle.signal(resumeSignal);
    const hold = await heldFor(handle, 'cluster-liquidated', before);
    assert.match(
      hold.message,
      new RegExp(`owner ${nexus} with operators \\[${CLUSTER_2.join(',')}\\] is liquidated`, 'i'),
    );
    assert.deepEqual(
      [await unfundable(liquidating, 'cluster-liquidated'), await unfundable(liquidating, 'cluster-liquidatable')],
      [1, 0],
    );
    await nothingDepositedFor(liquidating, 1n);
  });

  it('a worker configured for another network than the chain exits 1 at start, with one stderr line naming both fork versions', async () => {
    const cases = [
      {
        keys: { chainForkVersions: { [String(net.anvil.chainId)]: '0x00000001' } },
        values: ['0x01017000', '0x00000001'],
      },
      { keys: { depositNetwork: 'mainnet' }, values: ['0x00000000', '0x01017000'] },
    ];
    for (const c of cases) {
      const { code, stderr } = await runWorkerToExit(net.writeWorkerConfig(workerOverrides(c.keys)));
      const lines = stderr.split('\n').filter((l) => l.trim() !== '');
      assert.equal(code, 1, stderr);
      assert.equal(lines.length, 1, stderr);
      for (const v of c.values) assert.ok(lines[0].includes(v), `${lines[0]} does not name ${v}`);
      assert.match(lines[0], new RegExp(`chain id ${net.anvil.chainId}`));
    }
  });

  it('the chain id changes under a running worker: the next batch fails SigningNetworkMismatchError before any deposit', async () => {
    await net.provider.send('anvil_setChainId', [31_338]);
    const handle = await startMonitor(lateChain);
    const status = await waitFor(handle, 'signing-network failure', (s) =>
      /SigningNetworkMismatchError/.test(s.lastError ?? ''),
    );
    assert.match(status.lastError ?? '', /chain id 31338 is not a known network/);
    await nothingDepositedFor(lateChain, 0n);
  });

  /** The worker process started by hand (stderr kept apart), run until it exits; killed by PID after 60 s. */
  async function runWorkerToExit(configFile: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(REPO_ROOT, 'worker', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...net.workerEnv, NEXUS_BOT_CONFIG: configFile, NEXUS_BOT_WORKER_NAME: 'mismatch-worker' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    child.stdin.end(net.salt);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    return { code, stderr };
  }
});
