// `npm start` for real: the launcher brings up every part on free ports in a temporary folder,
// each part answers, bad input gets one clear message, and Ctrl-C stops everything it started.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, Connection } from '@temporalio/client';
import { ethers } from 'ethers';
import { withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { contractAt } from '../../contracts/artifacts';
import { nexusContractName } from '../../contracts/deploy';
import { getGenesis, getHeadSlot, getValidators } from '../../localnet/beacon/rest';
import { DEMO_BEACON_KEY_INDICES, DEMO_MNEMONIC } from '../../localnet/demo';
import { isProcessAlive, networkFilePath, readNetworkFile, type NetworkFile } from '../../localnet/network-file';
import { ANVIL_DEV_MNEMONIC } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS } from '../../localnet/services/moto';
import { codecDataConverter } from '../../temporal-config/data-converter';
import { ENCRYPTED_ENCODING } from '../../temporal-config/payload-codec';
import { BOT_SEARCH_ATTRIBUTES } from '../../temporal-config/search-attributes';
import { creationWorkflowId } from '../../workflows/ids';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { runNexusBot } from '../harness/cli';
import { startChromium, type RunningChromium } from '../harness/chromium';
import { stepsOnQueue, workerNameOf } from '../harness/worker-steps';
import { activityRole } from '../../temporal-config/task-queues';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

const REPO_ROOT = resolve(__dirname, '..', '..');
/** Screenshots of the Web UI, kept after the test (outside the clone). */
const ARTIFACTS_DIR = process.env.NEXUS_BOT_ARTIFACTS_DIR ?? join(tmpdir(), 'nexus-bot-artifacts');
const FREE_PORTS = {
  NEXUS_LOCALNET_TEMPORAL_PORT: '0',
  NEXUS_LOCALNET_TEMPORAL_UI_PORT: '0',
  NEXUS_LOCALNET_RPC_PORT: '0',
  NEXUS_LOCALNET_MOTO_PORT: '0',
  NEXUS_LOCALNET_DKG_BASE_PORT: '0',
  NEXUS_LOCALNET_BEACON_PORT: '0',
  NEXUS_LOCALNET_CODEC_PORT: '0',
  NEXUS_LOCALNET_METRICS_PORT: '0',
};

