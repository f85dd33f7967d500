// The mnemonic vault against a real Secrets Manager emulator (moto_server): round trip, wrong salt,
// missing and corrupt secrets, no overwrite, Secrets Manager down, and no secret in errors or in
// the stored value.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { create as createKeystore, type IKeystore } from '@chainsafe/bls-keystore';
import { ethers } from 'ethers';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { useService } from '../harness/service';
import { MnemonicVault, mnemonicSecretName } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import {
  InvalidMnemonicError,
  MnemonicAlreadyExistsError,
  MnemonicSecretCorruptError,
  MnemonicSecretMissingError,
  WrongSaltError,
} from '../../activities/keys/errors';
import { NON_RETRYABLE_TYPES } from '../../protocol/failure-types';

const SALT = 'operator-salt-Δ-91c2e7';
const OTHER_SALT = 'operator-salt-Δ-91c2e8';
/** A fixed mnemonic whose words appear nowhere in a keystore's JSON keys or our messages. */
const KNOWN =
  'entire habit bottom mention spoil clown finger wheat motion fox axis mechanic country make garment bar blind stadium sugar water scissors canyon often ketchup';

const newAdmin = () => ethers.Wallet.createRandom().address;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error, `expected a rejection, got ${String(err)}`);
  return err;
}

/** Every way an error reaches a log or a Temporal failure: message, stack, JSON, inspect, cause chain. */
function errorTexts(err: Error): string {
  return [err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10, showHidden: true })].join('\n');
}

/** Neither the salt nor the mnemonic (nor any two consecutive words of it) appears in `text`. */
function assertNoSecret(text: string, mnemonic: string): void {
  assert.ok(!text.includes(SALT) && !text.includes(OTHER_SALT), 'salt leaked');
  const words = mnemonic.split(' ');
  for (let i = 0; i + 1 < words.length; i++) {
    assert.ok(!text.includes(`${words[i]} ${words[i + 1]}`), `mnemonic words leaked: "${words[i]} ${words[i + 1]}"`);
  }
}

