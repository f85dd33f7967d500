// Ports of the test and local-network servers: a port picked free can be taken by another process
// before the server binds it (seen in CI: moto "Port 40255 is in use by another program"). Ports
// are picked below the kernel's ephemeral range, where outgoing connections never land, and a
// start that loses its port is started again on a fresh one. The real servers' own messages for a
// taken port are what decides a retry, so each is recorded here from the real binary.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toolPath } from '../../tools/paths';
import { OPERATOR_FILES, createOperatorIdentity } from '../../localnet/operator-identity';
import { freePort, isPortTakenFailure, startOnFreePorts, startService } from '../../localnet/services/process';
import { chooseSsvDkg } from '../../localnet/services/ssv-dkg-choice';
import { startDkgOperator } from '../../localnet/services/ssv-dkg';

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
async function failureOnHeldPort(
  name: string,
  command: string,
  args: (port: number) => string[],
  ready: (port: number) => Promise<boolean>,
  cwd?: string,
): Promise<unknown> {
  const held = await holdPort();
  try {
    const service = await startService({
      name,
      command,
      args: args(held.port),
      cwd,
      ready: () => ready(held.port),
      readyTimeoutMs: 30_000,
    });
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

  it("picks ports below the kernel's ephemeral range, never the same one twice", async () => {
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    for (const port of ports)
      assert.ok(
        port >= 15_000 && port < ephemeralStart,
        `port ${port} is in the ephemeral range (from ${ephemeralStart})`,
      );
    assert.equal(new Set(ports).size, ports.length, 'a port was handed out twice');
  });

  it('moto, anvil and the Temporal dev server each say their port is taken in words the retry knows', async () => {
    const failures = {
      moto: await failureOnHeldPort(
        'moto_server',
        toolPath('moto_server'),
        (p) => ['-H', '127.0.0.1', '-p', String(p)],
        never,
      ),
      anvil: await failureOnHeldPort(
        'anvil',
        toolPath('anvil'),
        (p) => ['--host', '127.0.0.1', '--port', String(p)],
        never,
      ),
      temporal: await failureOnHeldPort(
        'temporal dev server',
        toolPath('temporal'),
        (p) => ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(p), '--headless', '--log-level', 'warn'],
        never,
      ),
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
      if (++tries === 1)
        throw new Error(`a server failed to start: exited with code 1\nPort ${port} is in use by another program`);
      return port;
    });
    assert.equal(tries, 2);
    assert.equal(started, ports[1]);
    assert.notEqual(ports[0], ports[1]);

    let otherTries = 0;
    await assert.rejects(
      startOnFreePorts('a server', () => {
        otherTries++;
        return Promise.reject(new Error('a server failed to start: no such file or directory'));
      }),
      /no such file/,
    );
    assert.equal(otherTries, 1, 'a failure that is not a taken port was retried');

    let takenTries = 0;
    await assert.rejects(
      startOnFreePorts(
        'a server',
        () => {
          takenTries++;
          return Promise.reject(new Error('listen EADDRINUSE: address already in use'));
        },
        3,
      ),
      /EADDRINUSE/,
    );
    assert.equal(takenTries, 3, 'the starts are not bounded');
  });

  describe("the ssv-dkg operators and the worker's SDK metrics exporter", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-ports-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('an ssv-dkg operator (the binary the tests run) says its port is taken in words the retry knows', async () => {
      const identity = await createOperatorIdentity(join(dir, 'held-operator'), 1);
      const err = await failureOnHeldPort(
        'ssv-dkg operator',
        chooseSsvDkg().path,
        (p) => [
          'start-operator',
          '--privKey',
          OPERATOR_FILES.keystore,
          '--privKeyPassword',
          OPERATOR_FILES.password,
          '--operatorID',
          '1',
          '--port',
          String(p),
          '--serverTLSCertPath',
          OPERATOR_FILES.tlsCert,
          '--serverTLSKeyPath',
          OPERATOR_FILES.tlsKey,
          '--outputPath',
          'output',
          '--logFilePath',
          'operator.log',
          '--ethEndpointURL',
          'http://127.0.0.1:1',
        ],
        never,
        identity.dir,
      );
      assert.ok(err instanceof Error, 'the operator started on a taken port');
      assert.ok(isPortTakenFailure(err), `the operator's failure is not recognised as a taken port: ${err.message}`);
    });

    it('an ssv-dkg operator started without a port starts again on another one when its first port was taken', async () => {
      // The binary loses its first port (as when another process binds it first), then runs for real.
      const marker = join(dir, 'lost-once');
      const wrapper = join(dir, 'ssv-dkg-loses-first-port');
      writeFileSync(
        wrapper,
        `#!/usr/bin/env bash\nif [[ ! -e ${marker} ]]; then echo "$*" > ${marker}; echo "listen tcp 127.0.0.1: bind: address already in use" >&2; exit 1; fi\nexec ${chooseSsvDkg().path} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      const identity = await createOperatorIdentity(join(dir, 'retried-operator'), 2);
      const operator = await startDkgOperator(identity, { ethEndpointURL: 'http://127.0.0.1:1', command: wrapper });
      try {
        const firstPort = Number(/--port (\d+)/.exec(readFileSync(marker, 'utf8'))?.[1]);
        assert.ok(firstPort > 0, 'the first start was not given a port');
        assert.notEqual(operator.port, firstPort, 'started again on the port it had lost');
      } finally {
        await operator.stop();
      }
    });

    it("the worker's SDK metrics exporter starts on another port when its port was taken before it bound it", () => {
      const out = execFileSync(
        process.execPath,
        ['--require', 'tsx/cjs', resolve(__dirname, '../harness/sdk-exporter-port.ts')],
        { encoding: 'utf8', timeout: 60_000 },
      );
      const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
        heldPort: number;
        given: number[];
        port?: number;
        status?: number;
        error?: string;
      };
      assert.equal(result.error, undefined, `the exporter did not start: ${result.error}`);
      assert.equal(result.given[0], result.heldPort);
      assert.equal(result.given.length, 2, `expected one retry, ports given: ${result.given.join(', ')}`);
      assert.equal(result.port, result.given[1]);
      assert.equal(result.status, 200, 'the exporter on its second port does not serve /metrics');
    });
  });
});
