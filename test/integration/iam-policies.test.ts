// The IAM policies shipped in deploy/aws/, enforced by moto_server's IAM access control: a user
// holding exactly the instance policy can do every Secrets Manager call the worker makes (through
// the bot's own MnemonicVault) and nothing else: no secret outside nexus-bot/rollups/, no
// creating, listing, describing, changing or deleting. A user holding exactly the admin policy
// runs the real `nexus-bot mnemonic create` (the installed bin, as cli-mnemonic.test.ts runs it),
// and still reaches nothing outside the prefix.
//
// moto checks each request's action against the user's policies and, with the resource patch in
// localnet/services/moto.ts, the secret's ARN against their Resource. It does not model KMS calls
// made by Secrets Manager, so the kms:Decrypt statements are not exercised here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ethers } from 'ethers';
import { MnemonicSecretMissingError } from '../../activities/keys/errors';
import { MnemonicVault, mnemonicSecretName } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import {
  MOTO_ACCOUNT_ID,
  setUpActions,
  setUpIamUsers,
  withMotoIamErrors,
  type IamUser,
  type IamUserSpec,
} from '../harness/moto-iam';
import { useService } from '../harness/service';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
const SALT = 'iam-salt-7d0c2a91';
/** A secret of something else in the same account: neither role may read it. */
const OTHER_SECRET = { name: 'other-app/database-password', value: 'not-for-the-bot' };

const VARS = {
  REGION: MOTO_REGION,
  ACCOUNT_ID: MOTO_ACCOUNT_ID,
  KMS_KEY_ARN: `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:key/0b7c3f51-2d4e-4f6a-9c1b-5e8d7a6f4b21`,
};
const USERS: IamUserSpec[] = [
  { name: 'nexus-bot-instance', policyFiles: ['nexus-bot-instance-policy.json'] },
  { name: 'nexus-bot-admin', policyFiles: ['nexus-bot-admin-policy.json'] },
];
const SET_UP_ACTIONS = setUpActions(USERS, 1);

/** The answer to a call the policies do not allow: moto's AccessDenied (AWS's AccessDeniedException), naming the action. */
function isAccessDenied(err: unknown): boolean {
  const { name, message } = err as Error;
  if (name !== 'AccessDenied' && name !== 'AccessDeniedException') throw err; // anything else: shown as it is
  return /is not authorized to perform: secretsmanager:/.test(message);
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The installed bin with `user`'s credentials and nothing else of this machine's AWS settings. */
function cli(args: string[], user: IamUser): Promise<Result> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: user.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  return new Promise((res) => {
    const child = execFile(process.execPath, [BIN, ...args], { timeout: 60_000, env }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end('');
  });
}

describe('IAM policies of deploy/aws (moto_server with IAM access control)', () => {
  const moto = useService('moto', () => startMoto({ iam: { initialNoAuthActions: SET_UP_ACTIONS } }));
  const client = (credentials: IamUser['credentials']) =>
    withMotoIamErrors(new SecretsManagerClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials }));

  let instance: IamUser;
  let admin: IamUser;
  let tmp: string;
  let saltFile: string;
  /** The rollup whose mnemonic the admin creates and the instance reads. */
  const rollup = ethers.Wallet.createRandom().address;
  let shownMnemonic: string;

  before(async () => {
    [instance, admin] = await setUpIamUsers(
      moto().endpoint,
      USERS.map((u) => ({ ...u, vars: VARS })),
      [OTHER_SECRET],
    );
    tmp = await fs.mkdtemp(join(tmpdir(), 'nexus-bot-iam-'));
    saltFile = join(tmp, 'salt');
    await fs.writeFile(saltFile, SALT, { mode: 0o600 });
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('enforces IAM once the set-up is done: the unrestricted set-up credentials are refused', async () => {
    await assert.rejects(
      client(MOTO_CREDENTIALS).send(new GetSecretValueCommand({ SecretId: OTHER_SECRET.name })),
      (err: Error) => err.name === 'InvalidClientTokenId',
    );
  });

  it("admin policy: `nexus-bot mnemonic create` stores the rollup's mnemonic under nexus-bot/rollups/", async () => {
    const created = await cli(
      [
        'mnemonic',
        'create',
        rollup,
        '--show-mnemonic',
        '--salt-file',
        saltFile,
        '--aws-region',
        MOTO_REGION,
        '--aws-endpoint',
        moto().endpoint,
      ],
      admin,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.ok(created.stdout.includes(`name: ${mnemonicSecretName(rollup)}`), created.stdout);
    assert.match(
      created.stdout,
      new RegExp(`arn: {2}arn:aws:secretsmanager:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:secret:nexus-bot/rollups/`),
    );
    shownMnemonic = /^mnemonic: (.+)$/m.exec(created.stdout)?.[1] ?? assert.fail('no mnemonic line');
    // The admin may read what it created (the `mnemonic keys` and `rebuild` commands do).
    assert.equal(
      await new MnemonicVault(client(admin.credentials), new SaltHolder(SALT)).readMnemonic(rollup),
      shownMnemonic,
    );
  });

  it('admin policy: nothing outside the prefix, and no listing or deleting', async () => {
    const sm = client(admin.credentials);
    for (const command of [
      new GetSecretValueCommand({ SecretId: OTHER_SECRET.name }),
      new CreateSecretCommand({ Name: 'other-app/planted', SecretString: 'x' }),
      new ListSecretsCommand({}),
      new DeleteSecretCommand({ SecretId: mnemonicSecretName(rollup), ForceDeleteWithoutRecovery: true }),
    ]) {
      await assert.rejects(sm.send(command as never), isAccessDenied, `${command.constructor.name} was allowed`);
    }
  });

  it("instance policy: the worker reads the rollup's mnemonic through MnemonicVault", async () => {
    assert.ok(shownMnemonic, 'needs the mnemonic created by the admin test above');
    const vault = new MnemonicVault(client(instance.credentials), new SaltHolder(SALT));
    assert.equal(await vault.readMnemonic(rollup), shownMnemonic);
    // A rollup without a mnemonic is still the bot's own clear error, not an access failure.
    await assert.rejects(vault.readMnemonic(ethers.Wallet.createRandom().address), MnemonicSecretMissingError);
  });

  it('instance policy: reading outside the prefix, creating, listing, describing, changing and deleting are denied', async () => {
    const sm = client(instance.credentials);
    await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: OTHER_SECRET.name })), isAccessDenied);
    // Creating, with the bot's own code: the worker can never make or replace a mnemonic.
    await assert.rejects(
      new MnemonicVault(sm, new SaltHolder(SALT)).createMnemonic(ethers.Wallet.createRandom().address),
      isAccessDenied,
    );
    const own = mnemonicSecretName(rollup);
    for (const command of [
      new CreateSecretCommand({ Name: 'other-app/planted', SecretString: 'x' }),
      new ListSecretsCommand({}),
      new DescribeSecretCommand({ SecretId: own }),
      new PutSecretValueCommand({ SecretId: own, SecretString: 'replaced' }),
      new DeleteSecretCommand({ SecretId: own, ForceDeleteWithoutRecovery: true }),
    ]) {
      await assert.rejects(sm.send(command as never), isAccessDenied, `${command.constructor.name} was allowed`);
    }
    // Nothing above changed the secret.
    assert.equal(await new MnemonicVault(sm, new SaltHolder(SALT)).readMnemonic(rollup), shownMnemonic);
  });
});
