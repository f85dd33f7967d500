// Metrics and logs on the real Temporal dev server, each worker in a process of its own (the
// Temporal Runtime, its logger and its metrics exporter are installed once per process):
//   - the nexus-bot worker itself (worker/main.ts, no chain): its /metrics endpoint serves the
//     bot's metrics and the SDK's own, in-flight counts from visibility, JSON log lines;
//   - a probe worker with the same observability set-up (test/harness/observability-worker.ts)
//     whose activities fail and stall on demand: errors counted by type, a stuck step counted
//     with a 1-second threshold and logged, rollup and workflow ids in activity and workflow logs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort, startService, type ServiceProcess } from '../../localnet/services/process';
import { startTemporalDevServer } from '../../localnet/services/temporal';
import { startWorkerProcess } from '../../localnet/services/worker';
import { selfCheckWorkflow } from '../../workflows/self-check';
import { useService } from '../harness/service';
import type {
  createValidatorsWorkflow as standInCreation,
  observabilityProbeWorkflow,
} from '../harness/observability-workflows';

const REPO_ROOT = resolve(__dirname, '..', '..');
const ROLLUP = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const rollup = ROLLUP.toLowerCase();

type LogLine = Record<string, unknown> & { time: string; level: string; msg: string };

/** Every line of the worker's output, parsed: each must be one JSON object. */
function readJsonLines(file: string): LogLine[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.map((line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      assert.fail(`not a JSON log line: ${line}`);
    }
    const entry = parsed as LogLine;
    assert.ok(
      typeof entry.time === 'string' && typeof entry.level === 'string' && typeof entry.msg === 'string',
      `missing time/level/msg: ${line}`,
    );
    return entry;
  });
}

/**
 * The worker's lines once `done` holds for them: the SDK buffers forwarded log lines for 100 ms
 * and the test harness appends the child's output to the file asynchronously.
 */
async function jsonLinesWhen(file: string, done: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
  for (let deadline = Date.now() + 10_000; ; await sleep(200)) {
    const lines = readJsonLines(file);
    if (done(lines) || Date.now() > deadline) return lines;
  }
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return res.text();
}

/** The value of one sample, e.g. sample(text, 'nexus_stuck_steps_total{activity="slowStep"}'). */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** No metric family appears twice (ours and the SDK's do not clash). */
function assertNoDuplicateFamilies(text: string): void {
  const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  assert.deepEqual(
    families.filter((f, i) => families.indexOf(f) !== i),
    [],
  );
}

async function waitForPoller(address: string, taskQueue: string, identityPrefix: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (pollers ?? []).some((p) => p.identity?.startsWith(identityPrefix));
  } finally {
    await connection.close();
  }
}

