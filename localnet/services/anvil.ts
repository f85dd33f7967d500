// anvil: the local EVM chain (native binary from the tools cache).
import { toolPath } from '../../tools/paths';
import { assertPortFree, freePort, startOnFreePorts, startService, type ServiceProcess } from './process';

export interface AnvilOptions {
  port?: number;
  /** Seconds between blocks; automine (a block per transaction) when absent. */
  blockTime?: number;
  chainId?: number;
  logFile?: string;
  /** Chain state file: loaded at start, written every few seconds and at a clean exit. */
  stateFile?: string;
}

export interface Anvil extends ServiceProcess {
  readonly rpcUrl: string;
  /** The same port speaks JSON-RPC over websocket (eth_subscribe). */
  readonly wsUrl: string;
  readonly chainId: number;
}

/** anvil's well-known dev mnemonic: its accounts are public test keys, never real funds. */
export const ANVIL_DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  if (opts.port === undefined) return startOnFreePorts('anvil', async () => startAnvilOn(await freePort(), opts));
  await assertPortFree(opts.port, 'anvil RPC');
  return startAnvilOn(opts.port, opts);
}

async function startAnvilOn(port: number, opts: AnvilOptions): Promise<Anvil> {
  const chainId = opts.chainId ?? 31337;
  const rpcUrl = `http://127.0.0.1:${port}`;
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(chainId),
    '--mnemonic',
    ANVIL_DEV_MNEMONIC,
  ];
  if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
  if (opts.stateFile) args.push('--state', opts.stateFile, '--state-interval', '5');
  const service = await startService({
    name: 'anvil',
    command: toolPath('anvil'),
    args,
    logFile: opts.logFile,
    ready: async () => {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      return res.ok;
    },
    readyTimeoutMs: 15_000,
  });
  return Object.assign(service, { rpcUrl, wsUrl: `ws://127.0.0.1:${port}`, chainId });
}
