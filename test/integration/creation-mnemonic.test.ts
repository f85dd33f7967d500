// Validator creation on the mnemonic key path, end to end on the real parts: Temporal dev server,
// anvil with our contracts, moto holding each rollup's encrypted mnemonic, and the worker as its
// own process (its salt on standard input). Two rollups with different balances and limits get
// exactly the validators the limits allow; every deposit is accepted by the deposit contract;
// every keyshares payload on chain is checked independently and by ssv-keys; owner nonces are
// contiguous across rollups; no secret appears in any workflow history or in the worker's log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, Connection } from '@temporalio/client';
import { ethers } from 'ethers';
import { KeySharesItem } from 'ssv-keys';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { MnemonicVault } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { contractAt } from '../../contracts/artifacts';
import { addCluster, deployNexusSystem, registerOperator, registerRollup, type NexusSystem } from '../../contracts/deploy';
import { ANVIL_DEV_MNEMONIC, startAnvil } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { stopAll, type ServiceProcess } from '../../localnet/services/process';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { startWorkerProcess } from '../../localnet/services/worker';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../workflows/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { checkIndependently, ssvKeysItemJson } from '../fixtures/keyshares/checks';
import { generateOperators, type TestOperator } from '../fixtures/keyshares/material';

const ETH = 10n ** 18n;
const TASK_QUEUE = 'nexus-bot-creation-it';
const SSV_PER_VALIDATOR = 10n * ETH;
const ROLLUPS = [
  { account: 2, name: 'rollup-a', funding: 320n * ETH, limit: 2000 },
  { account: 3, name: 'rollup-b', funding: 1000n * ETH, limit: 5000 },
];

const wallet = (i: number, provider: ethers.Provider) =>
  ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);

