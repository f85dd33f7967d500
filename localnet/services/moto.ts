// moto_server: a real AWS emulator on loopback (PyPI moto[server]): Secrets Manager, DynamoDB.
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

/** moto_server's own entry point with werkzeug's threaded=True turned off (see `serial` above). */
const SERIAL_MAIN = [
  'import sys, moto.server as server',
  'run = server.run_simple',
  'server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})',
  'server.main(sys.argv[1:])',
].join('\n');

export async function startMoto(opts: { port?: number; logFile?: string; serial?: boolean } = {}): Promise<Moto> {
  const serial = opts.serial ?? false;
  if (opts.port === undefined) return startOnFreePorts('moto_server', async () => startMotoOn(await freePort(), opts.logFile, serial));
  await assertPortFree(opts.port, 'moto (Secrets Manager emulator)');
  return startMotoOn(opts.port, opts.logFile, serial);
}

async function startMotoOn(port: number, logFile: string | undefined, serial: boolean): Promise<Moto> {
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  // The virtualenv's python runs the serial entry point (moto_server is a script of that virtualenv).
  const python = serial ? join(dirname(realpathSync(toolPath('moto_server'))), 'python3') : undefined;
  const service = await startService({
    name: 'moto_server',
    command: python ?? toolPath('moto_server'),
    args: python ? ['-c', SERIAL_MAIN, ...args] : args,
    logFile,
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    readyTimeoutMs: 30_000,
  });
  return Object.assign(service, { endpoint });
}
