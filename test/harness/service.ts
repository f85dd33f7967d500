// Mocha helper: start a real server for the enclosing describe block and stop it (by PID) after.
import type { ServiceProcess } from '../../localnet/services/process';

/**
 * Registers before/after hooks that start the service once for the enclosing `describe` and stop
 * it afterwards. Returns an accessor that throws if used before the service is up.
 */
export function useService<T extends Pick<ServiceProcess, 'stop'>>(name: string, start: () => Promise<T>): () => T {
  let service: T | undefined;
  before(async function () {
    this.timeout(180_000);
    service = await start();
  });
  after(async function () {
    this.timeout(30_000);
    await service?.stop();
  });
  return () => {
    if (!service) throw new Error(`${name} is not running (its before hook failed or has not run)`);
    return service;
  };
}
