// A child process for test/integration/service-ports.test.ts: Runtime.install may run once per
// process, so the SDK exporter's port retry (worker/observability/server.ts) is tried here. The
// first port handed to it is held by this process (as another program would hold it); it prints
// one JSON line: the ports it was given, the one it ended on, or the error that stopped it.
import { createServer } from 'node:net';
import { Runtime } from '@temporalio/worker';
import { freeLoopbackPort, installOnFreeLoopbackPort } from '../../worker/observability/server';

async function main(): Promise<void> {
  const held = createServer();
  const heldPort = await new Promise<number>((resolve, reject) => {
    held.once('error', reject);
    held.listen(0, '127.0.0.1', () => resolve((held.address() as { port: number }).port));
  });
  const given: number[] = [];
  const pick = async () => {
    const port = given.length === 0 ? heldPort : await freeLoopbackPort();
    given.push(port);
    return port;
  };
  try {
    const { port } = await installOnFreeLoopbackPort(
      (p) => Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${p}` } } } }),
      pick,
    );
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    console.log(JSON.stringify({ heldPort, given, port, status: res.status }));
  } catch (err) {
    console.log(JSON.stringify({ heldPort, given, error: (err as Error).message }));
  } finally {
    held.close();
  }
}

void main().then(() => process.exit(0));
