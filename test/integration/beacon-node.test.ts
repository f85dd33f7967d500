// The local beacon node (Lodestar 1.5.1 from the tool cache) and the withdrawal stand-in, for real:
// a genesis with our mnemonic keys, an exit signed here with the bot's own libraries, and the
// bridge paid once when that validator becomes withdrawable. 1-second slots and a 1-epoch
// withdrawability delay keep the exit-to-withdrawable wait under a minute.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { genesisForkVersionOf, withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { deriveSigningKeys, wipeKeys, type DerivedSigningKey } from '../../activities/keys/derivation';
import {
  loadBls,
  loadLodestarParams,
  loadLodestarStateTransition,
  loadLodestarTypes,
} from '../../activities/esm/loaders';
import {
  BeaconApiError,
  getFork,
  getGenesis,
  getHeadSlot,
  getValidators,
  submitVoluntaryExit,
  type BeaconValidator,
} from '../../localnet/beacon/rest';
import { DEMO_MNEMONIC } from '../../localnet/demo';
import { startAnvil, type Anvil } from '../../localnet/services/anvil';
import { SLOTS_PER_EPOCH, stalledAtStart, startBeaconNode, type BeaconNode } from '../../localnet/services/beacon-node';
import { isProcessAlive } from '../../localnet/network-file';
import {
  startWithdrawalStandIn,
  WITHDRAWAL_AMOUNT_WEI,
  type WithdrawalStandIn,
} from '../../localnet/services/withdrawal-stand-in';

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;
const fromHex = (value: string) => Uint8Array.from(Buffer.from(value.slice(2), 'hex'));

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Transactions mined since `fromBlock` whose recipient is `to`. */
async function transactionsTo(provider: ethers.JsonRpcProvider, to: string, fromBlock: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let n = fromBlock + 1; n <= (await provider.getBlockNumber()); n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? [])
      if (tx.to?.toLowerCase() === to.toLowerCase()) hashes.push(tx.hash);
  }
  return hashes;
}

async function validator(node: BeaconNode, index: number): Promise<BeaconValidator> {
  const [v] = await getValidators(node.url, [index]);
  assert.ok(v, `validator ${index} not found`);
  return v;
}

/** A VoluntaryExit for `validatorIndex`, signed with `secretKey`, as Beacon API JSON. */
async function signExit(node: BeaconNode, validatorIndex: number, secretKey: Uint8Array): Promise<unknown> {
  const [bls, { ssz }, { computeDomain, computeSigningRoot }, { DOMAIN_VOLUNTARY_EXIT }] = await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarStateTransition(),
    loadLodestarParams(),
  ]);
  const fork = await getFork(node.url);
  const epoch = Math.floor((await getHeadSlot(node.url)) / SLOTS_PER_EPOCH);
  // Phase0 rules (this node): the domain of the current fork; EIP-7044's Capella pin comes later.
  const domain = computeDomain(
    DOMAIN_VOLUNTARY_EXIT,
    fromHex(fork.currentVersion),
    fromHex(node.genesisValidatorsRoot),
  );
  const message = { epoch, validatorIndex };
  const signature = bls.SecretKey.fromBytes(secretKey)
    .sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, domain))
    .toBytes();
  return ssz.phase0.SignedVoluntaryExit.toJson({ message, signature });
}

