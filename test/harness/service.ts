// Mocha helper: start a real server for the enclosing describe block and stop it (by PID) after.
import type { ServiceProcess } from '../../localnet/services/process';

type Stoppable = Pick<ServiceProcess, 'stop'> & Partial<Pick<ServiceProcess, 'pid' | 'exited' | 'recentOutput'>>;

/**
 * Registers before/after hooks that start the service once for the enclosing `describe` and stop
 * it afterwards. Returns an accessor that throws if used before the service is up. A service that
 * ends by itself before the `after` hook is reported at once (its exit code and last output), and
 * the accessor then throws with the same words: a test sees why its server is gone, not a 502.
 */
export function useService<T extends Stoppable>(name: string, start: () => Promise<T>): () => T {
  let service: T | undefined;
  let stopping = false;
  let died: string | undefined;
  before(async function () {
    this.timeout(180_000);
    const started = await start();
    service = started;
    void started.exited?.then((code) => {
      if (stopping) return;
      died = `${name} (pid ${started.pid}) exited by itself with code ${code} during the suite; its last output:\n${started.recentOutput?.() ?? ''}`;
      console.error(died);
    });
  });
  after(async function () {
    this.timeout(30_000);
    stopping = true;
    await service?.stop();
  });
  return () => {
    if (died) throw new Error(died);
    if (!service) throw new Error(`${name} is not running (its before hook failed or has not run)`);
    return service;
  };
}
