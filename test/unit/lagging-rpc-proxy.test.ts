// test/harness/lagging-rpc-proxy.ts: a read the node drops in transport is asked again (the
// pipelined-registration suites met "fetch failed" under load with anvil up, and their activities
// run without Temporal's retries); a raw transaction is never sent twice.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLaggingRpcProxy, type LaggingRpcProxy } from '../harness/lagging-rpc-proxy';

describe('test harness: the lagging RPC proxy', () => {
  let node: Server;
  let proxy: LaggingRpcProxy;
  const received: string[] = [];
  let dropNext = 0;

  before(async () => {
    // A stand-in node: drops the connection of the next `dropNext` requests, answers the others.
    node = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: unknown; method: string };
        received.push(method);
        if (dropNext > 0) {
          dropNext--;
          req.socket.destroy();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id, result: '0x10' }));
      });
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    proxy = await startLaggingRpcProxy(`http://127.0.0.1:${(node.address() as AddressInfo).port}`);
  });
  after(async () => {
    await proxy.close();
    node.closeAllConnections();
    await new Promise((resolve) => node.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const call = (method: string) =>
    fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method,
        params: method === 'eth_sendRawTransaction' ? ['0x01'] : [],
      }),
    });

  it('asks a read again when the node drops it in transport', async () => {
    dropNext = 2;
    const answer = await call('eth_blockNumber');
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { jsonrpc: '2.0', id: 1, result: '0x10' });
    assert.deepEqual(received, ['eth_blockNumber', 'eth_blockNumber', 'eth_blockNumber']);
  });

  it('does not send a raw transaction twice: a dropped one is a 502 naming the cause', async () => {
    dropNext = 1;
    const answer = await call('eth_sendRawTransaction');
    assert.equal(answer.status, 502);
    assert.match(await answer.text(), /^TypeError: fetch failed: .+/);
    assert.deepEqual(received, ['eth_sendRawTransaction']);
  });
});