describe('local beacon node (Lodestar 1.5.1) and the withdrawal stand-in', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'nexus-beacon-'));
  // Two groups: the demo mnemonic, and a fresh one with gaps in its indices.
  const otherMnemonic = ethers.Mnemonic.fromEntropy(randomBytes(16)).phrase;
  const groups = [
    { mnemonic: DEMO_MNEMONIC, indices: [0, 1, 2] },
    { mnemonic: otherMnemonic, indices: [5, 7] },
  ];
  let anvil: Anvil;
  let provider: ethers.JsonRpcProvider;
  let bridges: [string, string];
  let node: BeaconNode;
  let keys: DerivedSigningKey[][];
  const standIns: WithdrawalStandIn[] = [];
  let exitedAt = 0;

  before(async function () {
    this.timeout(180_000);
    anvil = await startAnvil();
    provider = new ethers.JsonRpcProvider(anvil.rpcUrl, anvil.chainId, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    // Withdrawal addresses only: the stand-in credits them without calling anything.
    bridges = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
    keys = await Promise.all(groups.map((g) => deriveSigningKeys(g.mnemonic, g.indices)));
    const started = Date.now();
    node = await startBeaconNode({
      dataDir: join(dir, 'beacon'),
      logFile: join(dir, 'beacon.log'),
      secondsPerSlot: 1,
      minValidatorWithdrawabilityDelay: 1,
      keyGroups: groups.map((g, i) => ({ ...g, withdrawalAddress: bridges[i] })),
    });
    console.log(
      `      beacon node: REST up and head slot ≥ 1 after ${((Date.now() - started) / 1000).toFixed(1)} s (genesis builder included)`,
    );
  });

  after(async function () {
    this.timeout(60_000);
    for (const s of standIns) await s.stop();
    await node?.stop();
    provider?.destroy();
    await anvil?.stop();
    keys?.forEach(wipeKeys);
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes up from the custom genesis: each requested key is an active validator withdrawing to its bridge', async () => {
    const genesis = await getGenesis(node.url);
    assert.equal(genesis.genesisValidatorsRoot, node.genesisValidatorsRoot);
    assert.equal(
      genesis.genesisForkVersion,
      hex(await genesisForkVersionOf('holesky')),
      'not the fork version the worker signs deposits with',
    );
    assert.equal(node.genesisForkVersion, genesis.genesisForkVersion);

    // Our own derivation (activities/keys) must give the keys the genesis builder put in.
    const expected = keys.flatMap((groupKeys, g) =>
      groupKeys.map((k) => ({ pubkey: k.pubkeyHex, keyIndex: k.index, bridge: bridges[g] })),
    );
    assert.deepEqual(
      node.validators.map((v) => ({ pubkey: v.pubkey, keyIndex: v.keyIndex, bridge: v.withdrawalAddress })),
      expected,
    );
    const onChain = await getValidators(
      node.url,
      node.validators.map((v) => v.index),
    );
    assert.equal(onChain.length, expected.length);
    for (const [i, v] of onChain.entries()) {
      assert.equal(v.pubkey, expected[i].pubkey);
      assert.equal(v.status, 'active_ongoing');
      assert.equal(v.balance, 32_000_000_000);
      assert.equal(v.withdrawalCredentials, withdrawalCredentialsFor(expected[i].bridge));
    }
    // Looked up by pubkey too (repeated id=, the form this node understands).
    assert.deepEqual(
      (await getValidators(node.url, [expected[3].pubkey])).map((v) => v.index),
      [node.validators[3].index],
    );

    const spec = ((await (await fetch(`${node.url}/eth/v1/config/spec`)).json()) as { data: Record<string, string> })
      .data;
    assert.equal(spec.SECONDS_PER_SLOT, '1');
    assert.equal(spec.SHARD_COMMITTEE_PERIOD, '0');
    assert.equal(spec.MIN_VALIDATOR_WITHDRAWABILITY_DELAY, '1');
  });

  it('accepts an exit signed with our key, rejects a forged one, and the validator starts exiting', async () => {
    const [x, y] = [node.validators[4], node.validators[0]]; // other mnemonic #7 (bridge 1), demo #0 (bridge 0)
    const forged = await signExit(node, x.index, keys[1][0].secretKey); // signed with key #5, not #7
    await assert.rejects(
      submitVoluntaryExit(node.url, forged),
      (err: unknown) =>
        err instanceof BeaconApiError &&
        err.status !== 200 &&
        /VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE/.test(err.message),
    );

    await submitVoluntaryExit(node.url, await signExit(node, x.index, keys[1][1].secretKey));
    await submitVoluntaryExit(node.url, await signExit(node, y.index, keys[0][0].secretKey));
    exitedAt = Date.now();
    for (const v of [x, y]) {
      await waitFor(`validator ${v.index} active_exiting`, 30_000, async () =>
        (await validator(node, v.index)).status === 'active_exiting' ? true : undefined,
      );
    }
    assert.equal(
      (await validator(node, node.validators[1].index)).status,
      'active_ongoing',
      'a validator that did not exit changed status',
    );
  });

  it('credits exactly 32 ETH once to the bridge, with no transaction, when the validator becomes withdrawable, and not again after a restart or a crash', async () => {
    const x = node.validators[4];
    const y = node.validators[0];
    const balance = (address: string) => provider.getBalance(address);
    const [start0, start1] = [await balance(bridges[0]), await balance(bridges[1])];
    const stateFile = join(dir, 'stand-in.json');
    const start = (file: string, forBridges: string[]) =>
      startWithdrawalStandIn({
        beaconUrl: node.url,
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        bridges: forBridges,
        stateFile: file,
        intervalMs: 500,
        log: () => undefined,
      }).then((s) => {
        standIns.push(s);
        return s;
      });

    // Only bridge 1 here: validator y (bridge 0) is left for the crash case below.
    const blockBefore = await provider.getBlockNumber();
    const first = await start(stateFile, [bridges[1]]);
    assert.equal((await validator(node, x.index)).status, 'active_exiting');
    await waitFor('two rounds', 10_000, async () => (first.roundsCompleted() >= 2 ? true : undefined));
    assert.deepEqual(first.paid(), [], 'paid before the validator was withdrawable');
    assert.equal(await balance(bridges[1]), start1);

    const paid = await waitFor('payment of validator x', 120_000, async () => first.paid()[0]);
    const becameWithdrawable = (Date.now() - exitedAt) / 1000;
    const status = (await validator(node, x.index)).status;
    assert.ok(status === 'withdrawal_possible' || status === 'withdrawal_done', status);
    console.log(`      exit submitted → withdrawal_possible and credited: ${becameWithdrawable.toFixed(1)} s`);
    assert.equal(paid.pubkey, x.pubkey);
    assert.equal(paid.bridge, bridges[1]);
    assert.equal(await balance(bridges[1]), start1 + WITHDRAWAL_AMOUNT_WEI);
    // As the consensus layer does: no transaction reached the bridge (no call, no code run).
    const toBridge = await transactionsTo(provider, bridges[1], blockBefore);
    assert.deepEqual(toBridge, [], 'a transaction was sent to the bridge');

    // Restarted on the same state file: nothing more is paid.
    await first.stop();
    const second = await start(stateFile, [bridges[1]]);
    await waitFor('three rounds', 15_000, async () => (second.roundsCompleted() >= 3 ? true : undefined));
    assert.deepEqual(second.paid(), [paid]);
    assert.equal(await balance(bridges[1]), start1 + WITHDRAWAL_AMOUNT_WEI, 'credited again after a restart');
    await second.stop();
    assert.equal(await balance(bridges[0]), start0, 'paid a bridge it was not given');

    // A crash after the credit but before it was recorded as paid: the state file holds it as
    // pending with the balance before; the next stand-in sees 32 ETH more and records it instead.
    await waitFor('validator y withdrawable', 60_000, async () =>
      (await validator(node, y.index)).status === 'withdrawal_possible' ? true : undefined,
    );
    await provider.send('anvil_addBalance', [bridges[0], ethers.toQuantity(WITHDRAWAL_AMOUNT_WEI)]);
    const crashState = join(dir, 'stand-in-crashed.json');
    writeFileSync(
      crashState,
      JSON.stringify({
        paid: {},
        pending: {
          [y.pubkey]: {
            pubkey: y.pubkey,
            validatorIndex: y.index,
            bridge: bridges[0],
            balanceBeforeWei: start0.toString(),
          },
        },
      }),
    );
    const third = await start(crashState, [bridges[0]]);
    const recovered = await waitFor('pending credit settled', 15_000, async () => third.paid()[0]);
    await waitFor('two more rounds', 10_000, async () => (third.roundsCompleted() >= 3 ? true : undefined));
    assert.equal(recovered.pubkey, y.pubkey);
    assert.equal(await balance(bridges[0]), start0 + WITHDRAWAL_AMOUNT_WEI, 'credited a second time after the crash');
    await third.stop();

    // A crash before the credit: pending with today's balance, so the next stand-in credits it once.
    // And one it cannot decide (the balance moved meanwhile) is left alone and reported.
    const undecided = join(dir, 'stand-in-undecided.json');
    writeFileSync(
      undecided,
      JSON.stringify({
        paid: {},
        pending: {
          [y.pubkey]: {
            pubkey: y.pubkey,
            validatorIndex: y.index,
            bridge: bridges[0],
            balanceBeforeWei: (start0 - 1n).toString(),
          },
        },
      }),
    );
    const fourth = await start(undecided, [bridges[0]]);
    await waitFor('three rounds', 15_000, async () => (fourth.roundsCompleted() >= 3 ? true : undefined));
    assert.deepEqual(fourth.paid(), []);
    assert.deepEqual(
      fourth.unresolved().map((p) => p.pubkey),
      [y.pubkey],
    );
    assert.equal(await balance(bridges[0]), start0 + WITHDRAWAL_AMOUNT_WEI, 'credited although it could not tell');
  });

  it('stops by PID (SIGTERM, then SIGKILL after 5 s)', async () => {
    const pid = node.pid;
    const started = Date.now();
    await node.stop();
    assert.ok(!isProcessAlive(pid), `beacon node (pid ${pid}) still runs`);
    assert.ok(Date.now() - started < 8_000);
  });
});

