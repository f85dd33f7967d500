// moto_server: a real AWS Secrets Manager emulator on loopback (PyPI moto[server]).
import { toolPath } from '../../tools/paths';
import { assertPortFree, freePort, startOnFreePorts, startService, type ServiceProcess } from './process';

export interface Moto extends ServiceProcess {
  /** Endpoint for the AWS SDK (`endpoint` client option). */
  readonly endpoint: string;
}

/** Credentials moto accepts; they open nothing outside the emulator. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

export async function startMoto(opts: { port?: number; logFile?: string } = {}): Promise<Moto> {
  if (opts.port === undefined) return startOnFreePorts('moto_server', async () => startMotoOn(await freePort(), opts.logFile));
  await assertPortFree(opts.port, 'moto (Secrets Manager emulator)');
  return startMotoOn(opts.port, opts.logFile);
}

async function startMotoOn(port: number, logFile: string | undefined): Promise<Moto> {
  const endpoint = `http://127.0.0.1:${port}`;
  const service = await startService({
    name: 'moto_server',
    command: toolPath('moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    logFile,
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    readyTimeoutMs: 30_000,
  });
  return Object.assign(service, { endpoint });
}
