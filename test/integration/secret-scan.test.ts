// The secret scan itself (test/harness/secret-scan.ts), on a real Temporal dev server: a value
// planted in each place Temporal keeps (an activity result, a memo, a search attribute, a signal,
// a failure message) is found there, also through the payload codec, and nothing is found where
// nothing was planted. A scan of `JSON.stringify(history)`, the old way, misses the payloads.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { writeNewCodecKeyFile } from '../../temporal-config/codec-keys';
import { loadPayloadCodec } from '../../temporal-config/data-converter';
import { exportDecoded, findSecrets } from '../harness/secret-scan';
import { plantSecretWorkflow, plantSignal, type PlantPlace } from '../harness/secret-plant-workflows';
import { useService } from '../harness/service';

const PLACES: PlantPlace[] = ['activity-result', 'memo', 'search-attribute', 'signal', 'failure'];
const reverse = (text: string) => [...text].reverse().join('');

describe('secret scan: decodes every payload, memo and search attribute (Temporal dev server)', function () {
  this.timeout(180_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const dir = mkdtempSync(join(tmpdir(), 'nexus-secret-scan-'));
  const codecKeys = join(dir, 'codec-keys.json');
  let bundle: WorkflowBundleWithSourceMap;
  let connection: Connection;

  before(async () => {
    writeNewCodecKeyFile(codecKeys);
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../harness/secret-plant-workflows'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    });
    connection = await Connection.connect({ address: server().address });
  });

  after(async () => {
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the planting workflow for each place on its own task queue, the codec on or off; returns the task queue. */
  async function plantAll(secretFor: (place: PlantPlace) => string, codec: boolean): Promise<string> {
    const taskQueue = `secret-scan-${codec ? 'codec' : 'plain'}-${randomBytes(4).toString('hex')}`;
    const dataConverter = codec ? { payloadCodecs: [loadPayloadCodec(codecKeys)] } : undefined;
    const client = new Client({ connection, dataConverter });
    const nativeConnection = await NativeConnection.connect({ address: server().address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      dataConverter,
      activities: { leak: async (reversed: string) => reverse(reversed) },
    });
    await worker.runUntil(async () => {
      for (const place of PLACES) {
        const secret = secretFor(place);
        const handle = await client.workflow.start(plantSecretWorkflow, {
          taskQueue,
          workflowId: `${taskQueue}-${place}`,
          args: [{ place, reversed: reverse(secret) }],
        });
        if (place === 'signal') await handle.signal(plantSignal, secret);
        await handle.result().catch((err: WorkflowFailedError) => assert.equal(place, 'failure', err.message));
      }
    });
    await nativeConnection.close();
    return taskQueue;
  }

  it('finds a value planted in an activity result, a memo, a search attribute, a signal and a failure, each where it was put', async () => {
    const secrets = new Map(PLACES.map((place) => [place, `planted-${place}-${randomBytes(8).toString('hex')}`]));
    const taskQueue = await plantAll((place) => secrets.get(place) as string, false);
    const scanned = await exportDecoded(new Client({ connection }), `TaskQueue = "${taskQueue}"`);
    assert.equal(scanned.length, PLACES.length);
    for (const place of PLACES) {
      const leaks = findSecrets(scanned, [{ label: place, value: secrets.get(place) as string }]);
      assert.deepEqual(
        leaks.map((l) => l.split(' in ')[1].split(' ')[1]),
        [`${taskQueue}-${place}`],
        `${place}: ${JSON.stringify(leaks)}`,
      );
    }
    assert.deepEqual(
      findSecrets(scanned, [{ label: 'never planted', value: `planted-nowhere-${randomBytes(8).toString('hex')}` }]),
      [],
    );

    // The old scan of the serialised history misses what sits in payloads (base64 or byte maps).
    const naive = [];
    for await (const e of new Client({ connection }).workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      naive.push(
        JSON.stringify(await new Client({ connection }).workflow.getHandle(e.workflowId, e.runId).fetchHistory()),
      );
    }
    assert.ok(
      !naive.join('\n').includes(secrets.get('activity-result') as string),
      'the serialised history shows the activity result in clear',
    );
  });

  it("through the payload codec: found with the codec's keys, not in the ciphertext alone", async () => {
    const secret = `planted-under-codec-${randomBytes(8).toString('hex')}`;
    const taskQueue = await plantAll(() => secret, true);
    const query = `TaskQueue = "${taskQueue}"`;
    const decoded = await exportDecoded(new Client({ connection }), query, [loadPayloadCodec(codecKeys)]);
    const found = findSecrets(decoded, [{ label: 'planted', value: secret }]);
    // A search attribute is indexed by the server in clear: the codec never hides it.
    for (const place of PLACES)
      assert.ok(
        found.some((l) => l.includes(`${taskQueue}-${place} `)),
        `${place} not found: ${JSON.stringify(found)}`,
      );
    const ciphertextOnly = findSecrets(await exportDecoded(new Client({ connection }), query), [
      { label: 'planted', value: secret },
    ]);
    assert.ok(
      !ciphertextOnly.some((l) => l.includes(`${taskQueue}-activity-result `)),
      'the codec did not encrypt the activity result',
    );
  });
});
