// The Beacon API client (activities/beacon/client.ts) over real HTTP.
//
// - describeBeaconContract: what any beacon node must give the client (chain info from the node's
//   own spec, validator records by pubkey, unknown keys absent). It takes its node from a harness
//   function, so the same tests run against a Lodestar node once localnet/services/beacon-node.ts
//   lands (the end-to-end tests, exits included, come with it).
// - Transport behaviour (failover, timeouts, non-2xx answers, rejected and repeated exits, the
//   network check) against test/harness/beacon-api-fixture.ts: a real node:http server serving
//   fixed, Lodestar 1.5.1-shaped Beacon API answers. It is a real HTTP counterpart for the
//   transport, not a beacon node: it checks no signature.
import assert from 'node:assert/strict';
import { freePort } from '../../localnet/services/process';
import { BeaconClient } from '../../activities/beacon/client';
import {
  BeaconNetworkMismatchError,
  BeaconUnavailableError,
  InvalidBeaconArgumentError,
  VoluntaryExitRejectedError,
} from '../../activities/beacon/errors';
import { isExitingOrExited } from '../../activities/beacon/validators';
import { loadLodestarParams } from '../../activities/esm/loaders';
import { signVoluntaryExit, type SignedVoluntaryExitJson } from '../../activities/keys/voluntary-exit';
import {
  FAR_FUTURE_EPOCH,
  lodestarError,
  startBeaconFixture,
  type BeaconFixture,
  type BeaconFixtureOptions,
  type ValidatorJson,
} from '../harness/beacon-api-fixture';
import { useService } from '../harness/service';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLOTS_PER_EPOCH, startBeaconNode } from '../../localnet/services/beacon-node';

/** A beacon node for the contract tests, with what the test may expect of it. */
export interface BeaconTarget {
  url: string;
  expected: { genesisForkVersion: string; genesisValidatorsRoot: string };
  slotsPerEpoch: number;
  /** Pubkeys of validators the node has (lower-case 0x). */
  knownPubkeys: string[];
  stop(): Promise<void>;
}

// ---- fixed answers: a `dev` network modeled on Lodestar 1.5.1's minimal config ----------------

const DEV_GENESIS = {
  genesis_time: '1700000000',
  genesis_validators_root: `0x${'3c'.repeat(32)}`,
  genesis_fork_version: '0x00000001',
};
const DEV_SPEC: Record<string, string> = {
  CONFIG_NAME: 'dev',
  PRESET_BASE: 'minimal',
  SLOTS_PER_EPOCH: '8',
  SECONDS_PER_SLOT: '2',
  SHARD_COMMITTEE_PERIOD: '0',
  GENESIS_FORK_VERSION: '0x00000001',
  ALTAIR_FORK_VERSION: '0x01000001',
  ALTAIR_FORK_EPOCH: '74240',
  BELLATRIX_FORK_VERSION: '0x02000001',
  BELLATRIX_FORK_EPOCH: FAR_FUTURE_EPOCH,
  CAPELLA_FORK_VERSION: '0x03000001',
  CAPELLA_FORK_EPOCH: FAR_FUTURE_EPOCH,
  // 1.5.1 still calls Deneb EIP4844.
  EIP4844_FORK_VERSION: '0x04000001',
  EIP4844_FORK_EPOCH: FAR_FUTURE_EPOCH,
};
const HEAD_SLOT = 83; // epoch 10 with 8 slots per epoch (2 with mainnet's 32)
const pubkeyOf = (i: number) => `0x${(i + 1).toString(16).padStart(4, '0').repeat(24)}`;
const credentials = `0x01${'00'.repeat(11)}${'b7'.repeat(20)}`;

function devValidators(count: number): ValidatorJson[] {
  return Array.from({ length: count }, (_, i) => {
    const exiting = i === 5;
    return {
      index: String(i),
      balance: String(32_000_000_000 + i),
      status: exiting ? 'active_exiting' : 'active_ongoing',
      validator: {
        pubkey: pubkeyOf(i),
        withdrawal_credentials: credentials,
        effective_balance: '32000000000',
        slashed: false,
        activation_eligibility_epoch: '0',
        activation_epoch: '0',
        exit_epoch: exiting ? '12' : FAR_FUTURE_EPOCH,
        withdrawable_epoch: exiting ? '268' : FAR_FUTURE_EPOCH,
      },
    };
  });
}

function devFixture(overrides: Partial<BeaconFixtureOptions> = {}): Promise<BeaconFixture> {
  return startBeaconFixture({
    genesis: DEV_GENESIS,
    spec: DEV_SPEC,
    headSlot: HEAD_SLOT,
    validators: devValidators(100),
    ...overrides,
  });
}

