// Ports of the test and local-network servers: a port picked free can be taken by another process
// before the server binds it (seen in CI: moto "Port 40255 is in use by another program"). Ports
// are picked below the kernel's ephemeral range, where outgoing connections never land, and a
// start that loses its port is started again on a fresh one. The real servers' own messages for a
// taken port are what decides a retry, so each is recorded here from the real binary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { toolPath } from '../../tools/paths';
import { freePort, isPortTakenFailure, startOnFreePorts, startService } from '../../localnet/services/process';

/** Holds `port` on 127.0.0.1 (as another program would) until closed. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { port, server };
}

/** The error of starting `command` on a held port; never a started service. */
async function failureOnHeldPort(name: string, command: string, args: (port: number) => string[], ready: (port: number) => Promise<boolean>): Promise<unknown> {
  const held = await holdPort();
  try {
    const service = await startService({ name, command, args: args(held.port), ready: () => ready(held.port), readyTimeoutMs: 30_000 });
    await service.stop();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    held.server.close();
  }
}

const never = () => Promise.resolve(false);

describe('service ports (real servers on loopback)', function () {
  this.timeout(90_000);

  it('picks ports below the kernel\'s ephemeral range, never the same one twice', async () => {
    const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    for (const port of ports) assert.ok(port >= 15_000 && port < ephemeralStart, `port ${port} is in the ephemeral range (from ${ephemeralStart})`);
    assert.equal(new Set(ports).size, ports.length, 'a port was handed out twice');
  });

  it('moto, anvil and the Temporal dev server each say their port is taken in words the retry knows', async () => {
    const failures = {
      moto: await failureOnHeldPort('moto_server', toolPath('moto_server'), (p) => ['-H', '127.0.0.1', '-p', String(p)], never),
      anvil: await failureOnHeldPort('anvil', toolPath('anvil'), (p) => ['--host', '127.0.0.1', '--port', String(p)], never),
      temporal: await failureOnHeldPort('temporal dev server', toolPath('temporal'),
        (p) => ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(p), '--headless', '--log-level', 'warn'], never),
    };
    for (const [name, err] of Object.entries(failures)) {
      assert.ok(err instanceof Error, `${name} started on a taken port`);
      assert.ok(isPortTakenFailure(err), `${name}'s failure is not recognised as a taken port: ${err.message}`);
    }
  });

  it('starts again on a fresh port when the first start lost its port, and only then', async () => {
    const ports: number[] = [];
    let tries = 0;
    const started = await startOnFreePorts('a server', async () => {
      const port = await freePort();
      ports.push(port);
      if (++tries === 1) throw new Error(`a server failed to start: exited with code 1\nPort ${port} is in use by another program`);
      return port;
    });
    assert.equal(tries, 2);
    assert.equal(started, ports[1]);
    assert.notEqual(ports[0], ports[1]);

    let otherTries = 0;
    await assert.rejects(startOnFreePorts('a server', () => {
      otherTries++;
      return Promise.reject(new Error('a server failed to start: no such file or directory'));
    }), /no such file/);
    assert.equal(otherTries, 1, 'a failure that is not a taken port was retried');

    let takenTries = 0;
    await assert.rejects(startOnFreePorts('a server', () => {
      takenTries++;
      return Promise.reject(new Error('listen EADDRINUSE: address already in use'));
    }, 3), /EADDRINUSE/);
    assert.equal(takenTries, 3, 'the starts are not bounded');
  });
});
