// ssv-dkg operators of the local network: each runs `ssv-dkg start-operator` in its own folder
// (ssv-dkg accepts only relative, local paths), serves HTTPS with its own self-signed certificate,
// and is ready once GET /health_check answers over TLS that trusts exactly that certificate.
import { request } from 'node:https';
import { join } from 'node:path';
import { toolPath } from '../../tools/paths';
import { OPERATOR_FILES, createOperatorIdentity, type OperatorIdentity } from '../operator-identity';
import { assertPortFree, freePort, startOnFreePorts, startService, stopAll, type ServiceProcess } from './process';

export { createOperatorIdentity, type OperatorIdentity } from '../operator-identity';

export interface DkgOperatorOptions {
  /** Listening port on 127.0.0.1; a free one when absent. A given port in use is an error. */
  port?: number;
  /** Ethereum JSON-RPC URL the operator uses (ping status, resign/reshare owner checks). */
  ethEndpointURL: string;
  /** Where the operator's stdout and stderr go (appended). */
  logFile?: string;
  readyTimeoutMs?: number;
  /** The ssv-dkg executable; the installed tool when absent (tests pass the stand-in's path). */
  command?: string;
  /** Environment of the operator process (e.g. SSV_DKG_STAND_IN_VERSION); the parent's when absent. */
  env?: NodeJS.ProcessEnv;
}

export interface DkgOperator extends ServiceProcess {
  readonly operatorId: number;
  /** `https://127.0.0.1:PORT`, the form ops.json takes. */
  readonly url: string;
  readonly port: number;
  /** On-chain operator public key (base64 of an "RSA PUBLIC KEY" PEM). */
  readonly publicKeyBase64: string;
  /** The operator's self-signed TLS certificate: the CA an initiator must trust. */
  readonly tlsCertPath: string;
  readonly tlsCertPem: string;
  /** The operator's working folder (keystore, TLS files, its log and ceremony output). */
  readonly dir: string;
}

/** One entry of the ops.json array that `ssv-dkg init` / `ping` take. */
export interface OperatorInfo {
  id: number;
  public_key: string;
  ip: string;
}

/** Relative to the operator folder, as ssv-dkg requires. */
const OUTPUT_DIR = 'output';
const OPERATOR_LOG = 'operator.log';

/** Starts `ssv-dkg start-operator` for `identity` and waits until it answers its TLS health check. */
export async function startDkgOperator(identity: OperatorIdentity, opts: DkgOperatorOptions): Promise<DkgOperator> {
  const command = opts.command ?? toolPath('ssv-dkg');
  assertEndpointUrl(opts.ethEndpointURL);
  // A port picked free may be taken before the operator binds it: then it starts on another.
  if (opts.port === undefined)
    return startOnFreePorts(`ssv-dkg operator ${identity.operatorId}`, async () =>
      startDkgOperatorOn(identity, await freePort(), command, opts),
    );
  await assertPortFree(opts.port, `ssv-dkg operator ${identity.operatorId}`);
  return startDkgOperatorOn(identity, opts.port, command, opts);
}

async function startDkgOperatorOn(
  identity: OperatorIdentity,
  port: number,
  command: string,
  opts: DkgOperatorOptions,
): Promise<DkgOperator> {
  const url = `https://127.0.0.1:${port}`;
  const args = [
    'start-operator',
    '--privKey',
    OPERATOR_FILES.keystore,
    '--privKeyPassword',
    OPERATOR_FILES.password,
    '--operatorID',
    String(identity.operatorId),
    '--port',
    String(port),
    '--serverTLSCertPath',
    OPERATOR_FILES.tlsCert,
    '--serverTLSKeyPath',
    OPERATOR_FILES.tlsKey,
    '--outputPath',
    OUTPUT_DIR,
    '--logFilePath',
    OPERATOR_LOG,
    '--ethEndpointURL',
    opts.ethEndpointURL,
  ];
  const service = await startService({
    name: `ssv-dkg operator ${identity.operatorId}`,
    command,
    args,
    cwd: identity.dir,
    env: opts.env,
    logFile: opts.logFile,
    ready: async () => {
      await getHealthCheck(url, identity.tlsCertPem, 2_000);
      return true;
    },
    readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
  });
  return Object.assign(service, {
    operatorId: identity.operatorId,
    url,
    port,
    publicKeyBase64: identity.publicKeyBase64,
    tlsCertPath: identity.tlsCertPath,
    tlsCertPem: identity.tlsCertPem,
    dir: identity.dir,
  });
}

