// The nexus-bot CLI, run as its installed `bin` against a real Temporal dev server.
import assert from 'node:assert/strict';
import { NativeConnection } from '@temporalio/worker';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { TASK_QUEUE } from '../../temporal-config/names';
import { runNexusBot as cli } from '../harness/cli';
import { useService } from '../harness/service';
import { createTestWorker } from '../harness/worker';

describe('nexus-bot CLI', () => {
  const server = useService('temporal dev server', () => startTemporalDevServer());

  it("prints the usage for --help and for each command's --help", async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Usage: nexus-bot <command>[\s\S]*self-check/);
    const sub = await cli(['self-check', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /Usage: nexus-bot self-check/);
  });

  it('rejects an unknown command or option with exit code 2 and the usage', async () => {
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*Usage:/);
    const badOption = await cli(['self-check', '--frobnicate']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /Unknown option '--frobnicate'/);
    const badValue = await cli(['self-check', '--timeout', 'soon']);
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /--timeout: expected a positive number of seconds, got "soon"/);
  });

  it('names a Temporal server that cannot be reached', async () => {
    const result = await cli(['self-check', '--address', '127.0.0.1:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  });

  it('says so when no worker polls the task queue', async () => {
    const result = await cli(['self-check', '--address', server().address, '--timeout', '2']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`is a nexus-bot worker polling task queue "${TASK_QUEUE}"`));
  });

  it('self-check reports the worker that ran the workflow', async () => {
    const connection = await NativeConnection.connect({ address: server().address });
    const worker = await createTestWorker(connection, 'cli-test-worker');
    const result = await worker.runUntil(cli(['self-check', '--address', server().address]));
    await connection.close();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok: self-check-\d+ ran on cli-test-worker@/);
  });
});