interface Launcher {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(dir: string, env: Record<string, string> = {}, args: string[] = []): Launcher {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(REPO_ROOT, 'localnet', 'start.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...FREE_PORTS, NEXUS_LOCALNET_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, output: () => output, exited };
}

/** Waits for the network.json written by this launcher (not one left by an earlier one). */
async function waitForNetwork(dir: string, launcher: Launcher, timeoutMs = 150_000): Promise<NetworkFile> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void launcher.exited.then(() => {
    exitedEarly = true;
  });
  for (;;) {
    if (existsSync(networkFilePath(dir))) {
      const network = JSON.parse(readFileSync(networkFilePath(dir), 'utf8')) as NetworkFile;
      if (network.launcherPid === launcher.child.pid) return readNetworkFile(dir);
    }
    if (exitedEarly) throw new Error(`launcher exited before network.json:\n${launcher.output()}`);
    if (Date.now() > deadline) throw new Error(`no network.json after ${timeoutMs / 1000} s:\n${launcher.output()}`);
    await sleep(200);
  }
}

async function stopLauncher(launcher: Launcher): Promise<number | null> {
  launcher.child.kill('SIGINT');
  return launcher.exited;
}

describe('local network launcher (npm start)', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'nexus-localnet-'));
  let launcher: Launcher;
  let network: NetworkFile;
  let provider: ethers.JsonRpcProvider;

  before(async () => {
    launcher = launch(dir);
    network = await waitForNetwork(dir, launcher);
    provider = new ethers.JsonRpcProvider(network.rpcUrl, network.chainId, { staticNetwork: true, cacheTimeout: -1 });
  });

  after(async () => {
    provider?.destroy();
    if (launcher && launcher.child.exitCode === null) await stopLauncher(launcher);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes network.json with the chain, Temporal, contracts and the demo rollup', () => {
    assert.match(network.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(network.temporal.uiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(network.rollups.map((r) => r.keyPath).sort(), ['dkg', 'mnemonic']);
    assert.match(launcher.output(), new RegExp(`Temporal Web UI\\s+${network.temporal.uiUrl}`));
  });

  it("holds only keys of anvil's public dev mnemonic in network.json", () => {
    const devKeys = new Set(
      Array.from(
        { length: 10 },
        (_, i) => ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey,
      ),
    );
    const keys = [network.accounts.deployer.key, network.accounts.bot.key, ...network.rollups.map((r) => r.adminKey)];
    for (const key of keys) assert.ok(devKeys.has(key), 'network.json holds a key that is not a public dev key');
  });

  it('has the contracts deployed and the demo rollups registered with funded bridges', async () => {
    const [rollup] = network.rollups;
    const nexus = await contractAt(nexusContractName(network.nexusVersion), network.contracts.nexus, provider);
    const [bridge, stakingLimit, cluster] = (await nexus.getFunction('rollups')(rollup.admin)) as [
      string,
      bigint,
      bigint,
    ];
    assert.equal(bridge, rollup.bridge);
    assert.equal(Number(stakingLimit), rollup.stakingLimit);
    assert.equal(Number(cluster), rollup.operatorCluster);
    assert.ok((await provider.getBalance(rollup.bridge)) > 0n, 'bridge holds no ETH');
    assert.equal(new ethers.Wallet(rollup.adminKey).address, rollup.admin);

    const nodeOperator = await contractAt('NodeOperator', network.contracts.nodeOperator, provider);
    assert.deepEqual(
      ((await nodeOperator.getFunction('getCluster')(rollup.operatorCluster)) as bigint[]).map(Number),
      [1, 2, 3, 4],
    );
    for (const op of network.dkgOperators) {
      assert.equal(await nodeOperator.getFunction('ssvDKGIP')(op.id), op.url);
    }
    // Public keys are only in the registration events (the public NodeOperator has no getter).
    const registered = await nodeOperator.queryFilter(nodeOperator.filters.SSVOperatorRegistered(), 0);
    for (const op of network.dkgOperators) {
      const event = registered.find((e) => 'args' in e && Number(e.args.operatorId) === op.id);
      assert.ok(
        event && 'args' in event && String(event.args.pubKey).length > 100,
        `operator ${op.id} has no public key`,
      );
    }
    assert.equal(network.nexusVersion, 'v2024-06', 'npm start runs v2024-06 by default');
    const depositContract = await contractAt('DepositContract', network.contracts.depositContract, provider);
    assert.equal(((await depositContract.getFunction('get_deposit_root')()) as string).length, 66);
  });

  it('produces a block about every second', async () => {
    const first = await provider.getBlockNumber();
    await sleep(3_000);
    assert.ok((await provider.getBlockNumber()) >= first + 2);
  });

  it('runs the worker: a workflow started on the dev server completes, and search attributes are registered', async () => {
    const connection = await Connection.connect({ address: network.temporal.address });
    try {
      const client = new Client({
        connection,
        namespace: network.temporal.namespace,
        dataConverter: codecDataConverter(network.codecKeysFile),
      });
      const result = await client.workflow.execute(selfCheckWorkflow, {
        taskQueue: network.temporal.taskQueue,
        workflowId: `localnet-self-check-${Date.now()}`,
        args: [{ wait: '1 second' }],
      });
      assert.match(result.worker, /^localnet-worker-/);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: network.temporal.namespace,
      });
      for (const key of BOT_SEARCH_ATTRIBUTES)
        assert.ok(customAttributes && key.name in customAttributes, `${key.name} missing`);
    } finally {
      await connection.close();
    }
  });

  it("creates both demo rollups' validators, the DKG one through ceremonies with the four operators, and `show` finds a DKG validator", async () => {
    assert.equal(
      network.ssvDkg.kind,
      'stand-in',
      'this machine has no real ssv-dkg: the launcher must say it uses the stand-in',
    );
    assert.match(launcher.output(), /ssv-dkg: the stand-in .*not in the tool cache/);
    const connection = await Connection.connect({ address: network.temporal.address });
    try {
      const client = new Client({
        connection,
        namespace: network.temporal.namespace,
        dataConverter: codecDataConverter(network.codecKeysFile),
      });
      const funding = { mnemonic: ethers.parseEther('640'), dkg: ethers.parseEther('320') };
      const deadline = Date.now() + 180_000;
      for (const rollup of network.rollups) {
        const bridge = await contractAt('NexusBaseBridge', rollup.bridge, provider);
        const expected = maxDepositsWithinLimit({
          bridgeBalanceWei: funding[rollup.keyPath],
          validatorCount: 0n,
          stakingLimitBps: asBasisPoints(rollup.stakingLimit),
        });
        assert.ok(expected > 0n, `${rollup.name} is set to create nothing`);
        while ((await bridge.getFunction('validatorCount')()) !== expected) {
          if (Date.now() > deadline)
            assert.fail(
              `${rollup.name}: ${JSON.stringify(await client.workflow.getHandle(rollup.monitorWorkflowId).query(monitorStatusQuery))}`,
            );
          await sleep(500);
        }
      }
      // The DKG validator's batch, found by its key: a ceremony batch on the dkg key path.
      const dkgRollup = network.rollups.find((r) => r.keyPath === 'dkg');
      assert.ok(dkgRollup);
      const workerConfig = JSON.parse(readFileSync(network.workerConfigFile, 'utf8')) as {
        dkg: { archiveDir: string };
      };
      const archive = join(workerConfig.dkg.archiveDir, dkgRollup.admin.toLowerCase());
      const ceremonies = readdirSync(archive);
      assert.ok(ceremonies.length >= 1, `no ceremony archived under ${archive}`);
      // Marked right after its deposit is mined (the validator count moves with the deposit itself).
      const readManifest = () =>
        JSON.parse(readFileSync(join(archive, ceremonies[0], 'ceremony.json'), 'utf8')) as {
          pubkeys: string[];
          state: string;
        };
      while (readManifest().state !== 'deposited') {
        if (Date.now() > deadline)
          assert.fail(`the archived ceremony ${ceremonies[0]} is still ${readManifest().state}`);
        await sleep(250);
      }
      const manifest = readManifest();
      const dkgPubkey = manifest.pubkeys[0];
      // The keyshares registration follows the deposit through the registrar: wait for it, do not race it.
      const nexus = await contractAt(nexusContractName(network.nexusVersion), network.contracts.nexus, provider);
      let nexusStatus = (await nexus.getFunction('validators')(dkgPubkey)) as bigint;
      while (nexusStatus !== 2n) {
        assert.ok(
          nexusStatus === 1n,
          `the deposited DKG key has Nexus status ${nexusStatus}, neither DEPOSITED nor SHARE_DEPOSITED`,
        );
        if (Date.now() > deadline)
          assert.fail(`the DKG key ${dkgPubkey} is still DEPOSITED: its keyshares were never registered`);
        await sleep(250);
        nexusStatus = (await nexus.getFunction('validators')(dkgPubkey)) as bigint;
      }
      // The batch learns of its registration by the registrar's signal, a moment after the chain.
      type ShownBatch = { workflowId: string; keyPath: string; pubkeys: string[]; phase: string };
      let batch: ShownBatch;
      for (;;) {
        const shown = await runNexusBot(['show', dkgPubkey, '--json', '--config', network.workerConfigFile]);
        assert.equal(shown.code, 0, shown.stderr);
        batch = JSON.parse(shown.stdout) as ShownBatch;
        if (batch.phase === 'done') break;
        assert.equal(batch.phase, 'registering', `the batch of a SHARE_DEPOSITED key: ${JSON.stringify(batch)}`);
        if (Date.now() > deadline) assert.fail(`the DKG batch never reached done: ${JSON.stringify(batch)}`);
        await sleep(500);
      }
      assert.equal(batch.keyPath, 'dkg');
      assert.ok(batch.pubkeys.map((p) => p.toLowerCase()).includes(dkgPubkey.toLowerCase()), JSON.stringify(batch));
    } finally {
      await connection.close();
    }
  });

  it('runs two workers on one Temporal server: both took activity tasks, only worker 1 (the writer role) sent transactions, and `show` names the worker of each step', async () => {
    const workers = network.workers ?? [];
    assert.deepEqual(
      workers.map((w) => w.roles),
      [
        ['general', 'writer', 'salt'],
        ['general', 'salt'],
      ],
    );
    const connection = await Connection.connect({ address: network.temporal.address });
    try {
      const client = new Client({
        connection,
        namespace: network.temporal.namespace,
        dataConverter: codecDataConverter(network.codecKeysFile),
      });
      const steps = await stepsOnQueue(client, network.temporal.taskQueue);
      const ran = (name: string) => steps.filter((s) => workerNameOf(s.worker) === name);
      for (const w of workers) assert.ok(ran(w.name).length > 0, `${w.name} took no activity task of ${steps.length}`);
      const writes = steps.filter((s) => activityRole(s.activity) === 'writer' && s.worker);
      assert.ok(writes.length > 0, 'no chain-writer activity ran');
      for (const s of writes) {
        assert.equal(workerNameOf(s.worker), workers[0].name, `${s.activity} of ${s.workflowId} ran on ${s.worker}`);
        assert.equal(s.taskQueue, `${network.temporal.taskQueue}-chain-writer`);
      }
    } finally {
      await connection.close();
    }
    const mnemonicRollup = network.rollups.find((r) => r.keyPath === 'mnemonic');
    assert.ok(mnemonicRollup);
    const shown = await runNexusBot([
      'show',
      creationWorkflowId(asRollupAdmin(mnemonicRollup.admin)),
      '--config',
      network.workerConfigFile,
    ]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`submitDeposits +${workers[0].name}@`));
  });

  it("the nexus-bot CLI reaches the network with the worker's configuration: list and status of the demo rollups", async () => {
    const list = await runNexusBot(['list', '--json', '--config', network.workerConfigFile]);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { rollupAdmin: string; keyPath: string; paused: boolean }[];
    assert.deepEqual(
      rows.map((r) => [r.rollupAdmin, r.keyPath, r.paused]).sort(),
      network.rollups.map((r) => [r.admin.toLowerCase(), r.keyPath, false]).sort(),
    );
    const mnemonicRollup = network.rollups.find((r) => r.keyPath === 'mnemonic');
    assert.ok(mnemonicRollup);
    const status = await runNexusBot(['status', mnemonicRollup.admin, '--config', network.workerConfigFile]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /poll every {2}30 seconds/);
  });

  it('runs the beacon node: beaconUrl answers, with the demo mnemonic keys active and withdrawing to their bridge', async () => {
    assert.equal(network.beacon.url, network.beaconUrl);
    assert.match(network.beaconUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const genesis = await getGenesis(network.beaconUrl);
    assert.equal(genesis.genesisValidatorsRoot, network.beacon.genesisValidatorsRoot);
    assert.equal(genesis.genesisForkVersion, network.beacon.genesisForkVersion);
    assert.equal(genesis.genesisTime, network.beacon.genesisTime);
    assert.ok((await getHeadSlot(network.beaconUrl)) >= 1);
    assert.ok(network.processes.some((p) => p.name === 'beacon node'));

    const bridge = network.rollups.find((r) => r.keyPath === 'mnemonic')?.bridge;
    assert.ok(bridge);
    const keys = await deriveSigningKeys(DEMO_MNEMONIC, DEMO_BEACON_KEY_INDICES);
    wipeKeys(keys);
    const validators = await getValidators(
      network.beaconUrl,
      keys.map((k) => k.pubkeyHex),
    );
    assert.deepEqual(validators.map((v) => v.pubkey).sort(), keys.map((k) => k.pubkeyHex).sort());
    for (const v of validators) {
      assert.equal(v.status, 'active_ongoing');
      assert.equal(v.withdrawalCredentials, withdrawalCredentialsFor(bridge));
    }
  });

  it("encrypts payloads: the monitor's stored input is ciphertext, and the codec server decodes it for the Web UI", async () => {
    const connection = await Connection.connect({ address: network.temporal.address });
    try {
      const rollup = network.rollups[0];
      const history = await new Client({ connection, namespace: network.temporal.namespace }).workflow
        .getHandle(rollup.monitorWorkflowId)
        .fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.ok(input, "no input payload in the monitor's first event");
      assert.equal(Buffer.from(input.metadata?.encoding ?? []).toString(), ENCRYPTED_ENCODING);
      // The launcher starts monitors with the admin lowercased (client/monitors.ts); either form must not show.
      const plain = Buffer.from(input.data ?? [])
        .toString('latin1')
        .toLowerCase();
      assert.ok(!plain.includes(rollup.admin.toLowerCase()), 'the rollup admin shows in the stored input');
      const res = await fetch(`${network.codecEndpoint}/${network.temporal.namespace}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: network.temporal.uiUrl },
        body: JSON.stringify({
          payloads: [
            {
              metadata: Object.fromEntries(
                Object.entries(input.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
              ),
              data: Buffer.from(input.data ?? []).toString('base64'),
            },
          ],
        }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), network.temporal.uiUrl);
      const [decoded] = ((await res.json()) as { payloads: { data: string }[] }).payloads;
      assert.match(Buffer.from(decoded.data, 'base64').toString(), new RegExp(rollup.admin, 'i'));
    } finally {
      await connection.close();
    }
  });

  it('serves the Temporal Web UI', async () => {
    const res = await fetch(network.temporal.uiUrl);
    assert.equal(res.status, 200);
  });

  it("serves the worker's Prometheus metrics (ours and the SDK's), with the demo rollups' last poll", async () => {
    // Each worker has its own endpoint; a rollup's last poll is on the worker that read it.
    const urls = [network.metricsUrl, ...(network.workers ?? []).slice(1).map((w) => w.metricsUrl)];
    const text = (await Promise.all(urls.map(async (url) => (await fetch(url)).text()))).join('\n');
    for (const name of [
      'nexus_last_successful_poll_timestamp_seconds',
      'nexus_inflight_ceremonies',
      'nexus_inflight_exits',
      'temporal_worker_task_slots_available',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} missing`);
    }
    for (const r of network.rollups)
      assert.match(
        text,
        new RegExp(`nexus_last_successful_poll_timestamp_seconds\\{[^}]*rollup="${r.admin.toLowerCase()}"`, 'i'),
        `no poll time for ${r.name}`,
      );
  });

  it('runs the Secrets Manager emulator', async () => {
    const sm = new SecretsManagerClient({
      endpoint: network.aws.endpoint,
      region: network.aws.region,
      credentials: MOTO_CREDENTIALS,
    });
    await sm.send(new CreateSecretCommand({ Name: 'localnet-test', SecretString: 'x' }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'localnet-test' }))).SecretString, 'x');
  });

  // The last of the tests that read the network's state: it raises the DKG demo rollup's limit
  // and adds ETH to its bridge, so ceremonies keep running after it.
  it("shows the DKG demo rollup's in-flight ceremony in the Web UI, found by its search attributes (rollup, key path dkg, phase key-material; screenshot kept)", async () => {
    const rollup = network.rollups.find((r) => r.keyPath === 'dkg');
    assert.ok(rollup);
    const admin = rollup.admin.toLowerCase();
    const workflowId = creationWorkflowId(asRollupAdmin(rollup.admin));
    // A user deposit (depositFunds; a plain transfer would count as rewards). 1280 ETH more at a 100 % limit: ceremonies
    // of 10 (the launcher's maxBatch) in a row, each ~29 s at the real binary's measured pace, so one is in flight a good while.
    const adminWallet = new ethers.NonceManager(new ethers.Wallet(rollup.adminKey, provider));
    await (
      await (await contractAt('BridgeContractDAOV2024_06', rollup.bridge, adminWallet)).getFunction('depositFunds')({
        value: ethers.parseEther('1280'),
      })
    ).wait();
    await (
      await (
        await contractAt(nexusContractName(network.nexusVersion), network.contracts.nexus, adminWallet)
      ).getFunction('changeStakingLimit')(10_000)
    ).wait();
    const bridge = await contractAt('NexusBaseBridge', rollup.bridge, provider);
    const toCreate = maxDepositsWithinLimit({
      bridgeBalanceWei: await provider.getBalance(rollup.bridge),
      validatorCount: (await bridge.getFunction('validatorCount')()) as bigint,
      stakingLimitBps: asBasisPoints(10_000),
    });
    assert.ok(toCreate > 30n, `only ${toCreate} validators to create: not enough ceremonies to keep one in flight`);

    const connection = await Connection.connect({ address: network.temporal.address });
    let browser: RunningChromium | undefined;
    try {
      const client = new Client({
        connection,
        namespace: network.temporal.namespace,
        dataConverter: codecDataConverter(network.codecKeysFile),
      });
      const monitor = client.workflow.getHandle(rollup.monitorWorkflowId);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status: MonitorStatus = await monitor.query(monitorStatusQuery);
        if (status.inFlight?.workflowId === workflowId && status.inFlight.phase === 'key-material') {
          // The monitor's status says so too, as `nexus-bot status` prints it.
          const shown = await runNexusBot(['status', rollup.admin, '--config', network.workerConfigFile]);
          if (/phase key-material \(ssv-dkg ceremony in flight\)/.test(shown.stdout)) break;
        }
        if (Date.now() > deadline)
          assert.fail(`no ceremony in flight 60 s after the limit and the balance rose: ${JSON.stringify(status)}`);
        await sleep(500);
      }

      browser = await startChromium();
      const page = await (await browser.browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
      const query = `NexusRollupAdmin="${admin}" AND NexusKeyPath="dkg" AND NexusPhase="key-material" AND WorkflowType="createValidatorsWorkflow" AND ExecutionStatus="Running"`;
      const listUrl = `${network.temporal.uiUrl}/namespaces/${encodeURIComponent(network.temporal.namespace)}/workflows?query=${encodeURIComponent(query)}`;
      const rows = page.locator('tr[data-testid="workflows-summary-configurable-table-row"]');
      const row = rows.filter({ hasText: workflowId }).first();
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const screenshot = join(ARTIFACTS_DIR, 'web-ui-inflight-ceremony.png');
      rmSync(screenshot, { force: true });
      // Visibility lags the history a little, and between two batches none is running: reload
      // until the row is there.
      await page.goto(listUrl);
      const uiDeadline = Date.now() + 60_000;
      for (;;) {
        try {
          await row.waitFor({ timeout: 5_000 });
          break;
        } catch {
          if (Date.now() > uiDeadline) {
            await page.screenshot({ path: screenshot, fullPage: true });
            assert.fail(
              `the Web UI lists no running ${workflowId} after 60 s at ${listUrl} (screenshot ${screenshot}):\n${(await page.locator('body').innerText()).slice(0, 3000)}`,
            );
          }
          await page.reload();
        }
      }
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`      Web UI screenshot: ${screenshot}`);
      assert.ok(statSync(screenshot).size > 20_000, `${screenshot} is only ${statSync(screenshot).size} bytes`);
      assert.match(await row.innerText(), /Running/);
      const link = row.locator('a', { hasText: workflowId }).first();
      assert.equal((await link.innerText()).trim(), workflowId);
      // The query found that ceremony and nothing else (not the mnemonic demo rollup's batch, not a finished one).
      for (const text of await rows.allInnerTexts())
        assert.ok(text.includes(workflowId) && /Running/.test(text), `unexpected row: ${text}`);

      // Its page shows the search attributes it was found by, and its phase.
      const href = await link.getAttribute('href');
      assert.ok(href && href.endsWith('/history'), `unexpected link ${href}`);
      await page.goto(`${network.temporal.uiUrl}${href.replace(/\/history$/, '/search-attributes')}`);
      await page.getByText(`"NexusRollupAdmin": "${admin}"`).first().waitFor({ timeout: 30_000 });
      const details = await page.locator('body').innerText();
      assert.ok(details.includes(workflowId), 'the workflow page does not name the workflow');
      assert.match(details, /"NexusKeyPath": "dkg"/);
      assert.match(details, /"NexusPhase": "(key-material|depositing|registering|done)"/);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-ui-inflight-ceremony-workflow.png'), fullPage: true });
    } finally {
      await browser?.stop();
      await connection.close();
    }
  });

  it('refuses a second launcher on the same folder, naming the running one', async () => {
    const second = launch(dir);
    assert.equal(await second.exited, 1);
    assert.match(second.output(), new RegExp(`already running from .* \\(launcher pid ${network.launcherPid}\\)`));
    assert.ok(isProcessAlive(network.launcherPid), 'the first launcher was disturbed');
  });

  it('names a port that is already in use and the setting that moves it', async () => {
    const other = mkdtempSync(join(tmpdir(), 'nexus-localnet-port-'));
    const rpcPort = new URL(network.rpcUrl).port;
    const clash = launch(other, { NEXUS_LOCALNET_RPC_PORT: rpcPort });
    assert.equal(await clash.exited, 1);
    assert.match(
      clash.output(),
      new RegExp(`port ${rpcPort} on 127\\.0\\.0\\.1 \\(anvil JSON-RPC\\) is already in use.*NEXUS_LOCALNET_RPC_PORT`),
    );
    rmSync(other, { recursive: true, force: true });
  });

  it('on Ctrl-C stops every process it started and removes network.json', async () => {
    assert.equal(await stopLauncher(launcher), 0);
    for (const { name, pid } of network.processes) assert.ok(!isProcessAlive(pid), `${name} (pid ${pid}) still runs`);
    assert.ok(!existsSync(networkFilePath(dir)));
  });

  it('after a launcher was killed: reports network.json as stale, cleans up on the next start and reuses the chain', async () => {
    // What a SIGKILLed launcher leaves behind: its lock and network.json, naming a dead PID.
    const deadPid = 999_999;
    writeFileSync(join(dir, 'launcher.pid'), String(deadPid));
    writeFileSync(networkFilePath(dir), JSON.stringify({ ...network, launcherPid: deadPid }));
    assert.throws(
      () => readNetworkFile(dir),
      new RegExp(`is stale: its launcher \\(pid ${deadPid}\\) is no longer running`),
    );

    launcher = launch(dir);
    const restarted = await waitForNetwork(dir, launcher);
    assert.match(launcher.output(), new RegExp(`previous launcher \\(pid ${deadPid}\\) did not stop cleanly`));
    assert.match(launcher.output(), /reusing the contracts deployed earlier/);
    assert.deepEqual(restarted.contracts, network.contracts);
    assert.equal(await stopLauncher(launcher), 0);
  });

  it('refuses to put another Nexus version on the chain kept from earlier runs, saying how to reset, and leaves nothing running', async () => {
    const run = launch(dir, { NEXUS_LOCALNET_NEXUS_VERSION: 'v2024-03' });
    assert.equal(await run.exited, 1);
    assert.match(
      run.output(),
      /the local chain holds Nexus v2024-06 contracts, not v2024-03: run `npm start -- --reset`/,
    );
    assert.ok(!existsSync(networkFilePath(dir)));
  });
});

