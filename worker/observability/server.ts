// One /metrics endpoint: the bot's registry (prom-client) followed by the Temporal SDK's own
// metrics, which the SDK's Rust core exports on a loopback port of its own (Runtime telemetry,
// Prometheus exporter): each scrape fetches that text and appends it. Metric families do not
// overlap (the SDK's are all temporal_*, ours nexus_*, process_* and nodejs_*).
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  /** host:port to listen on (port 0: any free port). */
  listen: string;
  /** The SDK's exporter, e.g. http://127.0.0.1:40123/metrics; absent: ours only. */
  sdkMetricsUrl?: string;
  /** How long a scrape waits for the SDK's exporter. Default 3 s. */
  sdkTimeoutMs?: number;
}

export interface MetricsServer {
  /** http://host:port/metrics, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('nexus-bot: GET /metrics\n');
      return;
    }
    scrape(opts).then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) =>
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`metrics collection failed: ${(err as Error)?.message ?? String(err)}\n`),
    );
  });
  const { host, port } = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${opts.listen} (observability.metrics.listen): ${err.code ?? err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function scrape(opts: MetricsServerOptions): Promise<string> {
  const ours = await opts.registry.metrics();
  if (!opts.sdkMetricsUrl) return ours;
  let sdk: string;
  try {
    const res = await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(opts.sdkTimeoutMs ?? 3_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    sdk = await res.text();
  } catch (err) {
    // Ours still count: say in the text why the SDK's part is missing.
    sdk = `# Temporal SDK metrics unavailable: ${(err as Error)?.message ?? String(err)}\n`;
  }
  return `${ours.endsWith('\n') ? ours : `${ours}\n`}${sdk}`;
}

/** A free TCP port on 127.0.0.1 (for the SDK's exporter, which cannot report the port it bound). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The SDK core's words when the exporter's port is taken: "Failed to start prometheus metrics exporter: Address already in use (os error 98)". */
const PORT_TAKEN = /address already in use|EADDRINUSE/i;

/**
 * Runs `install` (Runtime.install with the SDK's exporter on `port`) on a port picked free, and
 * when another process took that port before the exporter bound it, again on a fresh one. The
 * exporter binds port 0 but cannot say which port it got, and /metrics must fetch it, so a port is
 * picked here. A failed Runtime.install leaves no runtime installed, so it may run again.
 */
export async function installOnFreeLoopbackPort<T>(
  install: (port: number) => T,
  pickPort: () => Promise<number> = freeLoopbackPort,
  attempts = 5,
): Promise<{ port: number; installed: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort();
    try {
      return { port, installed: install(port) };
    } catch (err) {
      if (attempt >= attempts || !PORT_TAKEN.test((err as Error)?.message ?? String(err))) throw err;
    }
  }
}
