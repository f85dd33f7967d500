// test/harness/service.ts: a server that ends by itself during its suite is named, with its exit
// code and last output, instead of leaving the tests to find a dead port.
import assert from 'node:assert/strict';
import { useService } from '../harness/service';

describe('test harness: useService', () => {
  let exit: (code: number | null) => void = () => undefined;
  const service = useService('fake-node', async () => ({
    pid: 4242,
    exited: new Promise<number | null>((resolve) => (exit = resolve)),
    recentOutput: () => 'thread main panicked',
    stop: async () => undefined,
  }));
  const originalError = console.error;

  it('gives the service while it runs', () => {
    assert.equal(service().pid, 4242);
  });

  it('names a service that exited by itself, with its code and last output', async () => {
    const printed: string[] = [];
    console.error = (line: string) => printed.push(line);
    try {
      exit(101);
      await new Promise((r) => setImmediate(r));
    } finally {
      console.error = originalError;
    }
    assert.throws(
      service,
      /fake-node \(pid 4242\) exited by itself with code 101 during the suite; its last output:\nthread main panicked/,
    );
    assert.equal(printed.length, 1);
  });
});