describe('keys: MnemonicVault (Secrets Manager on moto_server)', function () {
  const moto = useService('moto', () => startMoto());
  const client = () =>
    new SecretsManagerClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  const vault = (salt = SALT) => new MnemonicVault(client(), new SaltHolder(salt));

  it('round trip: a generated 24-word mnemonic is stored, tagged, and read back', async () => {
    const admin = newAdmin();
    const { secretArn } = await vault().createMnemonic(admin);
    assert.match(secretArn, /^arn:aws:secretsmanager:/);
    const mnemonic = await vault().readMnemonic(admin.toUpperCase().replace('0X', '0x'));
    assert.equal(mnemonic.split(' ').length, 24);
    assert.ok(ethers.Mnemonic.isValidMnemonic(mnemonic));

    const described = await client().send(new DescribeSecretCommand({ SecretId: mnemonicSecretName(admin) }));
    assert.equal(described.Name, `nexus-bot/rollups/${admin.toLowerCase()}/mnemonic`);
    assert.deepEqual(Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value])), {
      'nexus-bot:rollup-admin': admin.toLowerCase(),
      'nexus-bot:purpose': 'validator-mnemonic',
    });
    const stored = (await client().send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
    assertNoSecret(stored, mnemonic);
  });

  it('stores a supplied mnemonic as an EIP-2335 keystore holding none of its words', async () => {
    const admin = newAdmin();
    await vault().createMnemonic(admin, { mnemonic: KNOWN });
    assert.equal(await vault().readMnemonic(admin), KNOWN);
    const stored =
      (await client().send(new GetSecretValueCommand({ SecretId: mnemonicSecretName(admin) }))).SecretString ?? '';
    const keystore = JSON.parse(stored) as IKeystore;
    assert.equal(keystore.version, 4);
    assert.equal(keystore.crypto.kdf.function, 'pbkdf2');
    assert.equal(keystore.crypto.cipher.function, 'aes-128-ctr');
    assert.equal(keystore.pubkey, '');
    assert.equal(keystore.path, '');
    for (const word of KNOWN.split(' '))
      assert.ok(!new RegExp(`\\b${word}\\b`).test(stored), `stored secret contains "${word}"`);
    assert.ok(!stored.includes(SALT));
  });

  it('wrong salt -> WrongSaltError, whose message/stack/JSON hold neither salt nor mnemonic', async () => {
    const admin = newAdmin();
    await vault().createMnemonic(admin, { mnemonic: KNOWN });
    const err = await rejection(vault(OTHER_SALT).readMnemonic(admin));
    assert.ok(err instanceof WrongSaltError, `got ${err.name}: ${err.message}`);
    assert.equal(err.name, 'WrongSaltError');
    assert.equal(err.retryable, false, 'a wrong salt is final');
    assertNoSecret(errorTexts(err), KNOWN);
    for (const word of KNOWN.split(' '))
      assert.ok(!new RegExp(`\\b${word}\\b`).test(err.message), `message contains "${word}"`);
  });

  it('missing secret -> MnemonicSecretMissingError', async () => {
    const err = await rejection(vault().readMnemonic(newAdmin()));
    assert.ok(err instanceof MnemonicSecretMissingError, `got ${err.name}`);
    assert.equal(err.name, 'MnemonicSecretMissingError');
  });

  it('corrupt secret -> MnemonicSecretCorruptError (not JSON, not a keystore, not a mnemonic inside)', async () => {
    const plaintext = newAdmin();
    // A plaintext mnemonic stored by mistake: corrupt, and the error does not echo it.
    await client().send(new CreateSecretCommand({ Name: mnemonicSecretName(plaintext), SecretString: KNOWN }));
    const e1 = await rejection(vault().readMnemonic(plaintext));
    assert.ok(e1 instanceof MnemonicSecretCorruptError, `got ${e1.name}`);
    assertNoSecret(errorTexts(e1), KNOWN);

    const notKeystore = newAdmin();
    await client().send(
      new CreateSecretCommand({
        Name: mnemonicSecretName(notKeystore),
        SecretString: JSON.stringify({ hello: 'world' }),
      }),
    );
    const e2 = await rejection(vault().readMnemonic(notKeystore));
    assert.ok(e2 instanceof MnemonicSecretCorruptError, `got ${e2.name}`);

    const notMnemonic = newAdmin();
    const keystore = await createKeystore(SALT, new Uint8Array(32).fill(9), new Uint8Array(0), '');
    await client().send(
      new CreateSecretCommand({ Name: mnemonicSecretName(notMnemonic), SecretString: JSON.stringify(keystore) }),
    );
    const e3 = await rejection(vault().readMnemonic(notMnemonic));
    assert.ok(e3 instanceof MnemonicSecretCorruptError, `got ${e3.name}`);
    assert.equal(e3.name, 'MnemonicSecretCorruptError');
  });

  it('a second create refuses with MnemonicAlreadyExistsError and keeps the first mnemonic', async () => {
    const admin = newAdmin();
    await vault().createMnemonic(admin, { mnemonic: KNOWN });
    const err = await rejection(vault().createMnemonic(admin));
    assert.ok(err instanceof MnemonicAlreadyExistsError, `got ${err.name}`);
    assert.equal(err.name, 'MnemonicAlreadyExistsError');
    assert.equal(await vault().readMnemonic(admin), KNOWN);
  });

  it('rejects an invalid supplied mnemonic without storing it or naming its words', async () => {
    const admin = newAdmin();
    const bad = KNOWN.replace('ketchup', 'kitchen');
    const err = await rejection(vault().createMnemonic(admin, { mnemonic: bad }));
    assert.ok(err instanceof InvalidMnemonicError, `got ${err.name}`);
    assertNoSecret(errorTexts(err), bad);
    assert.ok((await rejection(vault().readMnemonic(admin))) instanceof MnemonicSecretMissingError);
  });

  it("Secrets Manager down -> a retryable error (the SDK's), not WrongSaltError", async function () {
    this.timeout(60_000);
    const down = await startMoto();
    const downClient = new SecretsManagerClient({
      endpoint: down.endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
      maxAttempts: 2,
    });
    const admin = newAdmin();
    await new MnemonicVault(downClient, new SaltHolder(SALT)).createMnemonic(admin, { mnemonic: KNOWN });
    await down.stop();
    for (const attempt of [
      () => new MnemonicVault(downClient, new SaltHolder(SALT)).readMnemonic(admin),
      () => new MnemonicVault(downClient, new SaltHolder(SALT)).createMnemonic(newAdmin(), { mnemonic: KNOWN }),
    ]) {
      const err = await rejection(attempt());
      assert.ok(!NON_RETRYABLE_TYPES.includes(err.name), `${err.name} would not be retried`);
      assert.ok(!(err instanceof WrongSaltError));
      assertNoSecret(errorTexts(err), KNOWN);
    }
  });
});
