// The payload codec on a real Temporal dev server (temporal CLI v1.5.1): a worker built by
// buildWorker with codec.keysFile runs the self-check workflow; the server's stored history holds
// only ciphertext, clients and `temporal --codec-endpoint` (through our codec server) read it in
// clear, the nexus-bot CLI with --codec-keys works, and a rotated key file still reads old history.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { CODEC_KEY_BYTES } from '../../temporal-config/codec-keys';
import { startCodecServer, type CodecServer } from '../../temporal-config/codec-server';
import { codecDataConverter, loadPayloadCodec } from '../../temporal-config/data-converter';
import { TASK_QUEUE } from '../../temporal-config/names';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY } from '../../temporal-config/payload-codec';
import { toolPath } from '../../tools/paths';
import { parseWorkerConfig } from '../../worker/config';
import { buildWorker } from '../../worker/worker';
import { pingSignal } from '../../protocol/messages';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { runTool } from '../harness/cli';
import { useService } from '../harness/service';
import { workflowBundle } from '../harness/workflow-bundle';

const BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');
type Payload = temporal.api.common.v1.IPayload;

/** Every payload in a history (search attributes are indexed by the server, never encoded). */
function payloadsOf(node: unknown, path = ''): { path: string; payload: Payload }[] {
  if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return [];
  const meta = (node as Payload).metadata;
  if (meta && typeof meta === 'object' && 'encoding' in meta) return [{ path, payload: node as Payload }];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'searchAttributes' ? [] : payloadsOf(value, `${path}.${key}`),
  );
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

function writeKeys(file: string, activeKeyId: string, keys: Record<string, Buffer>): void {
  writeFileSync(
    file,
    JSON.stringify({
      activeKeyId,
      keys: Object.entries(keys).map(([id, key]) => ({ id, key: key.toString('base64') })),
    }),
    { mode: 0o600 },
  );
}

