// A TCP proxy on loopback in front of a JSON-RPC server (anvil) that a fault test can switch off:
// while off, every connection it holds is cut and every new one is accepted and dropped at once,
// as an RPC backend that went away would. The worker is pointed at the proxy; the test itself
// talks to anvil directly.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface RpcSwitch {
  /** http://127.0.0.1:PORT of the proxy. */
  readonly url: string;
  /** Cuts every connection and drops new ones until `up()`. */
  down(): void;
  up(): void;
  readonly isDown: boolean;
  /** Connections dropped while down (the worker did try). */
  readonly dropped: number;
  stop(): Promise<void>;
}

export async function startRpcSwitch(targetUrl: string): Promise<RpcSwitch> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  let isDown = false;
  let dropped = 0;
  const server: Server = createServer((client) => {
    if (isDown) {
      dropped++;
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // Port 0: the kernel picks a free port and the proxy reports it; nothing can take it in between.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      isDown = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    up() {
      isDown = false;
    },
    get isDown() {
      return isDown;
    },
    get dropped() {
      return dropped;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
