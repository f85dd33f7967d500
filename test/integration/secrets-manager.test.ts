// AWS Secrets Manager for real: the AWS SDK v3 against moto_server on loopback.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { useService } from '../harness/service';

describe('Secrets Manager emulator (moto_server)', () => {
  const moto = useService('moto', () => startMoto());
  const client = () =>
    new SecretsManagerClient({ endpoint: moto().endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });

  it('round-trips a binary secret through the AWS SDK', async () => {
    const value = randomBytes(64);
    const name = `nexus-bot/test/${Date.now()}`;
    await client().send(new CreateSecretCommand({ Name: name, SecretBinary: value }));
    const got = await client().send(new GetSecretValueCommand({ SecretId: name }));
    assert.deepEqual(Buffer.from(got.SecretBinary ?? []), value);
  });

  it('answers a missing secret with ResourceNotFoundException', async () => {
    await assert.rejects(
      client().send(new GetSecretValueCommand({ SecretId: 'nexus-bot/does-not-exist' })),
      (err: unknown) => err instanceof ResourceNotFoundException,
    );
  });
});