describe('metrics and logs (Temporal dev server, workers in their own processes)', function () {
  this.timeout(180_000);
  const server = useService('temporal dev server', () => startTemporalDevServer());
  const dir = mkdtempSync(join(tmpdir(), 'nexus-observability-'));
  let connection: Connection | undefined;
  let client: Client;

  before(async () => {
    connection = await Connection.connect({ address: server().address });
    client = new Client({ connection });
  });
  after(async () => {
    await connection?.close();
  });

  function writeConfig(name: string, taskQueue: string, metricsPort: number): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        temporal: { address: server().address, taskQueue },
        observability: { metrics: { listen: `127.0.0.1:${metricsPort}` }, stuckAfterSeconds: 1, logLevel: 'DEBUG' },
      }),
    );
    return file;
  }

  it("the worker (worker/main.ts) serves its metrics and the SDK's on one endpoint and logs JSON lines with workflow ids", async () => {
    const taskQueue = `observability-main-${Date.now()}`;
    const port = await freePort();
    const logFile = join(dir, 'main-worker.log');
    const worker = await startWorkerProcess({
      configFile: writeConfig('main', taskQueue, port),
      workerName: 'observability-main',
      temporalAddress: server().address,
      namespace: 'default',
      taskQueue,
      logFile,
    });
    try {
      const workflowId = `self-check-${Date.now()}`;
      const result = await client.workflow.execute(selfCheckWorkflow, {
        taskQueue,
        workflowId,
        args: [{ wait: '1 ms' }],
      });
      assert.match(result.worker, /^observability-main@/);

      const text = await scrape(`http://127.0.0.1:${port}/metrics`);
      writeFileSync(join(dir, 'main-worker.metrics.txt'), text); // for a look after a failure
      for (const name of [
        'nexus_validators_created_total',
        'nexus_validators_exited_total',
        'nexus_transaction_fee_wei_total',
        'nexus_activity_errors_total',
        'nexus_stuck_steps',
        'nexus_last_successful_poll_timestamp_seconds',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      assert.equal(sample(text, 'nexus_inflight_ceremonies'), 0, 'counted from visibility');
      assert.equal(sample(text, 'nexus_inflight_exits'), 0);
      // The SDK's own (Rust core) metrics, appended.
      assert.match(text, /^temporal_worker_task_slots_available\{.*worker_type="ActivityWorker".*\} \d+/m);
      assert.match(text, /^temporal_workflow_completed\{.*workflow_type="selfCheckWorkflow".*\} 1$/m);
      assertNoDuplicateFamilies(text);

      const lines = await jsonLinesWhen(logFile, (ls) =>
        ls.some((l) => l.workflowId === workflowId && l.activityType === 'describeWorker'),
      );
      assert.ok(
        lines.some(
          (l) =>
            l.msg === 'nexus-bot worker polling' &&
            l.taskQueue === taskQueue &&
            l.metrics === `http://127.0.0.1:${port}/metrics`,
        ),
        'start line',
      );
      const activityLines = lines.filter((l) => l.workflowId === workflowId && l.activityType === 'describeWorker');
      assert.ok(activityLines.length > 0, "the SDK's activity lines carry the workflow id");
      assert.ok(lines.every((l) => !('taskToken' in l)));
    } finally {
      await worker.stop();
    }
    const afterStop = await jsonLinesWhen(logFile, (ls) => ls.some((l) => l.msg === 'nexus-bot worker stopped'));
    assert.ok(
      afterStop.some((l) => l.msg === 'nexus-bot worker stopped'),
      'graceful stop logged',
    );
  });

  describe('a probe worker with the same set-up', () => {
    const taskQueue = `observability-probe-${Date.now()}`;
    const logFile = join(dir, 'probe-worker.log');
    let port = 0;
    let probe: ServiceProcess | undefined;

    before(async () => {
      port = await freePort();
      const configFile = writeConfig('probe', taskQueue, port);
      probe = await startService({
        name: 'observability probe worker',
        command: process.execPath,
        args: ['--require', 'tsx/cjs', join(REPO_ROOT, 'test', 'harness', 'observability-worker.ts')],
        cwd: REPO_ROOT,
        env: { ...process.env, NEXUS_BOT_CONFIG: configFile, NEXUS_BOT_WORKER_NAME: 'observability-probe' },
        logFile,
        ready: () => waitForPoller(server().address, taskQueue, 'observability-probe@'),
        readyTimeoutMs: 120_000,
        killAfterMs: 15_000,
      });
    });
    after(async () => {
      await probe?.stop();
    });

    it("counts errors by type and a stuck step, stamps the rollup's last poll, counts a ceremony in flight, and logs it all as JSON", async () => {
      const workflowId = `probe-${Date.now()}`;
      const started = Date.now();
      const result = await client.workflow.execute<typeof observabilityProbeWorkflow>('observabilityProbeWorkflow', {
        taskQueue,
        workflowId,
        args: [{ rollupAdmin: ROLLUP, slowMs: 2_500, failType: 'ProbeFailure' }],
      });
      assert.equal(result, 'done');
      const creation = await client.workflow.start<typeof standInCreation>('createValidatorsWorkflow', {
        taskQueue,
        workflowId: `create-validators/${rollup}-${Date.now()}`,
        args: [{ rollupAdmin: ROLLUP }],
      });

      const url = `http://127.0.0.1:${port}/metrics`;
      let text = await scrape(url);
      // Visibility is eventually consistent, and the count is reused for 15 s: wait for it.
      for (
        let deadline = Date.now() + 40_000;
        sample(text, 'nexus_inflight_ceremonies') !== 1 && Date.now() < deadline;
      ) {
        await sleep(1_000);
        text = await scrape(url);
      }
      assert.equal(sample(text, 'nexus_inflight_ceremonies'), 1, 'the running creation batch');
      assert.equal(
        sample(text, 'nexus_activity_errors_total{activity="failingStep",type="ProbeFailure"}'),
        2,
        'both attempts',
      );
      assert.equal(sample(text, 'nexus_stuck_steps_total{activity="slowStep"}'), 1);
      assert.equal(sample(text, 'nexus_stuck_steps'), 0, 'the stuck step has ended');
      assert.equal(sample(text, 'nexus_stuck_steps_total{activity="readRollup"}'), undefined);
      const polled = sample(text, `nexus_last_successful_poll_timestamp_seconds{rollup="${rollup}"}`);
      assert.ok(
        polled !== undefined && polled * 1000 >= started - 1_000 && polled * 1000 <= Date.now(),
        `last poll ${polled}`,
      );
      assert.match(text, /^temporal_activity_execution_failed\{.*activity_type="failingStep".*\} 2$/m);
      assertNoDuplicateFamilies(text);
      await creation.signal('finish');
      await creation.result();

      const lines = await jsonLinesWhen(
        logFile,
        (ls) => ls.filter((l) => l.activityType === 'failingStep' && l.level === 'WARN').length >= 2,
      );
      const stuck = lines.filter((l) => l.msg === 'step stuck');
      assert.equal(stuck.length, 1, 'logged once');
      assert.equal(stuck[0].level, 'WARN');
      assert.equal(stuck[0].activity, 'slowStep');
      assert.equal(stuck[0].workflowId, workflowId);
      assert.equal(stuck[0].rollup, rollup);
      assert.ok((stuck[0].runningSeconds as number) >= 1);
      // A Node process warning is a JSON line too.
      assert.ok(
        lines.some((l) => l.level === 'WARN' && l.msg === 'the probe warns on purpose' && l.code === 'PROBE_WARNING'),
        'process warning as a log line',
      );
      // A workflow's own log line carries its ids and the rollup (workflow interceptor).
      const wfLine = lines.find((l) => l.msg === 'probe started');
      assert.ok(wfLine, 'workflow log line');
      assert.equal(wfLine.workflowId, workflowId);
      assert.equal(wfLine.workflowType, 'observabilityProbeWorkflow');
      assert.equal(wfLine.rollup, rollup);
      assert.equal(typeof wfLine.runId, 'string');
      // The SDK's line for a failed attempt carries the activity, the workflow and the rollup.
      const failed = lines.filter((l) => l.activityType === 'failingStep' && l.level === 'WARN');
      assert.ok(failed.length >= 2, 'each failed attempt logged');
      assert.ok(failed.every((l) => l.workflowId === workflowId && l.rollup === rollup));
    });
  });
});