describe('payload codec on the Temporal dev server', function () {
  this.timeout(180_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const dir = mkdtempSync(join(tmpdir(), 'nexus-codec-it-'));
  const keysV1 = join(dir, 'keys-v1.json');
  const keysV2 = join(dir, 'keys-v2.json');
  const k1 = randomBytes(CODEC_KEY_BYTES);
  const k2 = randomBytes(CODEC_KEY_BYTES);
  const marker = `codec-plaintext-marker-${randomBytes(6).toString('hex')}`;
  let connection: Connection;
  let codecServer: CodecServer;
  let firstWorkflowId: string;

  before(async () => {
    writeKeys(keysV1, 'k1', { k1 });
    writeKeys(keysV2, 'k2', { k1, k2 });
    connection = await Connection.connect({ address: server().address });
    codecServer = await startCodecServer({ codec: loadPayloadCodec(keysV2) });
  });
  after(async () => {
    await connection?.close();
    await codecServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs fn while a worker built from the bot's own config (codec.keysFile) polls. */
  async function withCodecWorker<T>(keysFile: string, fn: () => Promise<T>): Promise<T> {
    const config = parseWorkerConfig({
      workerName: 'codec-test-worker',
      temporal: { address: server().address },
      codec: { keysFile },
    });
    const { worker, close } = await buildWorker(config, { workflowBundle: await workflowBundle() });
    try {
      return await worker.runUntil(fn());
    } finally {
      await close();
    }
  }

  async function runSelfCheck(client: Client, note: string): Promise<string> {
    const workflowId = `codec-self-check-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const handle = await client.workflow.start(selfCheckWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ wait: '1 hour', finishAfterPings: 1 }],
    });
    await handle.signal(pingSignal, { note });
    const result = await handle.result();
    assert.deepEqual(result.pings, [note]);
    return workflowId;
  }

  async function storedPayloads(workflowId: string) {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return payloadsOf(history.events);
  }

  it('stores only ciphertext: every payload of the history is binary/encrypted, without the plaintext', async () => {
    firstWorkflowId = await withCodecWorker(keysV1, () =>
      runSelfCheck(new Client({ connection, dataConverter: codecDataConverter(keysV1) }), marker),
    );
    const payloads = await storedPayloads(firstWorkflowId);
    // The workflow's input, the signal, the activity's result and the workflow's result.
    const where = payloads.map((p) => p.path.split('.')[2]).sort();
    assert.deepEqual(where, [
      'activityTaskCompletedEventAttributes',
      'workflowExecutionCompletedEventAttributes',
      'workflowExecutionSignaledEventAttributes',
      'workflowExecutionStartedEventAttributes',
    ]);
    for (const { path, payload } of payloads) {
      assert.equal(text(payload.metadata?.encoding), ENCRYPTED_ENCODING, `${path} is not encrypted`);
      assert.equal(text(payload.metadata?.[KEY_ID_METADATA_KEY]), 'k1', path);
      assert.ok(!Buffer.from(payload.data ?? []).includes(marker), `${path} holds the plaintext`);
    }
    // A client without the codec cannot read the result.
    await assert.rejects(new Client({ connection }).workflow.getHandle(firstWorkflowId).result(), /binary\/encrypted/);
  });

  it('`temporal workflow show --codec-endpoint` decodes through the codec server; without it, no plaintext', async () => {
    const args = [
      'workflow',
      'show',
      '--address',
      server().address,
      '--namespace',
      'default',
      '--workflow-id',
      firstWorkflowId,
    ];
    const decoded = await runTool(toolPath('temporal'), [...args, '--codec-endpoint', codecServer.url]);
    assert.match(decoded.stdout, new RegExp(marker));
    const raw = await runTool(toolPath('temporal'), args);
    assert.doesNotMatch(raw.stdout, new RegExp(marker));
    assert.match(raw.stdout, /binary\/encrypted/);
  });

  it('a signal from `temporal --codec-endpoint` arrives encrypted; one from `tctl --codec_endpoint` in clear, and still works', async () => {
    // The codec server holds keysV2 (k2 active): the worker needs k2 too, or it cannot read them.
    const client = new Client({ connection, dataConverter: codecDataConverter(keysV2) });
    const workflowId = `codec-cli-signals-${Date.now()}`;
    const result = await withCodecWorker(keysV2, async () => {
      const handle = await client.workflow.start(selfCheckWorkflow, {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ wait: '1 hour', finishAfterPings: 2 }],
      });
      await runTool(toolPath('temporal'), [
        'workflow',
        'signal',
        '--address',
        server().address,
        '--namespace',
        'default',
        '--codec-endpoint',
        codecServer.url,
        '--workflow-id',
        workflowId,
        '--name',
        'ping',
        '--input',
        `{"note":"${marker}-temporal"}`,
      ]);
      // tctl v1.18.0 decodes through a codec endpoint but does not encode what it sends.
      await runTool(toolPath('tctl'), [
        '--address',
        server().address,
        '--namespace',
        'default',
        '--codec_endpoint',
        codecServer.url,
        'workflow',
        'signal',
        '--workflow_id',
        workflowId,
        '--name',
        'ping',
        '--input',
        `{"note":"${marker}-tctl"}`,
      ]);
      return handle.result();
    });
    assert.deepEqual(result.pings, [`${marker}-temporal`, `${marker}-tctl`]);
    const signals = (await storedPayloads(workflowId))
      .filter((p) => p.path.includes('workflowExecutionSignaled'))
      .map(({ payload }) => payload);
    assert.equal(signals.length, 2);
    assert.equal(text(signals[0].metadata?.encoding), ENCRYPTED_ENCODING);
    assert.ok(!Buffer.from(signals[0].data ?? []).includes(marker));
    assert.equal(text(signals[1].metadata?.encoding), 'json/plain');
  });

  it('the nexus-bot CLI runs self-check with --codec-keys', async () => {
    const result = await withCodecWorker(
      keysV1,
      () =>
        new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
          execFile(
            process.execPath,
            [BIN, 'self-check', '--address', server().address, '--codec-keys', keysV1],
            { timeout: 60_000 },
            (err, stdout, stderr) => {
              res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
            },
          );
        }),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok: self-check-\d+ ran on codec-test-worker@/);
  });

  it('after rotation (k2 active, k1 kept) old histories still decode and new payloads use k2', async () => {
    const client = new Client({ connection, dataConverter: codecDataConverter(keysV2) });
    const old = await client.workflow.getHandle(firstWorkflowId).result();
    assert.deepEqual(old.pings, [marker]);
    const secondId = await withCodecWorker(keysV2, () => runSelfCheck(client, `${marker}-2`));
    const keyIds = new Set(
      (await storedPayloads(secondId)).map(({ payload }) => text(payload.metadata?.[KEY_ID_METADATA_KEY])),
    );
    assert.deepEqual([...keyIds], ['k2']);
    // Without k1 the old history cannot be read: keep old keys until their histories are gone.
    const onlyK2 = join(dir, 'keys-only-k2.json');
    writeKeys(onlyK2, 'k2', { k2 });
    await assert.rejects(
      new Client({ connection, dataConverter: codecDataConverter(onlyK2) }).workflow
        .getHandle(firstWorkflowId)
        .result(),
      /codec key "k1", which is not in the key file/,
    );
  });
});