/**
 * GET /health_check over TLS that trusts only the operator's own certificate. Resolves with the
 * response body (ssv-dkg's signed pong); rejects on a TLS failure, a timeout or a non-200 answer.
 */
export async function healthCheck(
  operator: Pick<DkgOperator, 'url' | 'tlsCertPem' | 'operatorId'>,
  timeoutMs = 5_000,
): Promise<Buffer> {
  try {
    return await getHealthCheck(operator.url, operator.tlsCertPem, timeoutMs);
  } catch (err) {
    throw new Error(
      `ssv-dkg operator ${operator.operatorId} at ${operator.url} is not healthy: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

export interface DkgOperatorsOptions {
  ethEndpointURL: string;
  /** Operator ids, ascending; 1..count when absent. */
  operatorIds?: number[];
  /** Operator i listens on basePort + i (i from 0); free ports when absent. */
  basePort?: number;
  /** Each operator's stdout/stderr goes to `<logDir>/ssv-dkg-operator-<id>.log` when given. */
  logDir?: string;
  readyTimeoutMs?: number;
  /** The ssv-dkg executable; the installed tool when absent. */
  command?: string;
}

export interface DkgOperatorSet {
  readonly operators: DkgOperator[];
  /** Stops every operator (reverse start order), never throwing. */
  stop(): Promise<void>;
}

/**
 * Creates an identity in `<baseDir>/operator-<id>` for each operator and starts them all. If any
 * fails to start, the ones already started are stopped and the error names every failure.
 */
export async function startDkgOperators(
  baseDir: string,
  count: number,
  opts: DkgOperatorsOptions,
): Promise<DkgOperatorSet> {
  const ids = opts.operatorIds ?? Array.from({ length: count }, (_, i) => i + 1);
  if (ids.length !== count)
    throw new Error(`startDkgOperators: ${count} operators asked for but ${ids.length} ids given`);
  if (new Set(ids).size !== ids.length)
    throw new Error(`startDkgOperators: operator ids are not unique: ${ids.join(',')}`);
  if (opts.command === undefined) toolPath('ssv-dkg'); // fail before generating keys when the binary is missing
  assertEndpointUrl(opts.ethEndpointURL);

  // Free ports are picked by each start (never the same one twice: freePort), so that a start that loses its port retries.
  const ports = ids.map((_, i) => (opts.basePort !== undefined ? opts.basePort + i : undefined));
  const identities = await Promise.all(ids.map((id) => createOperatorIdentity(join(baseDir, `operator-${id}`), id)));
  const results = await Promise.allSettled(
    identities.map((identity, i) =>
      startDkgOperator(identity, {
        port: ports[i],
        ethEndpointURL: opts.ethEndpointURL,
        logFile: opts.logDir ? join(opts.logDir, `ssv-dkg-operator-${identity.operatorId}.log`) : undefined,
        readyTimeoutMs: opts.readyTimeoutMs,
        command: opts.command,
      }),
    ),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
  );
  if (failures.length > 0) {
    await stopAll(started);
    throw new Error(`${failures.length} of ${ids.length} ssv-dkg operators failed to start:\n${failures.join('\n')}`);
  }
  const operators = [...started].sort((a, b) => a.operatorId - b.operatorId);
  return { operators, stop: () => stopAll(operators) };
}

/** The ops.json array for `ssv-dkg init --operatorsInfoPath` (ascending ids). */
export function operatorsInfo(
  operators: ReadonlyArray<Pick<DkgOperator, 'operatorId' | 'publicKeyBase64' | 'url'>>,
): OperatorInfo[] {
  return [...operators]
    .sort((a, b) => a.operatorId - b.operatorId)
    .map((op) => ({ id: op.operatorId, public_key: op.publicKeyBase64, ip: op.url }));
}

function assertEndpointUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`ethEndpointURL is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new Error(`ethEndpointURL must be http(s) or ws(s): ${JSON.stringify(value)}`);
  }
}

function getHealthCheck(url: string, caPem: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/health_check`,
      { method: 'GET', ca: caPem, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode === 200) resolve(body);
          else
            reject(
              new Error(`GET /health_check answered HTTP ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`),
            );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET /health_check timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
