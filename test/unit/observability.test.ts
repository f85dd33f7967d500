// The worker's observability pieces in process: the metrics registry, the activity interceptor
// (errors by type, stuck steps with a short threshold, last successful polls, `rollup` in log
// attributes), the log line format and the one /metrics endpoint. (Runtime.install and the SDK's
// own metrics need a process of their own: test/integration/observability.test.ts.)
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import {
  activityObservabilityInterceptors,
  failureTypeOf,
  rollupOf,
} from '../../worker/observability/activity-interceptor';
import { formatLogLine, LineLogger } from '../../worker/observability/logger';
import { BotMetrics } from '../../worker/observability/metrics';
import { startMetricsServer } from '../../worker/observability/server';

const ROLLUP = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const rollup = ROLLUP.toLowerCase();

async function value(
  metrics: BotMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is not registered`);
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value;
}

/** A fake activity context: what the interceptor reads, and the log lines it writes. */
function fakeContext(activityType: string) {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const ctx = {
    info: { activityType },
    log: {
      warn: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'WARN', message, meta }),
      info: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'INFO', message, meta }),
    },
  } as unknown as Context;
  return { ctx, lines };
}

async function runIntercepted(
  metrics: BotMetrics,
  stuckAfterMs: number,
  activityType: string,
  args: unknown[],
  fn: () => Promise<unknown>,
) {
  const { ctx, lines } = fakeContext(activityType);
  const interceptors = activityObservabilityInterceptors({ metrics, stuckAfterMs })(ctx);
  const input: ActivityExecuteInput = { args, headers: {} };
  const outcome = await interceptors.inbound!.execute!(input, async () => fn()).then(
    (v) => ({ ok: v }),
    (err: unknown) => ({ err }),
  );
  const attrs = interceptors.outbound!.getLogAttributes!({ workflowId: 'wf-1' }, (a) => a);
  return { outcome, lines, attrs };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('observability: metrics registry', () => {
  it('registers every documented metric name', async () => {
    const text = await new BotMetrics({ defaultMetrics: false }).registry.metrics();
    for (const name of [
      'nexus_validators_created_total',
      'nexus_validators_exit_submitted_total',
      'nexus_validators_exited_total',
      'nexus_inflight_ceremonies',
      'nexus_inflight_exits',
      'nexus_last_successful_poll_timestamp_seconds',
      'nexus_last_successful_watch_timestamp_seconds',
      'nexus_transaction_fee_wei_total',
      'nexus_transactions_total',
      'nexus_activity_errors_total',
      'nexus_stuck_steps',
      'nexus_stuck_steps_total',
      'nexus_cluster_runway_blocks',
      'nexus_cluster_runway_days',
      'nexus_cluster_topups_total',
      'nexus_cluster_topup_ssv_total',
      'nexus_cluster_topup_budget_left_ssv',
    ])
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name);
  });

  it('cluster runway: +Inf without validators, a top-up counted once per transaction, the budget left in SSV', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    metrics.clusterRunway('1,2,3,4', 1234, 12.34);
    metrics.clusterRunway('5,6,7,8', null, null);
    metrics.clusterTopUp('1,2,3,4', '2500000000000000000', '0xaa');
    metrics.clusterTopUp('1,2,3,4', '2500000000000000000', '0xaa');
    metrics.topUpBudgetLeft('7500000000000000000');
    const text = await metrics.registry.metrics();
    assert.match(text, /^nexus_cluster_runway_blocks\{cluster="1,2,3,4"\} 1234$/m);
    assert.match(text, /^nexus_cluster_runway_days\{cluster="5,6,7,8"\} \+Inf$/m);
    assert.match(text, /^nexus_cluster_topups_total\{cluster="1,2,3,4"\} 1$/m);
    assert.match(text, /^nexus_cluster_topup_ssv_total\{cluster="1,2,3,4"\} 2\.5$/m);
    assert.match(text, /^nexus_cluster_topup_budget_left_ssv 7\.5$/m);
  });

  it('counts created and exited validators per rollup, each transaction once', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    metrics.validatorsCreated(ROLLUP, 3, '0xaa');
    metrics.validatorsCreated(ROLLUP, 3, '0xaa'); // a retried activity finding the same transaction
    metrics.validatorsCreated(ROLLUP, 2, '0xbb');
    metrics.validatorsExitSubmitted(ROLLUP, 2, '0xcc');
    metrics.validatorsExited(ROLLUP, 1, '0xdd');
    metrics.validatorsExited(ROLLUP, 1, '0xee');
    assert.equal(await value(metrics, 'nexus_validators_created_total', { rollup }), 5);
    assert.equal(await value(metrics, 'nexus_validators_exit_submitted_total', { rollup }), 2);
    assert.equal(await value(metrics, 'nexus_validators_exited_total', { rollup }), 2);
  });

  it('adds gasUsed × effectiveGasPrice of mined and reverted transactions by label, and counts events', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    metrics.txEvent({ event: 'sent', label: 'depositValidatorRollup', hash: '0x1' });
    metrics.txEvent({
      event: 'mined',
      label: 'depositValidatorRollup',
      hash: '0x1',
      gasUsed: '210000',
      effectiveGasPrice: '1000000007',
    });
    metrics.txEvent({
      event: 'reverted',
      label: 'depositValidatorRollup',
      hash: '0x2',
      gasUsed: '50000',
      effectiveGasPrice: '2000000000',
    });
    metrics.txEvent({ event: 'replaced', label: 'validatorExit', hash: '0x3' });
    assert.equal(
      await value(metrics, 'nexus_transaction_fee_wei_total', { label: 'depositValidatorRollup' }),
      210000 * 1000000007 + 50000 * 2000000000,
    );
    assert.equal(
      await value(metrics, 'nexus_transactions_total', { label: 'depositValidatorRollup', event: 'mined' }),
      1,
    );
    assert.equal(await value(metrics, 'nexus_transactions_total', { label: 'validatorExit', event: 'replaced' }), 1);
    assert.equal(await value(metrics, 'nexus_transaction_fee_wei_total', { label: 'validatorExit' }), undefined);
  });

  it('reads the in-flight gauges from the source when scraped, reused within the cache time, kept on failure', async () => {
    let clock = 0;
    let calls = 0;
    let fail = false;
    const errors: unknown[] = [];
    const metrics = new BotMetrics({
      defaultMetrics: false,
      now: () => clock,
      inflightCacheMs: 1000,
      onInflightError: (err) => errors.push(err),
    });
    metrics.setInflightSource({
      count: async () => {
        calls++;
        if (fail) throw new Error('visibility down');
        return { ceremonies: calls, exits: 10 * calls };
      },
    });
    await metrics.registry.metrics();
    assert.equal(calls, 1, 'one query for both gauges');
    assert.equal(await value(metrics, 'nexus_inflight_ceremonies'), 1);
    assert.equal(await value(metrics, 'nexus_inflight_exits'), 10);
    clock = 500;
    await metrics.registry.metrics();
    assert.equal(calls, 1, 'reused within the cache time');
    clock = 1500;
    assert.equal(await value(metrics, 'nexus_inflight_exits'), 20);
    clock = 3000;
    fail = true;
    assert.equal(await value(metrics, 'nexus_inflight_ceremonies'), 2, 'last value kept');
    assert.equal(errors.length, 1);
    await value(metrics, 'nexus_inflight_ceremonies');
    assert.equal(calls, 4, 'a failed query is not cached');
  });
});

describe('observability: activity interceptor', () => {
  it('reports a step running past the threshold once, as a metric and a WARN line, and lowers the gauge when it ends', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const running = runIntercepted(
      metrics,
      50,
      'submitDeposits',
      [{ rollupAdmin: ROLLUP, deposits: [{ pubkey: '0x01' }] }],
      () => sleep(200).then(() => 'done'),
    );
    await sleep(120);
    assert.equal(await value(metrics, 'nexus_stuck_steps'), 1, 'stuck while running');
    const { outcome, lines, attrs } = await running;
    assert.deepEqual(outcome, { ok: 'done' });
    assert.equal(await value(metrics, 'nexus_stuck_steps'), 0);
    assert.equal(await value(metrics, 'nexus_stuck_steps_total', { activity: 'submitDeposits' }), 1, 'counted once');
    const warn = lines.filter((l) => l.level === 'WARN');
    assert.equal(warn.length, 1);
    assert.equal(warn[0].message, 'step stuck');
    assert.equal(warn[0].meta?.activity, 'submitDeposits');
    assert.equal(typeof warn[0].meta?.runningSeconds, 'number');
    assert.ok(lines.some((l) => l.message === 'stuck step ended'));
    assert.deepEqual(attrs, { workflowId: 'wf-1', rollup }, 'rollup in log attributes, nothing else of the input');
  });

  it('does not report a step that ends in time', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const { lines } = await runIntercepted(metrics, 200, 'readRollup', [{ rollupAdmin: ROLLUP }], () => sleep(10));
    assert.equal(lines.length, 0);
    assert.equal(await value(metrics, 'nexus_stuck_steps_total', { activity: 'readRollup' }), undefined);
  });

  it('counts failed attempts by activity and failure type, and rethrows them unchanged', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const failure = ApplicationFailure.nonRetryable('no beacon node', 'BeaconNotConfigured');
    const { outcome } = await runIntercepted(metrics, 1000, 'readExitCandidates', [{ rollupAdmin: ROLLUP }], () =>
      Promise.reject(failure),
    );
    assert.deepEqual(outcome, { err: failure });
    await runIntercepted(metrics, 1000, 'readExitCandidates', [{}], () => Promise.reject(new TypeError('x')));
    assert.equal(
      await value(metrics, 'nexus_activity_errors_total', {
        activity: 'readExitCandidates',
        type: 'BeaconNotConfigured',
      }),
      1,
    );
    assert.equal(
      await value(metrics, 'nexus_activity_errors_total', { activity: 'readExitCandidates', type: 'TypeError' }),
      1,
    );
    assert.equal(failureTypeOf('a string'), 'NonError');
  });

  it('stamps the last successful poll of a rollup (readRollup) and of the chain watcher, not failed ones', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const before = Date.now() / 1000;
    await runIntercepted(metrics, 1000, 'readRollup', [{ rollupAdmin: ROLLUP }], async () => ({}));
    const stamped = await value(metrics, 'nexus_last_successful_poll_timestamp_seconds', { rollup });
    assert.ok(stamped !== undefined && stamped >= before && stamped <= Date.now() / 1000 + 1);
    const other = '0x' + '11'.repeat(20);
    await runIntercepted(metrics, 1000, 'readRollup', [{ rollupAdmin: other }], () =>
      Promise.reject(new Error('rpc down')),
    );
    assert.equal(await value(metrics, 'nexus_last_successful_poll_timestamp_seconds', { rollup: other }), undefined);
    await runIntercepted(metrics, 1000, 'detectRollupChanges', [{ balances: {} }], async () => ({}));
    assert.ok((await value(metrics, 'nexus_last_successful_watch_timestamp_seconds'))! >= before);
  });

  it('takes the rollup only from a rollupAdmin address field', () => {
    assert.equal(rollupOf([{ rollupAdmin: ROLLUP, salt: 'x' }]), rollup);
    assert.equal(rollupOf([{ rollupAdmin: 'not an address' }]), undefined);
    assert.equal(rollupOf([]), undefined);
    assert.equal(rollupOf(['0xabc']), undefined);
  });
});

describe('observability: log lines', () => {
  const time = new Date('2026-01-02T03:04:05.678Z');

  it('writes one JSON object per line: time, level, msg first, then the fields; no task token', () => {
    const line = formatLogLine('json', time, 'WARN', 'step stuck', {
      activity: 'submitDeposits',
      workflowId: 'create-validators/0xab',
      rollup,
      runningSeconds: 901,
      taskToken: 'c2VjcmV0',
      big: 10n ** 30n,
      level: 'spoofed',
    });
    assert.ok(!line.includes('\n'));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).slice(0, 3), ['time', 'level', 'msg']);
    assert.equal(parsed.time, '2026-01-02T03:04:05.678Z');
    assert.equal(parsed.level, 'WARN');
    assert.equal(parsed.msg, 'step stuck');
    assert.equal(parsed.workflowId, 'create-validators/0xab');
    assert.equal(parsed.rollup, rollup);
    assert.equal(parsed.big, '1000000000000000000000000000000');
    assert.ok(!('taskToken' in parsed));
  });

  it('serialises errors (name, message, type) and survives cycles', () => {
    const meta: Record<string, unknown> = { error: ApplicationFailure.nonRetryable('boom', 'DkgUnavailable') };
    meta.self = meta;
    const parsed = JSON.parse(formatLogLine('json', time, 'ERROR', 'failed', meta)) as {
      error: Record<string, unknown>;
      self: { self: unknown };
    };
    assert.equal(parsed.error.message, 'boom');
    assert.equal(parsed.error.type, 'DkgUnavailable');
    assert.equal(parsed.error.name, 'ApplicationFailure');
    assert.equal(parsed.self.self, '[circular]');
  });

  it('writes readable text lines in text format', () => {
    assert.equal(
      formatLogLine('text', time, 'INFO', 'hello', { a: 1 }),
      '2026-01-02T03:04:05.678Z INFO  hello {"a":1}',
    );
    assert.equal(formatLogLine('text', time, 'INFO', 'hello'), '2026-01-02T03:04:05.678Z INFO  hello');
  });

  it('drops lines below the configured level', () => {
    const lines: string[] = [];
    const logger = new LineLogger({ format: 'json', level: 'WARN', write: (l) => lines.push(l) });
    logger.info('no');
    logger.debug('no');
    logger.warn('yes', { x: 1 });
    logger.error('yes too');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['yes', 'yes too'],
    );
  });
});

describe('observability: /metrics endpoint', () => {
  let sdk: Server;
  let sdkUrl: string;
  before(async () => {
    sdk = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('# HELP temporal_fake_total fake\n# TYPE temporal_fake_total counter\ntemporal_fake_total 7\n');
    });
    await new Promise<void>((resolve) => sdk.listen(0, '127.0.0.1', resolve));
    sdkUrl = `http://127.0.0.1:${(sdk.address() as AddressInfo).port}/metrics`;
  });
  after(() => new Promise<void>((resolve) => sdk.close(() => resolve())));

  it("serves our registry followed by the SDK exporter's text, 404 elsewhere", async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    metrics.activityFailed('readRollup', 'RpcUnavailable');
    const server = await startMetricsServer({
      registry: metrics.registry,
      listen: '127.0.0.1:0',
      sdkMetricsUrl: sdkUrl,
    });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /^nexus_activity_errors_total\{activity="readRollup",type="RpcUnavailable"\} 1$/m);
      assert.match(text, /^temporal_fake_total 7$/m);
      assert.ok(text.indexOf('nexus_activity_errors_total') < text.indexOf('temporal_fake_total'));
      assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
    } finally {
      await server.close();
    }
  });

  it('still serves ours when the SDK exporter does not answer, saying why', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const server = await startMetricsServer({
      registry: metrics.registry,
      listen: '127.0.0.1:0',
      sdkMetricsUrl: 'http://127.0.0.1:1/metrics',
      sdkTimeoutMs: 500,
    });
    try {
      const text = await (await fetch(server.url)).text();
      assert.match(text, /^# TYPE nexus_stuck_steps gauge$/m);
      assert.match(text, /^# Temporal SDK metrics unavailable: /m);
    } finally {
      await server.close();
    }
  });

  it('names the setting when the address is taken', async () => {
    const metrics = new BotMetrics({ defaultMetrics: false });
    const first = await startMetricsServer({ registry: metrics.registry, listen: '127.0.0.1:0' });
    const port = new URL(first.url).port;
    try {
      await assert.rejects(
        startMetricsServer({ registry: metrics.registry, listen: `127.0.0.1:${port}` }),
        /cannot listen on 127\.0\.0\.1:\d+ \(observability\.metrics\.listen\): EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
