// The worker's configuration: defaults, environment overrides, and an error naming each bad field.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadWorkerConfig, parseWorkerConfig, workerConfigSchema } from '../../worker/config';
import { temporalConnectionOptions } from '../../temporal-config/connection';

const ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const contracts = {
  nexus: ADDRESS,
  nodeOperator: ADDRESS,
  ssvNetwork: ADDRESS,
  ssvToken: ADDRESS,
  depositContract: ADDRESS,
};

function expectConfigError(raw: unknown, field: string, expected: RegExp): void {
  assert.throws(
    () => parseWorkerConfig(raw),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.match(
        err.message,
        new RegExp(`^  ${field.replace(/\./g, '\\.')}: `, 'm'),
        `field ${field} not named in:\n${err.message}`,
      );
      assert.match(err.message, expected);
      return true;
    },
  );
}

describe('worker config', () => {
  it('fills safe defaults for a local Temporal', () => {
    const config = parseWorkerConfig({});
    assert.deepEqual(config.temporal, { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'nexus-bot' });
  });

  it('accepts a complete configuration', () => {
    const config = parseWorkerConfig({
      temporal: { address: 'temporal.internal:7233' },
      chain: { rpcUrls: ['http://127.0.0.1:8545'], chainId: 31337 },
      contracts,
      aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' },
    });
    assert.equal(config.contracts?.nexus, ADDRESS);
    assert.equal(config.chain?.wsUrl, undefined, 'no websocket endpoint unless configured');
    assert.equal(config.chain?.headPollIntervalMs, 1_000);
    const ws = parseWorkerConfig({
      chain: { rpcUrls: ['http://127.0.0.1:8545'], wsUrl: 'wss://eth.example.org/v3/key', chainId: 1 },
    });
    assert.equal(ws.chain?.wsUrl, 'wss://eth.example.org/v3/key');
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
    assert.throws(
      () => loadWorkerConfig({ NEXUS_BOT_CONFIG: join(dir, 'missing.json') }),
      /cannot read config file .*missing\.json/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.throws(() => loadWorkerConfig({ NEXUS_BOT_CONFIG: bad }), /bad\.json is not valid JSON/);
  });

  it('monitors: the defaults `nexus-bot start --config` applies', () => {
    assert.deepEqual(parseWorkerConfig({}).monitors, {
      pollInterval: '5 minutes',
      maxBatch: 100,
      maxExitBatch: 50,
      exitPollInterval: { min: '1 minute', max: '6 hours' },
    });
    assert.equal(parseWorkerConfig({ monitors: { pollInterval: '30 seconds' } }).monitors.pollInterval, '30 seconds');
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
    expectConfigError(
      { observability: { metrics: { listen: '9464' } } },
      'observability.metrics.listen',
      /expected host:port, e\.g\. 127\.0\.0\.1:9464/,
    );
    expectConfigError(
      { observability: { metrics: { listen: '127.0.0.1:70000' } } },
      'observability.metrics.listen',
      /port of at most 65535/,
    );
    expectConfigError({ observability: { metrics: { port: 1 } } }, 'observability.metrics', /port/);
    expectConfigError(
      { observability: { stuckAfterSeconds: 0 } },
      'observability.stuckAfterSeconds',
      /expected seconds > 0/,
    );
    expectConfigError({ observability: { logFormat: 'xml' } }, 'observability.logFormat', /expected json or text/);
    expectConfigError(
      { observability: { logLevel: 'LOUD' } },
      'observability.logLevel',
      /expected DEBUG, INFO, WARN or ERROR/,
    );
  });
});

describe('worker config: every field has an error naming it and the expected form', () => {
  const chain = { rpcUrls: ['http://127.0.0.1:8545'], chainId: 1 };
  const transactions = { journalFile: '/tmp/j.json' };
  const beacon = { urls: ['http://127.0.0.1:5052'] };
  const aws = { region: 'eu-west-1' };
  const CASES: [string, unknown, RegExp][] = [
    ['workerName', { workerName: '' }, /non-empty worker name/],
    ['roles', { roles: [] }, /at least one role/],
    ['temporal.address', { temporal: { address: 'no-port' } }, /host:port/],
    ['temporal.namespace', { temporal: { namespace: '' } }, /namespace name/],
    ['temporal.taskQueue', { temporal: { taskQueue: '' } }, /task queue name/],
    ['temporal.tls.serverRootCaFile', { temporal: { tls: { serverRootCaFile: '' } } }, /path of a PEM file/],
    ['temporal.tls.clientCertFile', { temporal: { tls: { clientCertFile: '' } } }, /path of a PEM file/],
    ['temporal.tls.clientKeyFile', { temporal: { tls: { clientKeyFile: '' } } }, /path of a PEM file/],
    ['temporal.tls', { temporal: { tls: { clientCertFile: '/c.pem' } } }, /clientCertFile and clientKeyFile together/],
    ['temporal.tls.serverName', { temporal: { tls: { serverName: '' } } }, /host name/],
    ['temporal.apiKeyFile', { temporal: { apiKeyFile: '' } }, /file holding the API key/],
    ['dryRun', { dryRun: 'yes' }, /true or false/],
    ['workflowBundleFile', { workflowBundleFile: '' }, /bundle built by npm run bundle/],
    ['shutdownGraceSeconds', { shutdownGraceSeconds: -1 }, /seconds ≥ 0/],
    [
      'unlock.socketPath',
      { unlock: { socketPath: 'run/unlock.sock' } },
      /absolute path, e\.g\. \/run\/nexus-bot\/unlock\.sock/,
    ],
    ['chain.rpcUrls', { chain: { ...chain, rpcUrls: [] } }, /at least one RPC URL/],
    ['chain.chainId', { chain: { ...chain, chainId: 0 } }, /positive chain id/],
    [
      'chain.wsUrl',
      { chain: { ...chain, wsUrl: 'http://127.0.0.1:8545' } },
      /websocket URL \(ws:\/\/ or wss:\/\/\), e\.g\. ws:\/\/127\.0\.0\.1:8545/,
    ],
    ['chain.headPollIntervalMs', { chain: { ...chain, headPollIntervalMs: 50 } }, /at least 100 ms/],
    ['chain.ssvFromBlock', { chain: { ...chain, ssvFromBlock: -1 } }, /block number ≥ 0/],
    ['chain.logMaxRange', { chain: { ...chain, logMaxRange: 0 } }, /positive number of blocks/],
    ['chain.nexusVersion', { chain: { ...chain, nexusVersion: 'v2025' } }, /expected auto, v2024-03 or v2024-06/],
    ['botKeyFile', { botKeyFile: '' }, /file holding the bot key/],
    [
      'transactions.maxFeePerGasGwei',
      { transactions: { ...transactions, maxFeePerGasGwei: 0 } },
      /fee ceiling in gwei > 0/,
    ],
    [
      'transactions.maxPriorityFeePerGasGwei',
      { transactions: { ...transactions, maxPriorityFeePerGasGwei: -1 } },
      /tip in gwei ≥ 0/,
    ],
    ['transactions.confirmations', { transactions: { ...transactions, confirmations: 0 } }, /at least 1 confirmation/],
    ['transactions.stuckAfterSeconds', { transactions: { ...transactions, stuckAfterSeconds: 0 } }, /seconds > 0/],
    ['transactions.feeBumpPercent', { transactions: { ...transactions, feeBumpPercent: 5 } }, /at least 10/],
    ['transactions.maxFeeBumps', { transactions: { ...transactions, maxFeeBumps: -1 } }, /whole number ≥ 0/],
    ['transactions.pipelineDepth', { transactions: { ...transactions, pipelineDepth: 0 } }, /at least 1/],
    ['transactions.pipelineDepth', { transactions: { ...transactions, pipelineDepth: 65 } }, /at most 64/],
    [
      'transactions.pipelineDepth',
      { transactions: { ...transactions, pipelineDepth: 2.5 } },
      /whole number of transactions/,
    ],
    ['transactions.journalFile', { transactions: { journalFile: '' } }, /file path/],
    ['transactions', { transactions: {} }, /exactly one of journalFile \(one worker\) and dynamodb/],
    [
      'transactions',
      { transactions: { ...transactions, dynamodb: { table: 'tx-writer' } }, aws: { region: 'eu-west-1' } },
      /exactly one of journalFile/,
    ],
    [
      'transactions.dynamodb.table',
      { transactions: { dynamodb: { table: 'a b' } }, aws: { region: 'eu-west-1' } },
      /DynamoDB table name/,
    ],
    [
      'transactions.dynamodb.leaseTtlSeconds',
      { transactions: { dynamodb: { table: 'tx-writer', leaseTtlSeconds: 0 } }, aws: { region: 'eu-west-1' } },
      /seconds > 0/,
    ],
    [
      'aws',
      { transactions: { dynamodb: { table: 'tx-writer' } } },
      /region \(and endpoint\) for the DynamoDB transaction store/,
    ],
    ['keys.depositNetwork', { keys: { depositNetwork: 'goerli' } }, /mainnet, holesky, sepolia or hoodi/],
    ['keys.indexStateDir', { keys: { indexStateDir: '' } }, /folder path/],
    [
      'keys.indexStore.kind',
      { keys: { indexStore: { kind: 's3', table: 'key-indices' } }, aws },
      /expected "dynamodb"/,
    ],
    [
      'keys.indexStore.table',
      { keys: { indexStore: { kind: 'dynamodb', table: 'x' } }, aws },
      /DynamoDB table name .*create-index-table/,
    ],
    [
      'keys.indexStore.region',
      { keys: { indexStore: { kind: 'dynamodb', table: 'key-indices' } } },
      /DynamoDB region here or in aws\.region/,
    ],
    [
      'keys.indexStore.endpoint',
      { keys: { indexStore: { kind: 'dynamodb', table: 'key-indices', endpoint: 'localhost:5000' } }, aws },
      /http\(s\) URL/,
    ],
    [
      'keys.indexStore',
      { keys: { indexStateDir: '/var/lib/nexus', indexStore: { kind: 'dynamodb', table: 'key-indices' } }, aws },
      /indexStateDir or keys\.indexStore, not both/,
    ],
    ['keys.saltFromStdin', { keys: { saltFromStdin: 'yes' } }, /boolean/],
    ['observability.metrics.listen', { observability: { metrics: { listen: 'nowhere' } } }, /host:port/],
    ['observability.stuckAfterSeconds', { observability: { stuckAfterSeconds: 0 } }, /seconds > 0/],
    ['observability.logFormat', { observability: { logFormat: 'xml' } }, /json or text/],
    ['observability.logLevel', { observability: { logLevel: 'TRACE' } }, /DEBUG, INFO, WARN or ERROR/],
    ['chain.blockTimeSeconds', { chain: { ...chain, blockTimeSeconds: 0 } }, /seconds > 0/],
    [
      'keys.chainForkVersions.31337',
      { keys: { chainForkVersions: { 31337: '0x0101700' } } },
      /4-byte 0x-hex fork version/,
    ],
    [
      'keys.chainForkVersions',
      { keys: { chainForkVersions: { 17000: '0x01017000' } } },
      /not public \(1, 17000, 11155111 and 560048 have fixed fork versions\)/,
    ],
    [
      'ssv.amountPerValidatorWei',
      { ssv: { amountPerValidatorWei: '1000' } },
      /removed: the SSV amount is now computed per registration \(ssv\.runwayDays\)/,
    ],
    ['ssv.runwayDays', { ssv: { runwayDays: 0 } }, /days > 0/],
    ['ssv.safetyMarginBlocks', { ssv: { safetyMarginBlocks: 1.5 } }, /whole number of blocks/],
    ['ssv.abiVersion', { ssv: { abiVersion: 'v2' } }, /expected v1/],
    ...(['nexus', 'nodeOperator', 'ssvNetwork', 'ssvNetworkViews', 'ssvToken', 'depositContract'] as const).map(
      (name): [string, unknown, RegExp] => [
        `contracts.${name}`,
        { contracts: { ...contracts, [name]: '0xabc' } },
        /20-byte hex address/,
      ],
    ),
    ['beacon.urls', { beacon: { urls: [] } }, /at least one beacon API URL/],
    ['beacon.urls.0', { beacon: { urls: ['beacon:5052'] } }, /http\(s\) URL/],
    [
      'beacon.genesisValidatorsRoot',
      { beacon: { ...beacon, genesisValidatorsRoot: '0x12' } },
      /32-byte 0x-hex genesis validators root/,
    ],
    ['beacon.timeoutSeconds', { beacon: { ...beacon, timeoutSeconds: 0 } }, /seconds > 0/],
    ['codec.keysFile', { codec: { keysFile: '' } }, /codec key file/],
    [
      'monitors.pollInterval',
      { monitors: { pollInterval: '500ms' } },
      /duration such as "30 seconds" or "5m", from 1 second to 1 day/,
    ],
    ['monitors.maxBatch', { monitors: { maxBatch: 0 } }, /at least 1/],
    ['monitors.maxExitBatch', { monitors: { maxExitBatch: 2.5 } }, /whole number/],
    ['monitors.exitPollInterval.min', { monitors: { exitPollInterval: { min: 'often' } } }, /duration such as/],
    [
      'monitors.exitPollInterval.max',
      { monitors: { exitPollInterval: { max: '30 days' } } },
      /from 1 second to 7 days/,
    ],
    [
      'monitors.exitPollInterval',
      { monitors: { exitPollInterval: { min: '2 hours', max: '1 hour' } } },
      /min no longer than max/,
    ],
    ['contracts.ssvNetworkViews', { contracts: { ...contracts, ssvNetworkViews: 'views' } }, /20-byte hex address/],
    ['depositGuard.depositContractFromBlock', { depositGuard: { depositContractFromBlock: -1 } }, /block number ≥ 0/],
    ['depositGuard.reorgBlocks', { depositGuard: { reorgBlocks: -1 } }, /blocks ≥ 0/],
    ['depositGuard.indexDir', { depositGuard: { indexDir: '' } }, /folder path/],
    [
      'depositGuard.acceptOwnGenesisValidators',
      { depositGuard: { acceptOwnGenesisValidators: 'yes' } },
      /true or false/,
    ],
    ['dkg.binary', { dkg: { binary: '' } }, /path of the ssv-dkg binary/],
    ['dkg.network', { dkg: { network: 'prater' } }, /an ssv-dkg network/],
    ['dkg.operatorCaFiles', { dkg: { operatorCaFiles: { one: 'ca.pem' } } }, /operator ids in decimal as the keys/],
    ['dkg.operatorCaFiles.1', { dkg: { operatorCaFiles: { 1: '' } } }, /path of a PEM file/],
    ['dkg.workDir', { dkg: { workDir: '' } }, /folder path/],
    ['dkg.archiveDir', { dkg: { archiveDir: '' } }, /folder path/],
    ['dkg.ceremonyTimeout.fixedSeconds', { dkg: { ceremonyTimeout: { fixedSeconds: 0 } } }, /seconds > 0/],
    [
      'dkg.ceremonyTimeout.perValidatorSeconds',
      { dkg: { ceremonyTimeout: { perValidatorSeconds: -1 } } },
      /seconds ≥ 0/,
    ],
    ['runway.topUpBelowDays', { runway: { topUpBelowDays: 0 } }, /days > 0/],
    ['runway.topUpToDays', { runway: { topUpToDays: 4000 } }, /at most 3650 days/],
    ['runway.alertBelowDays', { runway: { alertBelowDays: -1 } }, /days > 0/],
    ['runway.budgetSsv', { runway: { budgetSsv: 250 } }, /SSV tokens as a decimal string, e\.g\. "250"/],
    ['runway.budgetPeriodDays', { runway: { budgetPeriodDays: 0 } }, /days > 0/],
    ['runway', { runway: { alertBelowDays: 30, topUpBelowDays: 20 } }, /alertBelowDays below topUpBelowDays/],
    ['aws.region', { aws: { region: 'Europe' } }, /AWS region/],
    ['aws.endpoint', { aws: { region: 'eu-west-1', endpoint: 'localhost:5000' } }, /http\(s\) URL/],
  ];
  for (const [field, raw, expected] of CASES) {
    it(`${field}`, () => expectConfigError(raw, field, expected));
  }

  it('dkg: defaults, and a network other than the deposit network is refused', () => {
    const config = parseWorkerConfig({ keys: { depositNetwork: 'holesky' } });
    assert.deepEqual(config.dkg, { ceremonyTimeout: { fixedSeconds: 120, perValidatorSeconds: 3 } });
    assert.equal(
      parseWorkerConfig({ keys: { depositNetwork: 'holesky' }, dkg: { network: 'holesky' } }).dkg.network,
      'holesky',
    );
    expectConfigError(
      { keys: { depositNetwork: 'mainnet' }, dkg: { network: 'holesky' } },
      'dkg.network',
      /expected the deposit network keys\.depositNetwork \(mainnet\)/,
    );
  });

  it('keys.indexStore: the shared DynamoDB store, its region and endpoint from aws unless given', () => {
    const config = parseWorkerConfig({
      keys: { indexStore: { kind: 'dynamodb', table: 'nexus-key-indices' } },
      aws: { region: 'eu-west-1' },
    });
    assert.deepEqual(config.keys.indexStore, { kind: 'dynamodb', table: 'nexus-key-indices' });
    assert.equal(config.keys.indexStateDir, undefined);
    const own = parseWorkerConfig({
      keys: {
        indexStore: {
          kind: 'dynamodb',
          table: 'nexus-key-indices',
          region: 'us-east-1',
          endpoint: 'http://127.0.0.1:5000',
        },
      },
    });
    assert.equal(own.keys.indexStore?.region, 'us-east-1');
  });

  it('unlock.socketPath: absent by default (the state folder then), and no longer than a Unix socket path may be', () => {
    assert.equal(parseWorkerConfig({}).unlock.socketPath, undefined);
    assert.equal(
      parseWorkerConfig({ unlock: { socketPath: '/run/nexus-bot/unlock.sock' } }).unlock.socketPath,
      '/run/nexus-bot/unlock.sock',
    );
    expectConfigError({ unlock: { socketPath: `/${'x'.repeat(107)}` } }, 'unlock.socketPath', /at most 107 bytes/);
  });

  it('runway: watch only by default (budget 0), top-up below 20 days to 45, alert below 7, a 30-day budget period', () => {
    assert.deepEqual(parseWorkerConfig({}).runway, {
      topUpBelowDays: 20,
      topUpToDays: 45,
      alertBelowDays: 7,
      budgetSsv: '0',
      budgetPeriodDays: 30,
    });
    expectConfigError({ runway: { topUpBelowDays: 50 } }, 'runway', /topUpToDays above topUpBelowDays/);
    expectConfigError({ runway: { budgetSsv: '1e3' } }, 'runway.budgetSsv', /decimal string/);
  });

  it('covers every leaf field of the schema', () => {
    const leaves: string[] = [];
    const walk = (schema: unknown, path: string[]) => {
      let s = schema as { def?: { type?: string; innerType?: unknown; shape?: Record<string, unknown>; in?: unknown } };
      while (s.def && ['optional', 'default', 'prefault', 'pipe'].includes(s.def.type ?? ''))
        s = (s.def.innerType ?? s.def.in) as typeof s;
      if (s.def?.type === 'object' && s.def.shape)
        for (const [k, v] of Object.entries(s.def.shape)) walk(v, [...path, k]);
      else leaves.push(path.join('.'));
    };
    walk(workerConfigSchema, []);
    const tested = new Set(CASES.map(([field]) => field.replace(/\.0$/, '')));
    const untested = leaves.filter((leaf) => !tested.has(leaf));
    assert.deepEqual(untested, [], 'a config field without an error test');
  });

  it('NEXUS_BOT_DRY_RUN takes true/false/1/0 only, naming the variable otherwise', () => {
    assert.equal(loadWorkerConfig({ NEXUS_BOT_DRY_RUN: '1' }).dryRun, true);
    assert.equal(loadWorkerConfig({ NEXUS_BOT_DRY_RUN: 'false' }).dryRun, false);
    assert.equal(loadWorkerConfig({}).dryRun, false, 'dry run must be off unless asked');
    assert.throws(
      () => loadWorkerConfig({ NEXUS_BOT_DRY_RUN: 'yes' }),
      /NEXUS_BOT_DRY_RUN \(dryRun\): expected true, false, 1 or 0, got "yes"/,
    );
  });
});

describe('worker config: Temporal connection (TLS, API key)', () => {
  it('reads the TLS files and the API key from the named files; an API key implies TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, name), `-----${name}-----`);
    writeFileSync(join(dir, 'api.key'), 'secret-api-key\n', { mode: 0o600 });
    const plain = temporalConnectionOptions(parseWorkerConfig({}).temporal);
    assert.deepEqual(plain, { address: '127.0.0.1:7233' });
    const mtls = temporalConnectionOptions(
      parseWorkerConfig({
        temporal: {
          address: 'ns.tmprl.cloud:7233',
          tls: {
            serverRootCaFile: join(dir, 'ca.pem'),
            clientCertFile: join(dir, 'client.pem'),
            clientKeyFile: join(dir, 'client.key'),
            serverName: 'ns.tmprl.cloud',
          },
        },
      }).temporal,
    );
    assert.equal(Buffer.from(mtls.tls?.serverRootCACertificate ?? []).toString(), '-----ca.pem-----');
    assert.equal(Buffer.from(mtls.tls?.clientCertPair?.key ?? []).toString(), '-----client.key-----');
    assert.equal(mtls.tls?.serverNameOverride, 'ns.tmprl.cloud');
    const cloud = temporalConnectionOptions(
      parseWorkerConfig({ temporal: { address: 'ns.tmprl.cloud:7233', apiKeyFile: join(dir, 'api.key') } }).temporal,
    );
    assert.equal(cloud.apiKey, 'secret-api-key');
    assert.deepEqual(cloud.tls, {});
  });

  it('an unreadable or empty file names the field, never the content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-tls-'));
    assert.throws(
      () =>
        temporalConnectionOptions(
          parseWorkerConfig({ temporal: { tls: { serverRootCaFile: join(dir, 'missing.pem') } } }).temporal,
        ),
      /temporal\.tls\.serverRootCaFile: cannot read .*missing\.pem \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'empty.key'), '  \n');
    assert.throws(
      () => temporalConnectionOptions(parseWorkerConfig({ temporal: { apiKeyFile: join(dir, 'empty.key') } }).temporal),
      /temporal\.apiKeyFile: .*empty\.key is empty/,
    );
  });
});