describe('local network launcher: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-localnet-bad-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a broken setting names the variable and the expected form', async () => {
    const run = launch(dir, { NEXUS_LOCALNET_RPC_PORT: 'eighty' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /NEXUS_LOCALNET_RPC_PORT: expected a port number \(got "eighty"\)/);
  });

  it('a bad Nexus version is named with the two it knows', async () => {
    const run = launch(dir, { NEXUS_LOCALNET_NEXUS_VERSION: 'v2025-01' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /NEXUS_LOCALNET_NEXUS_VERSION: expected v2024-03 or v2024-06/);
  });

  it('an unknown setting is named with the list of known ones', async () => {
    const run = launch(dir, { NEXUS_LOCALNET_RCP_PORT: '1' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /unknown setting\(s\) NEXUS_LOCALNET_RCP_PORT: known ones are/);
  });

  it('a missing tool is named with the command that installs it, and nothing keeps running', async () => {
    const run = launch(dir, { NEXUS_BOT_TOOLS_DIR: join(dir, 'no-tools') });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /tool "temporal" is not installed at .*no-tools.*npm run setup/);
    assert.ok(!existsSync(join(dir, 'launcher.pid')), 'the lock was not released');
  });

  it('an unknown argument prints the usage', async () => {
    const run = launch(dir, {}, ['--frobnicate']);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /unknown argument\(s\) --frobnicate[\s\S]*Usage: npm start/);
  });
});