async function startFixtureTarget(): Promise<BeaconTarget> {
  const fixture = await devFixture();
  return {
    url: fixture.url,
    expected: {
      genesisForkVersion: DEV_GENESIS.genesis_fork_version,
      genesisValidatorsRoot: DEV_GENESIS.genesis_validators_root,
    },
    slotsPerEpoch: 8,
    knownPubkeys: [0, 1, 2, 5, 99].map(pubkeyOf),
    stop: () => fixture.stop(),
  };
}

/** A URL on which nothing listens. */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
  return err;
}

const DEV_SCHEDULE = { GENESIS: { version: '0x00000001', epoch: 0 }, ALTAIR: { version: '0x01000001', epoch: 74240 } };
const SECRET_KEY = Uint8Array.from(
  Buffer.from('263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3', 'hex'),
);

function signedExit(validatorIndex: number): Promise<SignedVoluntaryExitJson> {
  return signVoluntaryExit({
    secretKey: SECRET_KEY,
    validatorIndex,
    epoch: 10,
    forkSchedule: DEV_SCHEDULE,
    genesisValidatorsRoot: DEV_GENESIS.genesis_validators_root,
  });
}

// ---- what any beacon node must give the client ------------------------------------------------

function describeBeaconContract(label: string, start: () => Promise<BeaconTarget>): void {
  describe(`beacon client contract: ${label}`, () => {
    const target = useService(label, start);

    it('chain info: genesis, slot timing from the node spec (not this process preset), fork schedule, head', async () => {
      const client = new BeaconClient({ urls: [target().url], expected: target().expected });
      const info = await client.getChainInfo();
      assert.equal(info.genesisValidatorsRoot, target().expected.genesisValidatorsRoot);
      assert.equal(info.genesisForkVersion, target().expected.genesisForkVersion);
      assert.equal(info.slotsPerEpoch, target().slotsPerEpoch);
      assert.equal(info.forkSchedule.GENESIS.version, info.genesisForkVersion);
      assert.equal(info.currentEpoch, Math.floor(info.headSlot / info.slotsPerEpoch));
      assert.ok(info.secondsPerSlot > 0 && info.genesisTime > 0);
      assert.deepEqual(JSON.parse(JSON.stringify(info)), info, 'chain info must survive JSON (activity results)');
    });

    it('validators by pubkey, any case; pubkeys the node does not know are absent', async () => {
      const client = new BeaconClient({ urls: [target().url], expected: target().expected });
      const unknown = `0x${'ee'.repeat(48)}`;
      const asked = [
        ...target().knownPubkeys.map((p, i) => (i % 2 ? p.toUpperCase().replace('0X', '0x') : p)),
        unknown,
      ];
      const found = await client.getValidators(asked);
      assert.deepEqual([...found.keys()].sort(), [...target().knownPubkeys].sort());
      for (const v of found.values()) {
        assert.match(v.balanceGwei, /^\d+$/);
        assert.match(v.withdrawalCredentials, /^0x[0-9a-f]{64}$/);
        if (!isExitingOrExited(v.status))
          assert.equal(v.exitEpoch, null, `validator ${v.index} is ${v.status} but has an exit epoch`);
      }
      assert.equal((await client.getValidators([])).size, 0);
    });
  });
}

describeBeaconContract('fixture server (fixed Lodestar 1.5.1-shaped answers)', startFixtureTarget);
describeBeaconContract('Lodestar 1.5.1 dev node', startLodestarTarget);

