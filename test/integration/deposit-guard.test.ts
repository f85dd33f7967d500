// The pre-deposit guard on the real parts (issue 13 item 8): Temporal dev server, anvil with our
// deposit contract and SSVNetwork, moto, the worker as its own process, and a Beacon API fixture
// (a real HTTP server shaped like Lodestar) that knows one of the keys. The rollup's next mnemonic
// keys are derived here and three of them are spoiled before the bot gets to them: one deposited
// straight into the deposit contract with foreign withdrawal credentials (the front-run), one
// registered in SSVNetwork by another owner, one known to the beacon node. A batch of five then
// deposits exactly the two clean keys and holds the three, each with its check named (status,
// ERROR line, metric). The fourth check (a tampered signature), the index's persistence and its
// incremental refresh are shown on the same chain through the activity itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ethers } from 'ethers';
import { readValidatorStatuses } from '../../activities/chain/reads';
import { createDepositGuardActivities, createDepositGuardIndexes } from '../../activities/guard/activity';
import type { DepositGuardResult } from '../../activities/guard/types';
import { deriveSigningKeys, wipeKeys, type DerivedSigningKey } from '../../activities/keys/derivation';
import {
  genesisForkVersionOf,
  signDepositData,
  VALIDATOR_DEPOSIT_GWEI,
  withdrawalCredentialsFor,
} from '../../activities/keys/deposit-data';
import { BeaconClient } from '../../activities/beacon/client';
import { creationWorkflowId } from '../../workflows/ids';
import { createValidatorsWorkflow } from '../../workflows/create-validators';
import { creationStatusQuery } from '../../protocol/messages';
import { FAR_FUTURE_EPOCH, startBeaconFixture, type BeaconFixture } from '../harness/beacon-api-fixture';
import { ETH, devWallet, startCreationNetwork, type CreationNetwork } from '../harness/creation-network';
import { asRollupAdmin } from '../../protocol/identifiers';

const HOLESKY_FORK = '0x01017000';
const FOREIGN = '0x000000000000000000000000000000000000f00d';
const CLUSTER = [1, 2, 3, 4];

