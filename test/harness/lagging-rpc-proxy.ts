// A JSON-RPC proxy on loopback in front of anvil that serves old heads, as a load-balanced RPC
// backend that lags behind the chain does: with `lag` = n, eth_blockNumber answers the head − n,
// "latest"/"pending"/"safe"/"finalized" tags are read at that block, eth_getLogs stops there, and
// blocks and receipts after it are unknown (null). `beforeSend` runs once before the next
// eth_sendRawTransaction is passed on (e.g. another transaction slipped in ahead of it); while
// `holdSends` is set, raw transactions wait for it (a node slow to take them back); a raw
// transaction whose hash is in `refused` gets that error instead (a node that will not take it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transaction, keccak256 } from 'ethers';

interface RpcRequest {
  jsonrpc?: string;
  id: unknown;
  method: string;
  params?: unknown[];
}

export interface LaggingRpcProxy {
  url: string;
  /** Blocks behind the real head (0: pass everything through). */
  lag: number;
  /** Runs (once) before the next raw transaction is forwarded. */
  beforeSend?: () => Promise<void>;
  /** While set, every raw transaction waits for it before it is forwarded. */
  holdSends?: Promise<void>;
  /** Raw transactions (by hash) answered with this JSON-RPC error message instead of forwarded. */
  readonly refused: Map<string, string>;
  /** When set, a raw transaction it answers a message for gets that error (refused by content, e.g. every fee of one payload). */
  refuseWhen?: (tx: Transaction) => string | undefined;
  /** The hashes of the raw transactions that waited for `holdSends`, in arrival order. */
  readonly held: readonly string[];
  /** Answers given from a lagged head (eth_blockNumber, tags rewritten, logs cut, unknown blocks). */
  readonly laggedAnswers: number;
  close(): Promise<void>;
}

const MOVING_TAGS = new Set(['latest', 'pending', 'safe', 'finalized']);
/** Transport attempts of one read forwarded to the node. */
const READ_ATTEMPTS = 3;
const hex = (n: number) => `0x${n.toString(16)}`;

export async function startLaggingRpcProxy(target: string): Promise<LaggingRpcProxy> {
  const rpc = async (request: RpcRequest): Promise<{ result?: unknown; error?: unknown }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', ...request }),
        });
        return (await answer.json()) as { result?: unknown; error?: unknown };
      } catch (err) {
        // A read that failed in transport (seen under load: "fetch failed" with anvil up) is asked
        // again, as a node's load balancer would; a raw transaction is not sent twice.
        if (request.method === 'eth_sendRawTransaction' || attempt >= READ_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  };
  const state = { laggedAnswers: 0 };
  const held: string[] = [];
  const refused = new Map<string, string>();

  async function handle(request: RpcRequest): Promise<unknown> {
    const reply = (result: unknown) => ({ jsonrpc: '2.0', id: request.id, result });
    if (request.method === 'eth_sendRawTransaction' && proxy.beforeSend) {
      const hook = proxy.beforeSend;
      proxy.beforeSend = undefined;
      await hook();
    }
    if (request.method === 'eth_sendRawTransaction' && proxy.holdSends) {
      held.push(keccak256(String(request.params?.[0])));
      await proxy.holdSends;
    }
    const raw = String(request.params?.[0]);
    const refusal =
      request.method === 'eth_sendRawTransaction' &&
      (refused.get(keccak256(raw)) ?? proxy.refuseWhen?.(Transaction.from(raw)));
    if (refusal) return { jsonrpc: '2.0', id: request.id, error: { code: -32003, message: refusal } };
    if (proxy.lag <= 0) return { jsonrpc: '2.0', id: request.id, ...(await rpc(request)) };
    const head = Number((await rpc({ id: 0, method: 'eth_blockNumber', params: [] })).result);
    const seen = Math.max(0, head - proxy.lag);
    const lagged = <T>(value: T): T => {
      state.laggedAnswers++;
      return value;
    };
    const params = (request.params ?? []).map((p) =>
      typeof p === 'string' && MOVING_TAGS.has(p) ? lagged(hex(seen)) : p,
    );
    switch (request.method) {
      case 'eth_blockNumber':
        return reply(lagged(hex(seen)));
      case 'eth_getLogs': {
        const filter = { ...(params[0] as Record<string, unknown>) };
        const numberOf = (tag: unknown) => (typeof tag === 'string' && tag.startsWith('0x') ? Number(tag) : undefined);
        const from = numberOf(filter.fromBlock) ?? seen;
        const askedTo = numberOf(filter.toBlock);
        if (askedTo === undefined || askedTo > seen) lagged(0); // cut at the lagged head
        const to = Math.min(askedTo ?? seen, seen);
        if (from > seen) return reply([]);
        return {
          jsonrpc: '2.0',
          id: request.id,
          ...(await rpc({ ...request, params: [{ ...filter, fromBlock: hex(from), toBlock: hex(to) }] })),
        };
      }
      case 'eth_getBlockByNumber':
        if (typeof params[0] === 'string' && Number(params[0]) > seen) return reply(lagged(null));
        break;
      case 'eth_getTransactionReceipt': {
        const answer = await rpc(request);
        const block = (answer.result as { blockNumber?: string } | null)?.blockNumber;
        if (block !== undefined && Number(block) > seen) return reply(lagged(null));
        return { jsonrpc: '2.0', id: request.id, ...answer };
      }
    }
    return { jsonrpc: '2.0', id: request.id, ...(await rpc({ ...request, params })) };
  }

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        try {
          const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
          const answers = Array.isArray(parsed) ? await Promise.all(parsed.map(handle)) : await handle(parsed);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(answers));
        } catch (err) {
          res.statusCode = 502;
          // fetch's own message is only "fetch failed": its cause says what failed (refused, reset, closed).
          const cause = err instanceof Error && err.cause !== undefined ? `: ${String(err.cause)}` : '';
          res.end(`${String(err)}${cause}`);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: LaggingRpcProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lag: 0,
    held,
    refused,
    get laggedAnswers() {
      return state.laggedAnswers;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