/** A real Lodestar dev node whose genesis holds two keys of the public test mnemonic. */
async function startLodestarTarget(): Promise<BeaconTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-client-'));
  const node = await startBeaconNode({
    dataDir,
    secondsPerSlot: 1,
    logFile: join(dataDir, 'beacon.log'),
    keyGroups: [
      {
        mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
        indices: [0, 1],
        withdrawalAddress: `0x${'22'.repeat(20)}`,
      },
    ],
  });
  return {
    url: node.url,
    expected: { genesisForkVersion: node.genesisForkVersion, genesisValidatorsRoot: node.genesisValidatorsRoot },
    slotsPerEpoch: SLOTS_PER_EPOCH,
    knownPubkeys: node.validators.map((v) => v.pubkey.toLowerCase()),
    async stop() {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- transport behaviour against the fixture server -------------------------------------------

describe('beacon client transport (fixture server: real HTTP, fixed Beacon-API answers)', () => {
  const fixtures: BeaconFixture[] = [];
  const fixture = async (overrides: Partial<BeaconFixtureOptions> = {}) => {
    const f = await devFixture(overrides);
    fixtures.push(f);
    return f;
  };
  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((f) => f.stop()));
  });

  it('chain info comes from the node: 8 slots per epoch on a minimal dev node while this process runs the mainnet preset', async () => {
    const node = await fixture();
    const info = await new BeaconClient({ urls: [node.url] }).getChainInfo();
    assert.equal((await loadLodestarParams()).SLOTS_PER_EPOCH, 32);
    assert.deepEqual(info, {
      genesisTime: 1_700_000_000,
      genesisValidatorsRoot: DEV_GENESIS.genesis_validators_root,
      genesisForkVersion: '0x00000001',
      secondsPerSlot: 2,
      slotsPerEpoch: 8,
      headSlot: 83,
      currentEpoch: 10,
      forkSchedule: {
        GENESIS: { version: '0x00000001', epoch: 0 },
        ALTAIR: { version: '0x01000001', epoch: 74240 },
        BELLATRIX: { version: '0x02000001', epoch: null },
        CAPELLA: { version: '0x03000001', epoch: null },
      },
    });
  });

  it('validators: repeated id= in batches of 40 GETs, FAR_FUTURE epochs as null', async () => {
    const node = await fixture();
    const client = new BeaconClient({ urls: [node.url] });
    const asked = [
      ...Array.from({ length: 97 }, (_, i) => pubkeyOf(i)),
      ...['aa', 'bb', 'cc'].map((b) => `0x${b.repeat(48)}`),
    ];
    const found = await client.getValidators(asked);
    assert.equal(found.size, 97);
    const validatorRequests = node.requests.filter((r) => r.url.includes('/validators'));
    assert.equal(validatorRequests.length, 3);
    for (const r of validatorRequests) {
      assert.equal(r.method, 'GET');
      const ids = new URL(r.url, 'http://x').searchParams.getAll('id');
      assert.ok(
        ids.length <= 40 && ids.every((id) => /^0x[0-9a-f]{96}$/.test(id)),
        `one pubkey per id=: ${r.url.slice(0, 120)}`,
      );
    }
    assert.deepEqual(found.get(pubkeyOf(0)), {
      index: 0,
      status: 'active_ongoing',
      balanceGwei: '32000000000',
      effectiveBalanceGwei: '32000000000',
      activationEpoch: 0,
      exitEpoch: null,
      withdrawableEpoch: null,
      withdrawalCredentials: credentials,
    });
    assert.deepEqual(found.get(pubkeyOf(5)), {
      index: 5,
      status: 'active_exiting',
      balanceGwei: '32000000005',
      effectiveBalanceGwei: '32000000000',
      activationEpoch: 0,
      exitEpoch: 12,
      withdrawableEpoch: 268,
      withdrawalCredentials: credentials,
    });
    // An empty list asks nothing (no id at all would return every validator of the state).
    const before = node.requests.length;
    assert.equal((await client.getValidators([])).size, 0);
    assert.equal(node.requests.length, before);
  });

  it('bad arguments and configuration are named: InvalidBeaconArgumentError', async () => {
    const client = new BeaconClient({ urls: [await deadUrl()] });
    const bad = await rejection(client.getValidators([pubkeyOf(0), '0x1234']), InvalidBeaconArgumentError);
    assert.match(bad.message, /pubkey #2 must be 48 bytes of 0x-hex, got "0x1234"/);
    assert.throws(() => new BeaconClient({ urls: [] }), /at least one beacon API URL/);
    assert.throws(
      () => new BeaconClient({ urls: ['ftp://127.0.0.1:1'] }),
      /beacon#1 ftp:\/\/127\.0\.0\.1:1 must be http\(s\)/,
    );
    assert.throws(
      () => new BeaconClient({ urls: ['http://a:1', 'http://a:1'] }),
      /beacon#2 http:\/\/a:1 is listed twice/,
    );
    assert.throws(
      () => new BeaconClient({ urls: ['http://a:1'], timeoutMs: 0 }),
      /timeoutMs must be a positive integer, got 0/,
    );
    assert.throws(
      () => new BeaconClient({ urls: ['http://a:1'], expected: { genesisValidatorsRoot: '0x12' } }),
      /expected genesisValidatorsRoot must be 32 bytes/,
    );
    const malformed = { message: { epoch: '1', validator_index: 'x' }, signature: '0x00' };
    assert.match(
      (await rejection(client.submitVoluntaryExit(malformed), InvalidBeaconArgumentError)).message,
      /the signed voluntary exit is malformed/,
    );
  });

  describe('failover', () => {
    it('a refused endpoint: the next one answers; when none answers, every URL is named with its reason', async () => {
      const node = await fixture();
      const dead = await deadUrl();
      const client = new BeaconClient({ urls: [dead, node.url] });
      assert.equal((await client.getChainInfo()).headSlot, HEAD_SLOT);

      node.failWith(503);
      const err = await rejection(new BeaconClient({ urls: [dead, node.url] }).getChainInfo(), BeaconUnavailableError);
      assert.equal(err.name, 'BeaconUnavailableError');
      assert.equal(err.failures.length, 2);
      assert.match(err.message, /^no beacon node could read the chain info: /);
      assert.match(err.failures[0].reason, /ECONNREFUSED/);
      assert.ok(err.failures[0].endpoint.startsWith('beacon#1 http://127.0.0.1:'));
      assert.match(err.failures[1].reason, /^HTTP 503: fixture: answering every request with this status$/);
    });

    it('a hung endpoint times out, the next answers, and the hung one is tried last until its cool-down ends', async () => {
      const hung = await fixture();
      const good = await fixture();
      hung.hang(true);
      const client = new BeaconClient({ urls: [hung.url, good.url], timeoutMs: 300 });
      const started = Date.now();
      assert.equal((await client.getValidators([pubkeyOf(1)])).get(pubkeyOf(1))?.index, 1);
      assert.ok(Date.now() - started >= 300);
      const hungRequests = hung.requests.length;
      await client.getValidators([pubkeyOf(2)]);
      assert.equal(hung.requests.length, hungRequests, 'the failed endpoint is not tried first within its cool-down');

      good.hang(true);
      const err = await rejection(client.getChainInfo(), BeaconUnavailableError);
      assert.deepEqual(
        err.failures.map((f) => f.reason),
        ['no answer within 300 ms', 'no answer within 300 ms'],
      );
    });

    it('an unusable answer (not Beacon API JSON) fails over like an outage', async () => {
      const broken = await fixture({ spec: { SLOTS_PER_EPOCH: 'eight' } });
      const good = await fixture();
      const client = new BeaconClient({ urls: [broken.url, good.url] });
      assert.equal((await client.getChainInfo()).slotsPerEpoch, 8);
      const err = await rejection(new BeaconClient({ urls: [broken.url] }).getChainInfo(), BeaconUnavailableError);
      assert.match(err.message, /the spec's SLOTS_PER_EPOCH is "eight", not a positive integer/);
    });

    it('URLs are redacted in errors: no path, query or credentials', async () => {
      const secretUrl = `${await deadUrl()}/v1/my-api-key?token=hunter2`;
      const err = await rejection(new BeaconClient({ urls: [secretUrl] }).getChainInfo(), BeaconUnavailableError);
      assert.match(err.message, /beacon#1 http:\/\/127\.0\.0\.1:\d+\/…/);
      assert.ok(!err.message.includes('my-api-key') && !err.message.includes('hunter2'), err.message);
    });
  });

  describe('network check', () => {
    it('an endpoint whose genesis differs from the expected network: BeaconNetworkMismatchError, before anything else is asked', async () => {
      const node = await fixture();
      const otherRoot = `0x${'44'.repeat(32)}`;
      const client = new BeaconClient({ urls: [node.url], expected: { genesisValidatorsRoot: otherRoot } });
      const err = await rejection(client.getValidators([pubkeyOf(0)]), BeaconNetworkMismatchError);
      assert.equal(err.name, 'BeaconNetworkMismatchError');
      assert.equal(
        err.message,
        `beacon#1 ${node.url} is on another network: its genesis validators root is ${DEV_GENESIS.genesis_validators_root}, expected ${otherRoot} (from configuration); fix the beacon URL list or the expected network`,
      );
      assert.deepEqual(
        node.requests.map((r) => r.url),
        ['/eth/v1/beacon/genesis'],
      );

      const exit = await signedExit(3);
      const forkErr = await rejection(
        new BeaconClient({ urls: [node.url], expected: { genesisForkVersion: '0x00000000' } }).submitVoluntaryExit(
          exit,
        ),
        BeaconNetworkMismatchError,
      );
      assert.match(
        forkErr.message,
        /its genesis fork version is 0x00000001, expected 0x00000000 \(from configuration\)/,
      );
      assert.ok(!node.requests.some((r) => r.method === 'POST'), 'no exit is sent to a node of another network');
      assert.ok(!forkErr.message.includes(exit.signature));
    });

    it('without an expected network, a failover endpoint must agree with the first one that answered', async () => {
      const first = await fixture();
      const other = await fixture({ genesis: { ...DEV_GENESIS, genesis_validators_root: `0x${'55'.repeat(32)}` } });
      const client = new BeaconClient({ urls: [first.url, other.url] });
      await client.getChainInfo();
      first.failWith(503);
      const err = await rejection(client.getChainInfo(), BeaconNetworkMismatchError);
      assert.match(
        err.message,
        new RegExp(
          `^beacon#2 ${other.url} is on another network: its genesis validators root is 0x5{64}, expected 0x(3c){32} \\(from beacon#1 ${first.url}\\)`,
        ),
      );
    });

    it('a matching expected network passes (any hex case)', async () => {
      const node = await fixture();
      const client = new BeaconClient({
        urls: [node.url],
        expected: {
          genesisValidatorsRoot: DEV_GENESIS.genesis_validators_root.toUpperCase().replace('0X', '0x'),
          genesisForkVersion: '0x00000001',
        },
      });
      assert.equal((await client.getChainInfo()).genesisForkVersion, '0x00000001');
    });
  });

  describe('voluntary exits', () => {
    it('accepted, then already_known for the same exit (1.5.1 answers HTTP 500 ALREADY_EXISTS): a success, not a rejection', async () => {
      const node = await fixture();
      const client = new BeaconClient({ urls: [node.url] });
      const exit = await signedExit(7);
      assert.deepEqual(await client.submitVoluntaryExit(exit), {
        outcome: 'accepted',
        endpoint: `beacon#1 ${node.url}`,
        validatorIndex: 7,
        epoch: 10,
      });
      const posted = node.requests.filter((r) => r.method === 'POST');
      assert.equal(posted.length, 1);
      assert.equal(posted[0].url, '/eth/v1/beacon/pool/voluntary_exits');
      assert.deepEqual(JSON.parse(posted[0].body), exit);
      assert.deepEqual(await client.submitVoluntaryExit(exit), {
        outcome: 'already_known',
        endpoint: `beacon#1 ${node.url}`,
        validatorIndex: 7,
        epoch: 10,
      });
    });

    it('any other non-2xx answer is a rejection with the status and the node message, and no other endpoint is asked', async () => {
      const answers = [
        lodestarError(500, 'VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE'),
        { status: 400, body: { code: 400, message: 'VOLUNTARY_EXIT_ERROR_INVALID' } },
      ];
      for (const answer of answers) {
        const node = await fixture({ onExit: () => answer });
        const second = await fixture();
        const exit = await signedExit(3);
        const err = await rejection(
          new BeaconClient({ urls: [node.url, second.url] }).submitVoluntaryExit(exit),
          VoluntaryExitRejectedError,
        );
        assert.equal(err.name, 'VoluntaryExitRejectedError');
        assert.equal(err.status, answer.status);
        assert.equal(err.nodeMessage, (answer.body as { message: string }).message);
        assert.equal(
          err.message,
          `beacon#1 ${node.url} rejected the voluntary exit of validator 3 at epoch 10: HTTP ${answer.status}: ${err.nodeMessage}`,
        );
        assert.ok(!err.message.includes(exit.signature), 'a failure message never holds the signed exit');
        assert.equal(second.requests.length, 0);
      }
    });

    it('a rejection stays a rejection when a later endpoint is down', async () => {
      const node = await fixture({ onExit: () => lodestarError(500, 'VOLUNTARY_EXIT_ERROR_INVALID') });
      const err = await rejection(
        new BeaconClient({ urls: [node.url, await deadUrl()] }).submitVoluntaryExit(await signedExit(4)),
        VoluntaryExitRejectedError,
      );
      assert.equal(err.status, 500);
    });

    it('502/503/504/429 and unreachable nodes are unavailability: the next endpoint takes the exit, else retryable BeaconUnavailableError', async () => {
      for (const status of [502, 503, 504, 429]) {
        const busy = await fixture({ onExit: () => lodestarError(status, 'busy') });
        const good = await fixture();
        const result = await new BeaconClient({ urls: [busy.url, good.url] }).submitVoluntaryExit(await signedExit(2));
        assert.equal(result.outcome, 'accepted');
        assert.equal(result.endpoint, `beacon#2 ${good.url}`);
      }
      const busy = await fixture({ onExit: () => lodestarError(503, 'node is syncing') });
      const err = await rejection(
        new BeaconClient({ urls: [await deadUrl(), busy.url] }).submitVoluntaryExit(await signedExit(2)),
        BeaconUnavailableError,
      );
      assert.match(
        err.message,
        /^no beacon node could take the voluntary exit of validator 2: beacon#1 .*ECONNREFUSED.*; beacon#2 .*: HTTP 503: node is syncing$/,
      );
    });
  });
});
