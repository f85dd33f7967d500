// Starting and stopping the real servers of the local network (and of the tests): each runs as a
// child process on 127.0.0.1, is awaited until it answers, and is stopped by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** The last lines the process printed, for error messages. */
  recentOutput(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (appended); kept in memory only when absent. */
  logFile?: string;
  /**
   * Resolves when the service answers; polled until `readyTimeoutMs`. Its errors count as "not yet",
   * except StartAbandonedError: the service will never come up, so it is stopped at once.
   */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Grace after SIGTERM before SIGKILL (some servers never finish a SIGTERM). */
  killAfterMs?: number;
  /** Written to the process's standard input, which is then closed (e.g. a salt: never argv or env). */
  stdin?: string;
}

const OUTPUT_LINES_KEPT = 40;

/** Thrown by a `ready` check that knows the service will never come up (a start worth trying again). */
export class StartAbandonedError extends Error {
  override name = 'StartAbandonedError';
}

export async function startService(opts: StartOptions): Promise<ServiceProcess> {
  const log: WriteStream | undefined = opts.logFile ? openLog(opts.logFile) : undefined;
  const child: ChildProcess = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(null);
    });
    child.once('exit', (code) => {
      log?.end();
      resolve(code);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const service: ServiceProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    exited,
    recentOutput: () => lines.join('\n'),
    stop: async () => {
      if (hasExited || child.pid === undefined) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([
        exited.then(() => true),
        sleep(opts.killAfterMs ?? 5_000).then(() => false),
      ]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) {
      const why = spawnError ? spawnError.message : `exited with code ${await exited}`;
      throw new Error(
        `${opts.name} failed to start: ${why}\n--- last output of ${opts.name} ---\n${service.recentOutput()}`,
      );
    }
    const answered = await opts.ready().catch(async (err: unknown) => {
      if (!(err instanceof StartAbandonedError)) return false;
      await service.stop();
      throw new StartAbandonedError(
        `${opts.name} failed to start: ${err.message}\n--- last output of ${opts.name} ---\n${service.recentOutput()}`,
      );
    });
    if (answered) return service;
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(
        `${opts.name} did not answer within ${(opts.readyTimeoutMs ?? 30_000) / 1000} s\n--- last output of ${opts.name} ---\n${service.recentOutput()}`,
      );
    }
    await sleep(100);
  }
}

function openLog(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'a' });
}

/**
 * A port that was free on 127.0.0.1 a moment ago, picked at random below the kernel's ephemeral
 * range: the kernel hands ports of that range to every outgoing connection, so a port picked there
 * (listen on 0) is often taken again before our server binds it. Ports handed out by this process
 * are not handed out again.
 */
export async function freePort(): Promise<number> {
  const [low, high] = [FREE_PORT_LOW, Math.min(ephemeralRangeStart(), 65_536)];
  for (let tries = 0; tries < 50; tries++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    // Reserved before the check: two calls running at once must never get the same port.
    handedOut.add(port);
    if (await canBind(port)) return port;
    handedOut.delete(port);
  }
  return kernelFreePort();
}

const FREE_PORT_LOW = 15_000;
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > FREE_PORT_LOW + 1_000 ? start : 32_768;
  } catch {
    return 32_768; // not Linux: the IANA range starts at 49152, Linux's default at 32768
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** What a server prints when the port it was given was taken in the meantime. */
const PORT_TAKEN =
  /EADDRINUSE|address already in use|is in use by another program|already in use|bind.*(failed|error)/i;

/** Whether a failed start failed because its port was taken (the server's own message says so). */
export function isPortTakenFailure(err: unknown): boolean {
  return PORT_TAKEN.test(err instanceof Error ? err.message : String(err));
}

/**
 * Starts a service on ports picked by `freePort` (inside `start`), and when another process took
 * one of them before the server bound it, starts it again on fresh ports (up to `attempts` starts).
 * A start that fails for any other reason fails at once.
 */
export async function startOnFreePorts<T>(what: string, start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !isPortTakenFailure(err)) throw err;
      process.stderr.write(
        `[localnet] ${what}: its port was taken before it bound it; starting it again on another port (attempt ${attempt + 1} of ${attempts})\n`,
      );
    }
  }
}

/** Throws a clear error when `port` on 127.0.0.1 is already taken. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on 127.0.0.1 (${what}) is already in use by another process`
            : `cannot bind port ${port} on 127.0.0.1 (${what}): ${err.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Stops services in reverse start order, never throwing. */
export async function stopAll(services: ServiceProcess[]): Promise<void> {
  for (const service of [...services].reverse()) {
    await service.stop().catch(() => undefined);
  }
}