describe('local beacon node: bad input', () => {
  it('names a bad mnemonic without showing its words, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-beacon-bad-'));
    try {
      const words = Array(12).fill('abandon').join(' '); // a wrong checksum
      await assert.rejects(
        startBeaconNode({
          dataDir: join(dir, 'beacon'),
          keyGroups: [{ mnemonic: words, indices: [0], withdrawalAddress: `0x${'22'.repeat(20)}` }],
        }),
        (err: Error) =>
          /keyGroups\[0\]\.mnemonic is not a valid BIP-39 mnemonic \(words not shown\)/.test(err.message) &&
          !err.message.includes('abandon'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local beacon node: a start too late for its genesis', function () {
  this.timeout(240_000);

  it('sees the node stalled at genesis and starts it again with a new genesis, which produces blocks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-beacon-late-'));
    const notes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      notes.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    let late: BeaconNode | undefined;
    const startedAt = Date.now() / 1000;
    try {
      // Genesis 30 s in the past at 1-s slots: the node comes up far more than an epoch behind its
      // clock, the way a slow start on a loaded machine leaves it.
      late = await startBeaconNode({
        dataDir: join(dir, 'beacon'),
        genesisDelaySeconds: -30,
        secondsPerSlot: 1,
        keyGroups: [{ mnemonic: DEMO_MNEMONIC, indices: [0], withdrawalAddress: `0x${'22'.repeat(20)}` }],
      });
      assert.ok(
        notes.some((n) => /beacon node stalled at its start .*attempt 2 of 3/.test(n)),
        `no restart was reported: ${notes.join('')}`,
      );
      assert.ok(
        late.genesisTime > startedAt,
        `the node runs the first, stale genesis (${late.genesisTime}, started at ${startedAt})`,
      );
      assert.ok((await getHeadSlot(late.url)) >= 1, 'the restarted node produces no block');
    } finally {
      process.stderr.write = write;
      await late?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a head still at genesis an epoch after genesis time as stalled, not before', () => {
    const genesisTime = 1_000;
    assert.equal(stalledAtStart(0, genesisTime, 1, (genesisTime + SLOTS_PER_EPOCH) * 1000), false);
    assert.equal(stalledAtStart(0, genesisTime, 1, (genesisTime + SLOTS_PER_EPOCH + 1) * 1000), true);
    assert.equal(
      stalledAtStart(1, genesisTime, 1, (genesisTime + 100) * 1000),
      false,
      'a node that produced is not stalled',
    );
    assert.equal(
      stalledAtStart(0, genesisTime, 2, (genesisTime + 2 * SLOTS_PER_EPOCH) * 1000),
      false,
      '2-s slots: an epoch is 16 s',
    );
  });
});
