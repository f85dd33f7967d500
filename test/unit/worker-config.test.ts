// The worker's configuration: defaults, environment overrides, and an error naming each bad field.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadWorkerConfig, parseWorkerConfig } from '../../worker/config';

const ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const contracts = { nexus: ADDRESS, nodeOperator: ADDRESS, ssvNetwork: ADDRESS, ssvToken: ADDRESS, depositContract: ADDRESS };

function expectConfigError(raw: unknown, field: string, expected: RegExp): void {
  assert.throws(() => parseWorkerConfig(raw), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, new RegExp(`^  ${field.replace(/\./g, '\\.')}: `, 'm'), `field ${field} not named in:\n${err.message}`);
    assert.match(err.message, expected);
    return true;
  });
}

describe('worker config', () => {
  it('fills safe defaults for a local Temporal', () => {
    const config = parseWorkerConfig({});
    assert.deepEqual(config.temporal, { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'nexus-bot' });
  });

  it('accepts a complete configuration', () => {
    const config = parseWorkerConfig({
      temporal: { address: 'temporal.internal:7233' }, chain: { rpcUrls: ['http://127.0.0.1:8545'], chainId: 31337 },
      contracts, aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' },
    });
    assert.equal(config.contracts?.nexus, ADDRESS);
  });

  it('names each bad field and the expected form', () => {
    expectConfigError({ temporal: { address: 'no-port' } }, 'temporal.address', /expected host:port/);
    expectConfigError({ temporal: { namespace: '' } }, 'temporal.namespace', /expected a namespace name/);
    expectConfigError({ chain: { rpcUrls: [], chainId: 1 } }, 'chain.rpcUrls', /at least one RPC URL/);
    expectConfigError({ chain: { rpcUrls: ['ftp://x'], chainId: 1 } }, 'chain.rpcUrls.0', /http\(s\) URL/);
    expectConfigError({ chain: { rpcUrls: ['http://x'], chainId: -1 } }, 'chain.chainId', /positive chain id/);
    expectConfigError({ contracts: { ...contracts, nexus: '0x1234' } }, 'contracts.nexus', /20-byte hex address/);
    expectConfigError({ aws: { region: 'Europe' } }, 'aws.region', /AWS region/);
    expectConfigError({ temporl: {} }, '\\(top level\\)', /temporl/);
  });

  it('reads a JSON file and lets environment variables override single fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ temporal: { address: 'a.example:7233', namespace: 'prod' } }));
    const config = loadWorkerConfig({ NEXUS_BOT_CONFIG: file, NEXUS_BOT_TEMPORAL_ADDRESS: 'b.example:7233' });
    assert.equal(config.temporal.address, 'b.example:7233');
    assert.equal(config.temporal.namespace, 'prod');
  });

  it('reports an unreadable or malformed file with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-config-'));
    assert.throws(() => loadWorkerConfig({ NEXUS_BOT_CONFIG: join(dir, 'missing.json') }), /cannot read config file .*missing\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.throws(() => loadWorkerConfig({ NEXUS_BOT_CONFIG: bad }), /bad\.json is not valid JSON/);
  });

  it('observability: no metrics endpoint unless asked, JSON logs and a 15-minute stuck threshold by default', () => {
    const config = parseWorkerConfig({});
    assert.deepEqual(config.observability, { stuckAfterSeconds: 900, logFormat: 'json', logLevel: 'INFO' });
    assert.equal(parseWorkerConfig({ observability: { metrics: {} } }).observability.metrics?.listen, '127.0.0.1:9464');
    const env = loadWorkerConfig({ NEXUS_BOT_METRICS_LISTEN: '127.0.0.1:0', NEXUS_BOT_LOG_FORMAT: 'text' });
    assert.equal(env.observability.metrics?.listen, '127.0.0.1:0');
    assert.equal(env.observability.logFormat, 'text');
  });

  it('observability: names each bad field and the expected form', () => {
    expectConfigError({ observability: { metrics: { listen: '9464' } } }, 'observability.metrics.listen', /expected host:port, e\.g\. 127\.0\.0\.1:9464/);
    expectConfigError({ observability: { metrics: { listen: '127.0.0.1:70000' } } }, 'observability.metrics.listen', /port of at most 65535/);
    expectConfigError({ observability: { metrics: { port: 1 } } }, 'observability.metrics', /port/);
    expectConfigError({ observability: { stuckAfterSeconds: 0 } }, 'observability.stuckAfterSeconds', /expected seconds > 0/);
    expectConfigError({ observability: { logFormat: 'xml' } }, 'observability.logFormat', /expected json or text/);
    expectConfigError({ observability: { logLevel: 'LOUD' } }, 'observability.logLevel', /expected DEBUG, INFO, WARN or ERROR/);
  });
});