describe('creation end to end, mnemonic keys (Temporal + anvil + moto + worker process)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'nexus-creation-it-'));
  const services: ServiceProcess[] = [];
  const salt = randomBytes(24).toString('base64');
  const operators: TestOperator[] = generateOperators([1, 2, 3, 4]);
  let provider: ethers.JsonRpcProvider;
  let system: NexusSystem;
  let client: Client;
  let connection: Connection;
  let vault: MnemonicVault;
  let botKey: string;
  const rollups: { admin: string; bridge: string; limit: number; funding: bigint; expected: number }[] = [];

  before(async () => {
    const [temporal, anvil, moto] = await Promise.all([startTemporalDevServer(), startAnvil(), startMoto()]);
    services.push(temporal, anvil, moto);
    provider = new ethers.JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    const bot = wallet(1, provider);
    botKey = bot.privateKey;
    system = await deployNexusSystem(wallet(0, provider), { bot: bot.address });
    for (const op of operators) await registerOperator(system, { publicKey: op.publicKeyBase64, dkgPort: 3030 + op.id, name: `op-${op.id}` });
    await addCluster(system, 1, [1, 2, 3, 4]);

    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    vault = new MnemonicVault(sm, new SaltHolder(salt));
    for (const r of ROLLUPS) {
      const registered = await registerRollup(system, { rollupAdmin: wallet(r.account, provider), name: r.name, operatorCluster: 1, stakingLimit: r.limit, funding: r.funding });
      await vault.createMnemonic(registered.rollupAdmin);
      const expected = Number(maxDepositsWithinLimit({ bridgeBalanceWei: r.funding, validatorCount: 0n, stakingLimitBps: r.limit }));
      rollups.push({ admin: registered.rollupAdmin, bridge: registered.bridgeAddress, limit: r.limit, funding: r.funding, expected });
    }

    const botKeyFile = join(dir, 'bot.key');
    writeFileSync(botKeyFile, botKey, { mode: 0o600 });
    const configFile = join(dir, 'worker.json');
    writeFileSync(configFile, JSON.stringify({
      workerName: 'creation-it',
      temporal: { address: temporal.address, namespace: 'default', taskQueue: TASK_QUEUE },
      chain: { rpcUrls: [anvil.rpcUrl], chainId: anvil.chainId, logMaxRange: 1000 },
      contracts: system.addresses,
      botKeyFile,
      transactions: { journalFile: join(dir, 'tx-journal.json'), confirmations: 1, stuckAfterSeconds: 30 },
      keys: { depositNetwork: 'holesky', indexStateDir: join(dir, 'key-indices'), saltFromStdin: true },
      ssv: { amountPerValidatorWei: SSV_PER_VALIDATOR.toString() },
      aws: { region: MOTO_REGION, endpoint: moto.endpoint },
    }));
    const worker = await startWorkerProcess({
      configFile, workerName: 'creation-it', temporalAddress: temporal.address, namespace: 'default', taskQueue: TASK_QUEUE,
      logFile: join(dir, 'worker.log'), salt,
      env: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey },
    });
    services.push(worker);
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });

  after(async () => {
    await connection?.close();
    provider?.destroy();
    await stopAll(services);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates exactly the validators each limit allows, registers them, and then idles', async () => {
    const handles = await Promise.all(rollups.map((r) => client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: TASK_QUEUE, workflowId: monitorWorkflowId(r.admin), args: [{ rollupAdmin: r.admin, keyPath: 'mnemonic', pollInterval: '2 seconds', maxBatch: 4 }],
    })));
    const deadline = Date.now() + 240_000;
    for (const [i, handle] of handles.entries()) {
      for (;;) {
        const status = await handle.query(monitorStatusQuery);
        if (status.validatorsCreated === rollups[i].expected && status.phase === 'idle') break;
        if (Date.now() > deadline) assert.fail(`rollup ${rollups[i].admin}: ${JSON.stringify(status)}\n${readFileSync(join(dir, 'worker.log'), 'utf8').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    for (const r of rollups) {
      const bridge = await contractAt('NexusBaseBridge', r.bridge, provider);
      const count = (await bridge.getFunction('validatorCount')()) as bigint;
      assert.equal(count, BigInt(r.expected));
      const balance = await provider.getBalance(r.bridge);
      assert.equal(maxDepositsWithinLimit({ bridgeBalanceWei: balance, validatorCount: count, stakingLimitBps: r.limit }), 0n, 'the limit allows more');
    }
  });

  it('every deposit was accepted by the deposit contract, and every key is SHARE_DEPOSITED in Nexus', async () => {
    const total = rollups.reduce((n, r) => n + r.expected, 0);
    const deposit = await contractAt('DepositContract', system.addresses.depositContract, provider);
    const events = await deposit.queryFilter(deposit.filters.DepositEvent(), 0);
    assert.equal(events.length, total);
    for (const e of events) {
      const pubkey = (e as ethers.EventLog).args[0] as string;
      assert.equal(await system.contracts.nexus.getFunction('validators')(pubkey), 2n, `${pubkey} is not SHARE_DEPOSITED`);
    }
  });

  it('registered keyshares are valid (decrypted, recombined, signed for their nonce), ssv-keys accepts them, and owner nonces are contiguous across rollups', async () => {
    const ssv = new ethers.Contract(system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, provider);
    const added = (await ssv.queryFilter(ssv.filters.ValidatorAdded(system.addresses.nexus), 0)) as ethers.EventLog[];
    const total = rollups.reduce((n, r) => n + r.expected, 0);
    assert.equal(added.length, total);
    // The secret keys, re-derived from each rollup's mnemonic (what an exit will need too).
    const secrets = new Map<string, Uint8Array>();
    for (const r of rollups) {
      const keys = await deriveSigningKeys(await vault.readMnemonic(r.admin), Array.from({ length: r.expected }, (_, i) => i));
      for (const k of keys) secrets.set(k.pubkeyHex.toLowerCase(), Uint8Array.from(k.secretKey));
      wipeKeys(keys);
    }
    for (const [nonce, event] of added.entries()) {
      const [, operatorIds, publicKey, shares] = event.args as unknown as [string, bigint[], string, string];
      const sk = secrets.get(publicKey.toLowerCase());
      assert.ok(sk, `ValidatorAdded ${nonce} is not a key of the rollups' mnemonics`);
      const payload = { publicKey, operatorIds: operatorIds.map(Number), sharesData: shares };
      await checkIndependently(payload, sk, operators, system.addresses.nexus, nonce);
      const item = await KeySharesItem.fromJson(ssvKeysItemJson(payload, operators, system.addresses.nexus, nonce));
      assert.equal(item.error, undefined, String(item.error));
    }
  });

  it('no workflow history and no line of the worker log holds the mnemonics, the salt or a private key', async () => {
    const forbidden: string[] = [salt, botKey.slice(2)];
    for (const r of rollups) {
      const mnemonic = await vault.readMnemonic(r.admin);
      forbidden.push(mnemonic, ...mnemonic.split(' ').filter((w) => w.length >= 6).map((w) => ` ${w} `));
      const keys = await deriveSigningKeys(mnemonic, Array.from({ length: r.expected }, (_, i) => i));
      forbidden.push(...keys.map((k) => Buffer.from(k.secretKey).toString('hex')));
      wipeKeys(keys);
    }
    const histories: string[] = [];
    for await (const execution of client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}"` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      histories.push(JSON.stringify(history));
    }
    assert.ok(histories.length >= 3, `expected the monitors, creations and registrar, got ${histories.length} histories`);
    const exported = histories.join('\n');
    const log = readFileSync(join(dir, 'worker.log'), 'utf8');
    for (const secret of forbidden) {
      assert.ok(!exported.includes(secret), 'a workflow history holds a secret');
      assert.ok(!log.includes(secret), 'the worker log holds a secret');
    }
  });
});
