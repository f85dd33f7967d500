// The key index state in DynamoDB (keys.indexStore) on the real parts: anvil with our Nexus, moto
// as Secrets Manager and DynamoDB, the CLI bin. The table is made by `nexus-bot mnemonic
// create-index-table`; a worker whose table is missing refuses to start; a rollup with deposits and
// no state in the table is refused at allocation (IndexStateMissingError, naming the DynamoDB item
// and the rebuild) before any key is made; `nexus-bot mnemonic rebuild --config` writes the
// table, and the next allocation continues past the highest deposited index.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ethers } from 'ethers';
import { createCreationActivities } from '../../activities/creation-activities';
import { TransactionManager } from '../../activities/chain/tx-manager';
import { KNOWN_CHAIN_FORK_VERSIONS } from '../../activities/chain/signing-network';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { signDepositData, VALIDATOR_DEPOSIT_GWEI, withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypeOf } from '../harness/rejection';
import { atActivityBoundary } from '../../activities/typed-failure';
import type { IndexStore } from '../../activities/keys/index-store';
import { generateMnemonic, MnemonicVault } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type RegisteredRollup,
} from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { ConfigError, parseWorkerConfig } from '../../worker/config';
import { buildIndexStore } from '../../worker/index-store';
import { fakeOperatorKey, ETH, send } from '../contracts/helpers';
import { devWallet } from '../harness/creation-network';
import { useService } from '../harness/service';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
const SALT = 'rebuild-dynamodb-salt-Ω-41d0';
const HOLESKY_FORK = KNOWN_CHAIN_FORK_VERSIONS[17000].forkVersion;
const TABLE = 'nexus-key-indices';
/** The mnemonic key indices deposited for the rollup (1 and 2 allocated once, never deposited). */
const DEPOSITED_INDICES = [0, 3];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('index state in DynamoDB: a lost state with deposits is refused; `mnemonic rebuild` writes the table (anvil + moto, CLI bin)', function () {
  this.timeout(300_000);
  const anvil = useService('anvil', () => startAnvil());
  const moto = useService('moto', () => startMoto({ serial: true }));

  let tmp: string;
  let provider: ethers.JsonRpcProvider;
  let rollup: RegisteredRollup;
  let mnemonicKeys: string[];
  let configFile: string;
  let rawConfig: Record<string, unknown>;
  let addresses: Awaited<ReturnType<typeof deployNexusSystem>>['addresses'];
  let store: IndexStore;
  let activities: ReturnType<typeof createCreationActivities>;

  /** The bin with moto's credentials only, the salt on standard input. */
  const cli = (args: string[]): Promise<Result> =>
    new Promise((res) => {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NEXUS_BOT_CONFIG'),
      );
      const child = execFile(
        process.execPath,
        [BIN, ...args],
        {
          timeout: 240_000,
          env: {
            ...env,
            AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
            AWS_EC2_METADATA_DISABLED: 'true',
          },
        },
        (err, stdout, stderr) =>
          res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
      child.stdin?.end(SALT);
    });

  before(async function () {
    this.timeout(180_000);
    tmp = await fs.mkdtemp(join(tmpdir(), 'nexus-index-rebuild-dynamodb-'));
    provider = new ethers.JsonRpcProvider(anvil().rpcUrl, anvil().chainId, {
      staticNetwork: true,
      pollingInterval: 50,
      cacheTimeout: -1,
    });
    const bot = devWallet(1, provider);
    const system = await deployNexusSystem(devWallet(0, provider), { bot: bot.address });
    addresses = system.addresses;
    for (const id of [1, 2, 3, 4])
      await registerOperator(system, { publicKey: fakeOperatorKey(id), dkgPort: 3030 + id, name: `op-${id}` });
    await addCluster(system, 1, [1, 2, 3, 4]);
    rollup = await registerRollup(system, {
      rollupAdmin: devWallet(2, provider),
      name: 'rebuild-ddb',
      operatorCluster: 1,
      stakingLimit: 5000,
      funding: 300n * ETH,
    });

    const mnemonic = generateMnemonic();
    const sm = new SecretsManagerClient({
      endpoint: moto().endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    await new MnemonicVault(sm, new SaltHolder(SALT)).createMnemonic(rollup.rollupAdmin, { mnemonic });
    sm.destroy();

    // What a bot whose DynamoDB state was lost (or never migrated from a file) had deposited.
    const keys = await deriveSigningKeys(mnemonic, DEPOSITED_INDICES);
    const deposits = [];
    try {
      for (const key of keys) {
        const d = await signDepositData({
          secretKey: key.secretKey,
          withdrawalCredentials: withdrawalCredentialsFor(rollup.bridgeAddress),
          amountGwei: VALIDATOR_DEPOSIT_GWEI,
          genesisForkVersion: HOLESKY_FORK,
        });
        deposits.push([d.pubkey, d.withdrawalCredentials, d.signature, d.depositDataRoot]);
      }
    } finally {
      wipeKeys(keys);
    }
    mnemonicKeys = keys.map((k) => k.pubkeyHex);
    await send(
      system.contracts.nexus.connect(bot) as ethers.Contract,
      'depositValidatorRollup',
      rollup.rollupAdmin,
      deposits,
    );

    rawConfig = {
      chain: { rpcUrls: [anvil().rpcUrl], chainId: anvil().chainId, logMaxRange: 1000 },
      contracts: system.addresses,
      keys: {
        depositNetwork: 'holesky',
        indexStore: { kind: 'dynamodb', table: TABLE },
        chainForkVersions: { [String(anvil().chainId)]: HOLESKY_FORK },
      },
      aws: { region: MOTO_REGION, endpoint: moto().endpoint },
    };
    configFile = join(tmp, 'worker.json');
    await fs.writeFile(configFile, JSON.stringify(rawConfig));
  });

  // buildIndexStore makes its client as the worker does, from the SDK's default credential chain:
  // moto's credentials in this process's environment while this file runs, restored after.
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(() => {
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  });
  after(async () => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', savedEnv.id],
      ['AWS_SECRET_ACCESS_KEY', savedEnv.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    provider?.destroy();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('a worker refuses to start without its table; `mnemonic create-index-table` makes it (once)', async () => {
    const missing = await buildIndexStore(parseWorkerConfig(rawConfig)).catch((e: unknown) => e);
    assert.ok(missing instanceof ConfigError, `expected ConfigError, got ${inspect(missing, { depth: 0 })}`);
    assert.match(
      missing.message,
      /keys\.indexStore\.table: the key index DynamoDB table nexus-key-indices does not exist .*nexus-bot mnemonic create-index-table/,
    );

    const created = await cli(['mnemonic', 'create-index-table', '--config', configFile]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /created DynamoDB table nexus-key-indices \(http:\/\/127\.0\.0\.1:\d+, region us-east-1\): on-demand, deletion protection and point-in-time recovery on/,
    );
    const again = await cli(['mnemonic', 'create-index-table', '--config', configFile]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /exists already with the key index schema: left as it is/);

    store = (await buildIndexStore(parseWorkerConfig(rawConfig))) as IndexStore;
    assert.equal(store.kind, 'dynamodb');
    activities = atActivityBoundary(
      createCreationActivities({
        provider,
        txManager: new TransactionManager({
          provider,
          signer: devWallet(1, provider),
          chainId: anvil().chainId,
          maxFeePerGasCeiling: 100n * 10n ** 9n,
          maxPriorityFeePerGas: 10n ** 9n,
          confirmations: 1,
          stuckAfterMs: 30_000,
          feeBumpPercent: 20,
          maxFeeBumps: 3,
        }),
        contracts: addresses,
        ssvFromBlock: 0,
        logMaxRange: 1000,
        genesisForkVersion: ethers.getBytes(HOLESKY_FORK),
        funding: { runwayBlocks: 1000n, safetyMarginBlocks: 10n },
        network: {
          depositNetwork: 'holesky',
          signingForkVersion: HOLESKY_FORK,
          chainForkVersions: { [String(anvil().chainId)]: HOLESKY_FORK },
        },
        vault: new MnemonicVault(
          new SecretsManagerClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS }),
          new SaltHolder(SALT),
        ),
        indexStore: store,
      }),
    );
  });

  it('refuses to allocate for a rollup with deposits and no state in the table (nothing written); a rollup without deposits starts at 0', async () => {
    const err = await activities
      .allocateKeyIndices({ rollupAdmin: rollup.rollupAdmin, requestId: 'creation-1', count: 2 })
      .catch((e: unknown) => e);
    assert.ok(
      err instanceof ApplicationFailure && failureTypeOf(err) === 'IndexStateMissingError' && err.nonRetryable,
      String(err),
    );
    assert.match(
      err.message,
      new RegExp(
        `is missing \\(no item rollup#${rollup.rollupAdmin.toLowerCase()}/head of DynamoDB table ${TABLE}\\) but Nexus holds 2 key\\(s\\) deposited`,
      ),
    );
    assert.ok(err.message.includes(`\`nexus-bot mnemonic rebuild ${rollup.rollupAdmin}\``), err.message);
    assert.equal(await store.readStateIfPresent(rollup.rollupAdmin), undefined, 'no index 0 was handed out');

    const fresh = ethers.Wallet.createRandom().address;
    assert.deepEqual(
      await activities.allocateKeyIndices({ rollupAdmin: fresh, requestId: 'creation-1', count: 2 }),
      [0, 1],
    );
  });

  it('`mnemonic rebuild --config` writes the table: found indices 0 and 3, next index 4, where allocation goes on; a second run writes nothing', async () => {
    const first = await cli(['mnemonic', 'rebuild', rollup.rollupAdmin, '--config', configFile, '--salt-file', '-']);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(!first.stdout.includes(SALT) && !first.stderr.includes(SALT), 'salt printed');
    assert.match(first.stdout, /found 2 of 2 deposited key\(s\) derived from this mnemonic; highest index 3/);
    assert.match(
      first.stdout,
      new RegExp(
        `wrote item rollup#${rollup.rollupAdmin.toLowerCase()}/head of DynamoDB table ${TABLE}: next index 4 \\(no state before\\), 2 allocation\\(s\\) added for indices 0, 3`,
      ),
    );
    const state = await store.readState(rollup.rollupAdmin);
    assert.equal(state.nextIndex, 4);
    assert.deepEqual(
      state.allocations.map((a) => [a.start, a.count, a.pubkeys]).sort(),
      DEPOSITED_INDICES.map((i, n) => [i, 1, [mnemonicKeys[n]]]),
    );

    assert.deepEqual(
      await activities.allocateKeyIndices({ rollupAdmin: rollup.rollupAdmin, requestId: 'creation-2', count: 1 }),
      [4],
    );
    const again = await cli([
      'mnemonic',
      'rebuild',
      rollup.rollupAdmin,
      '--index-table',
      TABLE,
      '--config',
      configFile,
      '--salt-file',
      '-',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already holds every found index \(next index 5\): nothing written/);
    assert.equal((await store.readState(rollup.rollupAdmin)).allocations.length, 3);
  });
});
