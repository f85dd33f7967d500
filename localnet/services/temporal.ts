// Temporal for the local network and the tests: the CLI's dev server (with Web UI and an optional
// SQLite file so that state survives restarts), and the Java time-skipping test server.
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_NAMESPACE } from '../../temporal-config/names';
import { registerSearchAttributes, searchAttributeFlags } from '../../temporal-config/register-search-attributes';
import { toolPath } from '../../tools/paths';
import { assertPortFree, freePort, startOnFreePorts, startService, type ServiceProcess } from './process';

export interface TemporalDevServerOptions {
  port?: number;
  /** Web UI port; headless (no UI) when absent. */
  uiPort?: number;
  namespace?: string;
  /** SQLite file: history survives restarts. In memory when absent. */
  dbFile?: string;
  logFile?: string;
  /** Remote codec endpoint the Web UI uses to decode payloads. */
  uiCodecEndpoint?: string;
  extraArgs?: string[];
}

export interface TemporalDevServer extends ServiceProcess {
  readonly address: string;
  readonly namespace: string;
  readonly uiUrl?: string;
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  if (opts.uiPort !== undefined) await assertPortFree(opts.uiPort, 'Temporal Web UI');
  if (opts.port === undefined)
    return startOnFreePorts('temporal dev server', async () => startDevServerOn(await freePort(), opts));
  await assertPortFree(opts.port, 'Temporal frontend');
  return startDevServerOn(opts.port, opts);
}

/** On `port`, with a metrics port of its own (picked free on every start). */
async function startDevServerOn(port: number, opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    // A free metrics port: the default (fixed) one would clash between parallel servers.
    '--metrics-port',
    String(await freePort()),
    ...(opts.uiPort !== undefined ? ['--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1'] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    ...searchAttributeFlags(),
    ...(opts.extraArgs ?? []),
  ];
  const service = await startService({
    name: 'temporal dev server',
    command: toolPath('temporal'),
    args,
    logFile: opts.logFile,
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    readyTimeoutMs: 60_000,
  });
  const uiUrl = opts.uiPort !== undefined ? `http://127.0.0.1:${opts.uiPort}` : undefined;
  return Object.assign(service, { address, namespace, uiUrl });
}

/**
 * The Java time-skipping test server (installed by tools/install.sh), with the bot's search
 * attributes registered through the operator service since the Java server takes no flags.
 */
export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await createTimeSkippingWithRetry();
  await registerSearchAttributes(env.connection, env.namespace ?? DEFAULT_NAMESPACE);
  return env;
}

/**
 * The SDK gives the Java server 5 s to answer, which a loaded 2-core machine's JVM start can
 * exceed ("ephemeral server at … did not start within 5s"): such a start is tried again, twice.
 */
async function createTimeSkippingWithRetry(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: toolPath('temporal-test-server') } },
      });
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test((err as Error)?.message ?? '')) throw err;
    }
  }
}