describe('pre-deposit guard on the real parts: held keys are never deposited', function () {
  this.timeout(300_000);
  let net: CreationNetwork;
  let beacon: BeaconFixture;
  let admin: string;
  let bridge: string;
  let keys: DerivedSigningKey[];
  let fork: Uint8Array;
  let metricsUrl: string;
  const pk = (i: number) => keys[i].pubkeyHex.toLowerCase();

  before(async () => {
    net = await startCreationNetwork({
      taskQueue: 'nexus-bot-guard-it',
      rollups: [{ account: 2, name: 'guarded', funding: 3200n * ETH, limit: 5000 }],
    });
    ({ admin, bridge } = net.rollups[0]);
    fork = await genesisForkVersionOf('holesky');
    keys = await deriveSigningKeys(await net.vault.readMnemonic(admin), [0, 1, 2, 3, 4, 5]);

    // Key 0: front-run, deposited straight into the deposit contract for someone else's address.
    const frontRun = await signDepositData({
      secretKey: keys[0].secretKey,
      withdrawalCredentials: withdrawalCredentialsFor(FOREIGN),
      amountGwei: 1_000_000_000n,
      genesisForkVersion: fork,
    });
    const depositContract = net.system.contracts.depositContract.connect(devWallet(6, net.provider)) as ethers.Contract;
    await (
      await depositContract.getFunction('deposit')(
        frontRun.pubkey,
        frontRun.withdrawalCredentials,
        frontRun.signature,
        frontRun.depositDataRoot,
        { value: ETH },
      )
    ).wait();

    // Key 1: registered in SSVNetwork by another owner (sharesData is not checked on chain).
    const other = devWallet(5, net.provider);
    await (await net.system.contracts.ssvToken.getFunction('mint')(other.address, 1000n * ETH)).wait();
    const token = net.system.contracts.ssvToken.connect(other) as ethers.Contract;
    await (await token.getFunction('approve')(net.system.addresses.ssvNetwork, 1000n * ETH)).wait();
    const ssv = net.system.contracts.ssvNetwork.connect(other) as ethers.Contract;
    await (
      await ssv.getFunction('registerValidator')(pk(1), CLUSTER, '0x1234', 1000n * ETH, [0, 0, 0, true, 0])
    ).wait();

    // Key 2: the beacon node knows it (with foreign credentials).
    beacon = await startBeaconFixture({
      genesis: {
        genesis_time: '1700000000',
        genesis_validators_root: `0x${'4b'.repeat(32)}`,
        genesis_fork_version: HOLESKY_FORK,
      },
      spec: { SECONDS_PER_SLOT: '12', SLOTS_PER_EPOCH: '32' },
      headSlot: 100,
      validators: [
        {
          index: '17',
          balance: '32000000000',
          status: 'pending_queued',
          validator: {
            pubkey: pk(2),
            withdrawal_credentials: withdrawalCredentialsFor(FOREIGN),
            effective_balance: '32000000000',
            slashed: false,
            activation_eligibility_epoch: '3',
            activation_epoch: FAR_FUTURE_EPOCH,
            exit_epoch: FAR_FUTURE_EPOCH,
            withdrawable_epoch: FAR_FUTURE_EPOCH,
          },
        },
      ],
    });
    await net.startWorker({
      config: { beacon: { urls: [beacon.url] }, observability: { metrics: { listen: '127.0.0.1:0' } } },
    });
    metricsUrl = /"metrics":"(http[^"]+)"/.exec(readFileSync(net.workerLog, 'utf8'))?.[1] as string;
    assert.ok(metricsUrl, 'the worker logged no metrics endpoint');
  });

  after(async () => {
    if (keys) wipeKeys(keys);
    await net?.client.workflow
      .getHandle(creationWorkflowId(asRollupAdmin(admin)))
      .terminate('test over')
      .catch(() => undefined);
    await beacon?.stop();
    await net?.stop();
  });

  const depositEvents = async () =>
    ((await net.system.contracts.depositContract.queryFilter('DepositEvent', 0)) as ethers.EventLog[]).map((e) => ({
      pubkey: (e.args[0] as string).toLowerCase(),
      credentials: (e.args[1] as string).toLowerCase(),
    }));

  it('a batch of five deposits exactly the two clean keys and holds the front-run, the SSV-registered and the beacon-known ones, naming each check (status, ERROR line, metric)', async () => {
    const handle = await net.client.workflow.start(createValidatorsWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: creationWorkflowId(asRollupAdmin(admin)),
      args: [{ rollupAdmin: admin, bridge, operatorCluster: 1, keyPath: 'mnemonic', count: 5 }],
    });
    const result = await handle.result();
    assert.deepEqual(
      result.deposited.map((p) => p.toLowerCase()),
      [pk(3), pk(4)],
    );
    assert.deepEqual(
      result.registered.map((p) => p.toLowerCase()),
      [pk(3), pk(4)],
    );
    const heldChecks = Object.fromEntries(
      (result.held ?? []).map((h) => [h.pubkey.toLowerCase(), h.failures.map((f) => f.check)]),
    );
    assert.deepEqual(heldChecks, { [pk(0)]: ['deposit-contract'], [pk(1)]: ['ssv-network'], [pk(2)]: ['beacon'] });
    const reasons = Object.fromEntries((result.held ?? []).map((h) => [h.pubkey.toLowerCase(), h.failures[0].reason]));
    assert.match(
      reasons[pk(0)],
      new RegExp(
        `with withdrawal credentials ${withdrawalCredentialsFor(FOREIGN)}; 1 with FOREIGN withdrawal credentials`,
      ),
    );
    assert.match(reasons[pk(1)], new RegExp(`by owner\\(s\\) ${devWallet(5, net.provider).address.toLowerCase()}`));
    assert.match(
      reasons[pk(2)],
      /the beacon node knows it: validator 17 \(pending_queued\) with FOREIGN withdrawal credentials/,
    );

    // Nothing of a held key reached the chain through Nexus: statuses, DepositEvents, bridge count.
    const statuses = await readValidatorStatuses(net.provider, net.system.addresses.nexus, [0, 1, 2, 3, 4].map(pk));
    assert.deepEqual(
      statuses.statuses.map((s) => s.status),
      ['INACTIVE', 'INACTIVE', 'INACTIVE', 'SHARE_DEPOSITED', 'SHARE_DEPOSITED'],
    );
    const events = await depositEvents();
    assert.deepEqual(
      events.map((e) => e.pubkey),
      [pk(0), pk(3), pk(4)],
      'DepositEvents: only the front-run and the two clean keys',
    );
    assert.equal(
      events[0].credentials,
      withdrawalCredentialsFor(FOREIGN),
      'the front-run deposit is the only one of key 0',
    );
    const count = (await new ethers.Contract(
      bridge,
      ['function validatorCount() view returns (uint256)'],
      net.provider,
    ).getFunction('validatorCount')()) as bigint;
    assert.equal(count, 2n);

    const status = await handle.query(creationStatusQuery);
    assert.deepEqual(status.guard?.held.map((h) => h.pubkey.toLowerCase()).sort(), [pk(0), pk(1), pk(2)].sort());
    assert.deepEqual(status.guard?.skipped, []);

    const log = readFileSync(net.workerLog, 'utf8')
      .split('\n')
      .filter((l) => /pre-deposit guard: 3 of 5 key\(s\)/.test(l));
    assert.ok(
      log.some((l) => /"level":"ERROR"|\bERROR\b/.test(l)),
      `no ERROR line of the guard in the worker log:\n${log.join('\n')}`,
    );
    for (const i of [0, 1, 2])
      assert.ok(
        log.some((l) => l.toLowerCase().includes(pk(i))),
        `the ERROR line does not name key ${i}`,
      );

    const metrics = await (await fetch(metricsUrl)).text();
    for (const check of ['deposit-contract', 'ssv-network', 'beacon']) {
      assert.match(
        metrics,
        new RegExp(`nexus_deposit_guard_held_total\\{rollup="${admin.toLowerCase()}",check="${check}"\\} 1`),
        `metric for ${check}`,
      );
    }
  });

  it('the activity on the same chain: a tampered signature is held, a key the bot deposited is now held, a clean key passes; the persisted index resumes from its cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-index-'));
    try {
      // Push the deposits below the reorg depth, so that they come from the index, not the tail.
      await net.provider.send('anvil_mine', ['0x10']);
      const build = () => {
        const indexes = createDepositGuardIndexes({
          provider: net.provider,
          contracts: net.system.addresses,
          depositContractFromBlock: 0,
          ssvFromBlock: 0,
          maxRange: 7,
          reorgBlocks: 4,
          folder: dir,
        });
        const activities = createDepositGuardActivities({
          provider: net.provider,
          contracts: net.system.addresses,
          depositNetwork: 'holesky',
          genesisForkVersion: fork,
          beacon: new BeaconClient({ urls: [beacon.url] }),
          ...indexes,
          acceptOwnGenesisValidators: false,
        });
        return { indexes, activities };
      };
      const credentials = withdrawalCredentialsFor(bridge);
      const depositOf = async (i: number) => {
        const d = await signDepositData({
          secretKey: keys[i].secretKey,
          withdrawalCredentials: credentials,
          amountGwei: VALIDATOR_DEPOSIT_GWEI,
          genesisForkVersion: fork,
        });
        return {
          pubkey: d.pubkey,
          withdrawalCredentials: d.withdrawalCredentials,
          signature: d.signature,
          depositDataRoot: d.depositDataRoot,
        };
      };
      const clean = await depositOf(5);
      const tampered = {
        ...clean,
        signature: `${clean.signature.slice(0, 10)}${clean.signature[10] === 'a' ? 'b' : 'a'}${clean.signature.slice(11)}`,
      };
      const first = build();
      const guard = (deposits: (typeof clean)[]) =>
        new MockActivityEnvironment().run(first.activities.guardDeposits, {
          rollupAdmin: admin,
          bridge,
          deposits,
        }) as Promise<DepositGuardResult>;
      const verdict = await guard([tampered, await depositOf(3)]);
      assert.deepEqual(verdict.passed, []);
      assert.deepEqual(
        verdict.held.map((h) => h.failures.map((f) => f.check)),
        [['deposit-signature'], ['deposit-contract', 'ssv-network']],
      );
      assert.match(verdict.held[0].failures[0].reason, /^deposit data does not verify for holesky: /);
      const again = await guard([clean]);
      assert.deepEqual(again.passed, [clean.pubkey]);

      // A second worker process: the index loads from the folder and scans only blocks mined since.
      const head = await net.provider.getBlockNumber();
      const indexed = first.indexes.depositIndex.size;
      assert.equal(indexed.scannedTo, head - 4);
      assert.equal(indexed.entries, 3);
      await net.provider.send('anvil_mine', ['0x3']);
      const second = build();
      const lookup = await second.indexes.depositIndex.lookup([pk(0)]);
      assert.equal(lookup.refreshedBlocks, 3, 'the restarted index scanned more than the new blocks');
      assert.equal(lookup.found.get(pk(0))?.length, 1, 'the persisted index lost the front-run deposit');
      assert.equal(second.indexes.depositIndex.size.entries, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
