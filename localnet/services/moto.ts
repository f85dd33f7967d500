// moto_server: a real AWS emulator on loopback (PyPI moto[server]): Secrets Manager, DynamoDB.
//
// `iam`: IAM access control enforced (moto's INITIAL_NO_AUTH_ACTION_COUNT, below).
//
// `serial`: one request at a time. moto_server serves each request on its own thread, and its
// DynamoDB checks a condition and applies the write as separate steps, without a lock (a
// transaction even restores a copy of the whole table when it fails): two conditional writes that
// arrive together can both pass, which DynamoDB itself never allows. Tests of concurrent
// conditional writes (two workers racing) need the serial server to see DynamoDB's semantics.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toolPath } from '../../tools/paths';
import { assertPortFree, freePort, startOnFreePorts, startService, type ServiceProcess } from './process';

export interface Moto extends ServiceProcess {
  /** Endpoint for the AWS SDK (`endpoint` client option). */
  readonly endpoint: string;
}

/** Credentials moto accepts; they open nothing outside the emulator. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

/** moto_server's entry point with werkzeug's threaded=True turned off (see `serial` above). */
const SERIAL_PATCH = [
  'run = server.run_simple',
  'server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})',
];

/**
 * moto 5.2.5 checks the Action of an IAM policy but evaluates Secrets Manager requests against the
 * resource "*" (its access control has no resource for that service), so a policy scoped to
 * secret ARNs, as ours are, would deny everything. This gives each request the ARN AWS checks:
 * the secret's own ARN when it exists (name plus moto's random suffix, as on AWS), else the ARN the
 * name would have (CreateSecret, or a secret that does not exist). Requests naming no secret
 * (ListSecrets, ...) keep "*", as on AWS.
 */
const SECRETS_MANAGER_RESOURCE_PATCH = [
  'from moto.secretsmanager.responses import SecretsManagerResponse',
  'from moto.utilities.utils import get_partition',
  'def _secret_resource(self):',
  '    ident = self._get_param("SecretId") or self._get_param("Name")',
  '    if not ident: return "*"',
  '    if ident in self.backend.secrets: return self.backend.secrets[ident].arn',
  '    if ident.startswith("arn:"): return ident',
  '    return f"arn:{get_partition(self.region)}:secretsmanager:{self.region}:{self.current_account}:secret:{ident}"',
  'SecretsManagerResponse._determine_resource = _secret_resource',
];

export interface MotoOptions {
  port?: number;
  logFile?: string;
  serial?: boolean;
  /**
   * IAM access control: the first `initialNoAuthActions` AWS requests pass unchecked (to create
   * users, policies and access keys with any credentials), every later one must be signed by a
   * known access key whose policies allow it (moto's INITIAL_NO_AUTH_ACTION_COUNT).
   */
  iam?: { initialNoAuthActions: number };
}

export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  if (opts.port === undefined) return startOnFreePorts('moto_server', async () => startMotoOn(await freePort(), opts));
  await assertPortFree(opts.port, 'moto (Secrets Manager emulator)');
  return startMotoOn(opts.port, opts);
}

async function startMotoOn(port: number, opts: MotoOptions): Promise<Moto> {
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const patches = [...(opts.serial ? SERIAL_PATCH : []), ...(opts.iam ? SECRETS_MANAGER_RESOURCE_PATCH : [])];
  // The virtualenv's python runs moto's server with the patches (moto_server is a script of that virtualenv).
  const python = patches.length > 0 ? join(dirname(realpathSync(toolPath('moto_server'))), 'python3') : undefined;
  const main = ['import sys, moto.server as server', ...patches, 'server.main(sys.argv[1:])'].join('\n');
  const service = await startService({
    name: 'moto_server',
    command: python ?? toolPath('moto_server'),
    args: python ? ['-c', main, ...args] : args,
    env: opts.iam ? { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(opts.iam.initialNoAuthActions) } : undefined,
    logFile: opts.logFile,
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    readyTimeoutMs: 30_000,
  });
  return Object.assign(service, { endpoint });
}
