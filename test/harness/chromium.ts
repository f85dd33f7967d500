// Headless Chromium for tests that look at a web page (the Temporal Web UI): Debian's package
// (tools/install.sh chromium), driven by playwright-core over CDP. Playwright never downloads a
// browser here; we start the process ourselves so that its PID is ours to stop.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google services, which this
// closed network refuses; QUIC and the GPU are of no use headless.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RunningChromium {
  browser: Browser;
  pid: number;
  /** Disconnects, then stops the process by its PID (SIGKILL if SIGTERM does not end it) and removes its profile. */
  stop(): Promise<void>;
}

/** Starts Chromium with a fresh profile and DevTools on a free port of 127.0.0.1, and connects to it. */
export async function startChromium(): Promise<RunningChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: \`bash tools/install.sh chromium\` (or \`npm run setup\`) installs Debian's package (needs root or sudo)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'nexus-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      `--user-data-dir=${profile}`,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      'about:blank',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: Chromium's helper processes (renderers, network service, crashpad)
      // are stopped with it, by the group of the PID we started.
      detached: true,
    },
  );
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let stderr = '';
  let browser: Browser | undefined;
  const stop = async () => {
    // Over CDP, close() only disconnects; the process is ended by its PID.
    await Promise.race([browser?.close().catch(() => undefined), sleep(5_000)]);
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) {
        signalGroup('SIGKILL');
        await exited;
      }
    }
    // Helpers that outlived the main process would keep writing to the profile.
    signalGroup('SIGKILL');
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    } catch (err) {
      console.warn(`      could not remove Chromium's profile ${profile}: ${(err as Error).message}`);
    }
  };
  try {
    // Chromium prints its DevTools endpoint on standard error once it listens.
    const endpoint = await new Promise<string>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`Chromium printed no DevTools endpoint within 30 s:\n${stderr.slice(-2000)}`)),
        30_000,
      );
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-20_000);
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          res(match[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        rej(new Error(`Chromium exited (${signal ?? code}) before it listened:\n${stderr.slice(-2000)}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        rej(err);
      });
    });
    browser = await chromium.connectOverCDP(endpoint, { timeout: 30_000 });
    if (child.pid === undefined) throw new Error('Chromium has no PID');
    return { browser, pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
