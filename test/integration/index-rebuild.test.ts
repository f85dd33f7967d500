// Issue 13 item 4, on the real parts (anvil with our Nexus, moto as Secrets Manager, the CLI bin):
// a rollup with deposits and no key index state file is refused at allocation, before any key is
// made (IndexStateMissingError, which names the deposits and the rebuild command), while a rollup
// without deposits starts at 0; `nexus-bot mnemonic rebuild` refuses a rollup Nexus does not
// know, finds the rollup's mnemonic keys at non-contiguous indices beside a foreign (DKG-like)
// key, writes a state whose next index is past the highest, and the next allocation continues there. Re-running changes nothing; a shorter gap
// limit stops early; an existing file is changed only with --force, never moving its index back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
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
import { IndexStateStore, type IndexState } from '../../activities/keys/index-state';
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
import { NON_RETRYABLE_TYPES } from '../../protocol/failure-types';
import { ETH, fakeOperatorKey, makeValidators, send } from '../contracts/helpers';
import { devWallet } from '../harness/creation-network';
import { useService } from '../harness/service';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
const SALT = 'rebuild-salt-Ω-7c2e';
const HOLESKY_FORK = KNOWN_CHAIN_FORK_VERSIONS[17000].forkVersion;
/** The mnemonic key indices deposited for the rollup: not contiguous. */
const DEPOSITED_INDICES = [0, 2, 5];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('index state: a lost file with deposits is refused; `nexus-bot mnemonic rebuild` (anvil + moto, CLI bin)', function () {
  this.timeout(600_000); // up to 3 CLI runs per test; each took 50-80 s on this 2-core machine under load 10
  const anvil = useService('anvil', () => startAnvil());
  const moto = useService('moto', () => startMoto());

  let tmp: string;
  let provider: ethers.JsonRpcProvider;
  let rollup: RegisteredRollup;
  let mnemonic: string;
  let mnemonicKeys: string[];
  let foreignKey: string;
  let configFile: string;
  let stateDir: string;
  let activities: ReturnType<typeof createCreationActivities>;

  /** The bin with the worker's configuration file and the salt on standard input; moto's credentials only. */
  const rebuild = (args: string[], admin = rollup.rollupAdmin): Promise<Result> =>
    new Promise((res) => {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NEXUS_BOT_CONFIG'),
      );
      const child = execFile(
        process.execPath,
        [BIN, 'mnemonic', 'rebuild', admin, '--config', configFile, '--salt-file', '-', ...args],
        {
          timeout: 300_000,
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
  const assertNoSecret = (r: Result) => {
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(SALT), 'salt printed');
      assert.ok(!text.includes(mnemonic.split(' ').slice(0, 3).join(' ')), 'mnemonic printed');
    }
  };
  const readStateFile = async (folder: string): Promise<IndexState> =>
    JSON.parse(await fs.readFile(join(folder, `${rollup.rollupAdmin.toLowerCase()}.json`), 'utf8')) as IndexState;

  before(async function () {
    this.timeout(180_000);
    tmp = await fs.mkdtemp(join(tmpdir(), 'nexus-index-rebuild-'));
    stateDir = join(tmp, 'key-indices');
    provider = new ethers.JsonRpcProvider(anvil().rpcUrl, anvil().chainId, {
      staticNetwork: true,
      pollingInterval: 50,
      cacheTimeout: -1,
    });
    const bot = devWallet(1, provider);
    const system = await deployNexusSystem(devWallet(0, provider), { bot: bot.address });
    for (const id of [1, 2, 3, 4])
      await registerOperator(system, { publicKey: fakeOperatorKey(id), dkgPort: 3030 + id, name: `op-${id}` });
    await addCluster(system, 1, [1, 2, 3, 4]);
    rollup = await registerRollup(system, {
      rollupAdmin: devWallet(2, provider),
      name: 'rebuild',
      operatorCluster: 1,
      stakingLimit: 5000,
      funding: 300n * ETH,
    });

    mnemonic = generateMnemonic();
    const sm = new SecretsManagerClient({
      endpoint: moto().endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    await new MnemonicVault(sm, new SaltHolder(SALT)).createMnemonic(rollup.rollupAdmin, { mnemonic });
    sm.destroy();

    // What a bot that has since lost its state file had deposited: mnemonic keys 0, 2 and 5 (1, 3
    // and 4 allocated but never deposited), and a key the mnemonic does not derive (a DKG key).
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
    const nexusAsBot = system.contracts.nexus.connect(bot) as ethers.Contract;
    await send(nexusAsBot, 'depositValidatorRollup', rollup.rollupAdmin, deposits);
    const [foreign] = await makeValidators(rollup.bridgeAddress, 1);
    await send(nexusAsBot, 'depositValidatorRollup', rollup.rollupAdmin, [foreign]);
    foreignKey = foreign.pubKey.toLowerCase();

    // The worker's configuration: the CLI reads chain, Nexus, index state folder and AWS from it.
    configFile = join(tmp, 'worker.json');
    await fs.writeFile(
      configFile,
      JSON.stringify({
        chain: { rpcUrls: [anvil().rpcUrl], chainId: anvil().chainId, logMaxRange: 1000 },
        contracts: system.addresses,
        keys: {
          depositNetwork: 'holesky',
          indexStateDir: stateDir,
          chainForkVersions: { [String(anvil().chainId)]: HOLESKY_FORK },
        },
        aws: { region: MOTO_REGION, endpoint: moto().endpoint },
      }),
    );

    // The creation activities as the worker builds them (its store creates the folder, as
    // worker/dependencies.ts does); the vault is there because the mnemonic path needs one.
    activities = atActivityBoundary(
      createCreationActivities({
        provider,
        txManager: new TransactionManager({
          provider,
          signer: bot,
          chainId: anvil().chainId,
          maxFeePerGasCeiling: 100n * 10n ** 9n,
          maxPriorityFeePerGas: 10n ** 9n,
          confirmations: 1,
          stuckAfterMs: 30_000,
          feeBumpPercent: 20,
          maxFeeBumps: 3,
        }),
        contracts: system.addresses,
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
        indexStore: new IndexStateStore({ folder: stateDir, createFolder: true }),
      }),
    );
  });

  after(async () => {
    provider?.destroy();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('refuses to allocate for a rollup with deposits and no state file (non-retryable, nothing written); a rollup without deposits starts at 0', async () => {
    const statePath = join(stateDir, `${rollup.rollupAdmin.toLowerCase()}.json`);
    const err = await activities
      .allocateKeyIndices({ rollupAdmin: rollup.rollupAdmin, requestId: 'creation-1', count: 2 })
      .catch((e: unknown) => e);
    assert.ok(
      err instanceof ApplicationFailure && failureTypeOf(err) === 'IndexStateMissingError' && err.nonRetryable,
      String(err),
    );
    assert.match(err.message, /key index state of rollup 0x[0-9a-fA-F]{40} is missing/);
    assert.match(err.message, /Nexus holds 4 key\(s\) deposited for it/);
    assert.ok(err.message.includes(`\`nexus-bot mnemonic rebuild ${rollup.rollupAdmin}\``), err.message);
    assert.ok(NON_RETRYABLE_TYPES.includes('IndexStateMissingError'), 'the workflow does not retry it');
    // Nothing allocated: no index 0 was handed out, so no key could be made from it.
    assert.equal(existsSync(statePath), false);

    const fresh = ethers.Wallet.createRandom().address;
    assert.deepEqual(
      await activities.allocateKeyIndices({ rollupAdmin: fresh, requestId: 'creation-1', count: 2 }),
      [0, 1],
    );

    // A rollup Nexus does not know (a typo, another Nexus) is refused, not given an empty state at 0.
    const stranger = ethers.Wallet.createRandom().address;
    const refused = await rebuild([], stranger);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not registered with Nexus/);
    assert.equal(existsSync(join(stateDir, `${stranger.toLowerCase()}.json`)), false);
  });

  it('rebuild finds the mnemonic keys at 0, 2 and 5 beside a DKG key, and the next allocation continues at 6; a second run changes nothing', async () => {
    const first = await rebuild([]);
    assert.equal(first.code, 0, first.stderr);
    assertNoSecret(first);
    assert.match(first.stdout, /rollup 0x[0-9a-fA-F]{40}: 4 key\(s\) deposited at Nexus/);
    assert.match(first.stdout, /found 3 of 4 deposited key\(s\) derived from this mnemonic; highest index 5/);
    assert.match(
      first.stdout,
      new RegExp(`1 deposited key\\(s\\) not derived from this mnemonic[^\\n]*\\n {2}${foreignKey}\\n`),
    );
    assert.match(
      first.stdout,
      /wrote .*: next index 6 \(no file before\), 3 allocation\(s\) added for indices 0, 2, 5/,
    );
    const state = await readStateFile(stateDir);
    assert.equal(state.nextIndex, 6);
    assert.deepEqual(
      state.allocations.map((a) => [a.start, a.count, a.pubkeys]),
      DEPOSITED_INDICES.map((i, n) => [i, 1, [mnemonicKeys[n]]]),
    );

    // The bot goes on after the highest deposited index, never at a gap below it.
    assert.deepEqual(
      await activities.allocateKeyIndices({ rollupAdmin: rollup.rollupAdmin, requestId: 'creation-2', count: 1 }),
      [6],
    );
    const before = await fs.readFile(join(stateDir, `${rollup.rollupAdmin.toLowerCase()}.json`), 'utf8');

    const again = await rebuild([]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already holds every found index \(next index 7\): nothing written/);
    assert.equal(
      await fs.readFile(join(stateDir, `${rollup.rollupAdmin.toLowerCase()}.json`), 'utf8'),
      before,
      'the file is untouched',
    );
  });

  it('a short gap limit stops before index 5; changing the existing file then needs --force, which merges and keeps what is there', async () => {
    const other = join(tmp, 'other-folder');
    await fs.mkdir(other);
    const short = await rebuild(['--index-state', other, '--gap-limit', '2']);
    assert.equal(short.code, 0, short.stderr);
    assertNoSecret(short);
    assert.match(short.stdout, /derived indices 0-4 of the rollup's mnemonic \(gap limit 2\)/);
    assert.match(short.stdout, /found 2 of 4 .* highest index 2/);
    assert.match(
      short.stdout,
      new RegExp(`2 deposited key\\(s\\) not derived[\\s\\S]*${mnemonicKeys[2]}[\\s\\S]*${foreignKey}`),
    );
    assert.equal((await readStateFile(other)).nextIndex, 3);

    const refused = await rebuild(['--index-state', other]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /exists and the rebuild would change it \(next index 3 → 6, 1 allocation\(s\) added for found indices 5\); pass --force/,
    );
    assert.equal((await readStateFile(other)).nextIndex, 3, 'nothing written');

    const forced = await rebuild(['--index-state', other, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assertNoSecret(forced);
    assert.match(forced.stdout, /next index 6 \(was 3\), 1 allocation\(s\) added for indices 5/);
    const merged = await readStateFile(other);
    assert.deepEqual(
      merged.allocations.map((a) => a.requestId),
      ['rebuild:0-0', 'rebuild:2-2', 'rebuild:5-5'],
    );
  });
});
