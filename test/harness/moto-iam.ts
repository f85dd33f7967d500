// IAM set-up on a moto_server started with access control (startMoto({ iam })): users that hold
// exactly the policies shipped in deploy/aws/, each with its own access key.
//
// moto's virtualenv has boto3 (a dependency of moto), and the repository's npm dependencies have no
// IAM client: so the set-up runs as one boto3 script in that virtualenv's python. Its requests are
// the "initial no-auth actions" (any credentials pass); SET_UP_ACTIONS counts them, so that the
// test can start moto with exactly that allowance and every later request is checked.
import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MOTO_CREDENTIALS, MOTO_REGION } from '../../localnet/services/moto';
import { toolPath } from '../../tools/paths';

export const DEPLOY_AWS_DIR = join(resolve(__dirname, '..', '..'), 'deploy', 'aws');

export interface IamUserSpec {
  name: string;
  /** File names in deploy/aws/, read as shipped and rendered with `vars`. */
  policyFiles: string[];
}

export interface IamUser {
  name: string;
  arn: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Requests the set-up makes per user (CreateUser, CreateAccessKey, and CreatePolicy + AttachUserPolicy per policy) plus one per seeded secret. */
export function setUpActions(users: IamUserSpec[], seededSecrets: number): number {
  return users.reduce((n, u) => n + 2 + 2 * u.policyFiles.length, 0) + seededSecrets;
}

/** A policy file of deploy/aws/ with its {{PLACEHOLDERS}} filled in; a placeholder left unfilled is an error. */
export function renderPolicy(file: string, vars: Record<string, string>): string {
  const text = readFileSync(join(DEPLOY_AWS_DIR, file), 'utf8').replace(
    /\{\{([A-Z_]+)\}\}/g,
    (whole, name: string) => vars[name] ?? whole,
  );
  const left = /\{\{[A-Z_]+\}\}/.exec(text);
  if (left) throw new Error(`${file}: no value for the placeholder ${left[0]}`);
  JSON.parse(text); // a broken file fails here, naming nothing secret
  return text;
}

const SET_UP_SCRIPT = `
import json, sys, boto3
spec = json.load(sys.stdin)
kw = dict(endpoint_url=spec["endpoint"], region_name=spec["region"])
iam = boto3.client("iam", **kw)
sm = boto3.client("secretsmanager", **kw)
users = []
for u in spec["users"]:
    arn = iam.create_user(UserName=u["name"])["User"]["Arn"]
    for i, doc in enumerate(u["policies"]):
        p = iam.create_policy(PolicyName=f'{u["name"]}-{i}', PolicyDocument=doc)["Policy"]["Arn"]
        iam.attach_user_policy(UserName=u["name"], PolicyArn=p)
    key = iam.create_access_key(UserName=u["name"])["AccessKey"]
    users.append({"name": u["name"], "arn": arn, "credentials": {"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}})
for s in spec["secrets"]:
    sm.create_secret(Name=s["name"], SecretString=s["value"])
json.dump(users, sys.stdout)
`;

/** moto's own account (its IAM and secret ARNs use it). */
export const MOTO_ACCOUNT_ID = '123456789012';

/**
 * Creates the users with their rendered policies and access keys, and the seeded secrets, using
 * the initial no-auth allowance. Resolves with each user's ARN and credentials.
 */
export function setUpIamUsers(
  endpoint: string,
  users: Array<IamUserSpec & { vars: Record<string, string> }>,
  secrets: Array<{ name: string; value: string }>,
): Promise<IamUser[]> {
  const python = join(dirname(realpathSync(toolPath('moto_server'))), 'python3');
  const spec = {
    endpoint,
    region: MOTO_REGION,
    secrets,
    users: users.map((u) => ({ name: u.name, policies: u.policyFiles.map((f) => renderPolicy(f, u.vars)) })),
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return new Promise((res, rej) => {
    const child = execFile(python, ['-c', SET_UP_SCRIPT], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`IAM set-up on moto failed: ${err.message}\n${stderr}`));
      else res(JSON.parse(stdout) as IamUser[]);
    });
    child.stdin?.end(JSON.stringify(spec));
  });
}

/**
 * moto answers a request its IAM check refuses with an XML error (403) even for a JSON-protocol
 * service such as Secrets Manager, which the SDK cannot parse (a SyntaxError that hides the code).
 * AWS answers in JSON (`AccessDeniedException`). This turns moto's XML answer into an Error named
 * after its <Code> (`AccessDenied`, `InvalidClientTokenId`, ...) with its <Message>, so that tests
 * assert on the real reason.
 */
export function withMotoIamErrors<C extends SecretsManagerClient>(client: C): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const res = out.response as {
        statusCode?: number;
        headers?: Record<string, string>;
        body?: AsyncIterable<Uint8Array>;
      };
      if (res.statusCode === 403 && !/json/.test(res.headers?.['content-type'] ?? '') && res.body) {
        const chunks: Buffer[] = [];
        for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
        const text = Buffer.concat(chunks).toString('utf8');
        const err = new Error(/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text);
        err.name = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? 'Http403';
        throw err;
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'motoIamXmlErrors' },
  ); // low: inside the deserializer, on the raw response
  return client;
}
