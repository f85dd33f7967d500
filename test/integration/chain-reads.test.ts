// The bot's chain reads (activities/chain/{rpc,logs,reads}.ts) against a real anvil with the local
// Nexus system: rollup state at one block, cluster operators, the SSV owner nonce and cluster
// snapshots from chunked log scans (also through a node that rejects big eth_getLogs ranges),
// validator statuses, rollup events, RPC failover and the chain-id check.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ethers } from 'ethers';
import { startAnvil } from '../../localnet/services/anvil';
import { freePort } from '../../localnet/services/process';
import { OwnerNonceBehindError, nonceAtLeast } from '../../activities/chain/owner-nonce-floor';
import { decodeOperatorPublicKey, encodeOperatorPublicKey } from '../../localnet/operator-identity';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type NexusSystem,
  type RegisteredRollup,
} from '../../contracts/deploy';
import { useService } from '../harness/service';
import { ETH, clusterOf, eventsOf, expectRevert, makeValidators, send, wallet } from '../contracts/helpers';
import { localProvider } from '../harness/local-provider';
import { FailoverJsonRpcProvider, createChainProvider, describeRpcUrl } from '../../activities/chain/rpc';
import { isLogRangeLimitError } from '../../activities/chain/logs';
import {
  NEW_CLUSTER_SNAPSHOT,
  clusterTuple,
  readClusterSnapshot,
  readRollupEvents,
  readRollupState,
  readRollupStates,
  readSsvOwnerNonce,
  readValidatorStatuses,
  type ClusterSnapshot,
} from '../../activities/chain/reads';
import { readClusterOperators } from '../../activities/chain/operators';
import {
  ChainIdMismatchError,
  ChainReadError,
  ClusterNotFoundError,
  InvalidChainDataError,
  InvalidOperatorDataError,
  InvalidReadArgumentError,
  OperatorKeyMismatchError,
  RollupNotRegisteredError,
  RpcUnavailableError,
} from '../../activities/chain/read-errors';
import { NON_RETRYABLE_TYPES } from '../../protocol/failure-types';

const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];
const IDS7 = [1, 2, 3, 4, 5, 6, 7];
const randomPubkey = () => ethers.hexlify(randomBytes(48));
const randomShares = () => ethers.hexlify(randomBytes(1312));

/** A realistic operator key: base64 of the "RSA PUBLIC KEY" PEM of a fresh RSA-2048 SPKI key. */
function operatorKey(): string {
  return encodeOperatorPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
}

/** Results cross Temporal activity boundaries: they must survive JSON unchanged. */
function assertJsonSafe(value: unknown): void {
  assert.deepEqual(JSON.parse(JSON.stringify(value)), value);
}

/**
 * An HTTP JSON-RPC proxy in front of anvil that answers eth_getLogs spanning more than `maxBlocks`
 * blocks with a node-style limit error, as hosted providers do.
 */
async function startLogLimitProxy(target: string, maxBlocks: number, error: { code: number; message: string }) {
  const state = { rejected: 0, getLogs: 0 };
  type Req = { id: unknown; method: string; params: { fromBlock: string; toBlock: string }[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const parsed = JSON.parse(body) as Req | Req[];
        const list = Array.isArray(parsed) ? parsed : [parsed];
        const answers = await Promise.all(
          list.map(async (r) => {
            if (r.method === 'eth_getLogs') {
              state.getLogs++;
              const span = Number(r.params[0].toBlock) - Number(r.params[0].fromBlock) + 1;
              if (span > maxBlocks) {
                state.rejected++;
                return { jsonrpc: '2.0', id: r.id, error };
              }
            }
            const answer = await fetch(target, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(r),
            });
            return (await answer.json()) as unknown;
          }),
        );
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('chain reads (anvil + local Nexus system)', function () {
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));

  let provider: ethers.JsonRpcProvider; // deploys and sends
  let reader: FailoverJsonRpcProvider; // the bot's read provider under test
  let system: NexusSystem;
  let rollup: RegisteredRollup;
  let owner: ethers.HDNodeWallet;
  let bot: ethers.HDNodeWallet;
  let adminA: ethers.HDNodeWallet;
  let stranger: ethers.HDNodeWallet;
  let adminB: ethers.HDNodeWallet;
  let deployBlock: number;
  const operatorKeys = new Map<number, string>();
  let snapshotId: string | undefined;

  const addr = () => system.addresses;

  before(async function () {
    this.timeout(120_000);
    provider = localProvider(anvil().rpcUrl, CHAIN_ID);
    reader = new FailoverJsonRpcProvider({ urls: [anvil().rpcUrl], chainId: CHAIN_ID });
    [owner, bot, adminA, stranger, adminB] = [0, 1, 2, 3, 4].map((i) => wallet(provider, i));
    deployBlock = (await provider.getBlockNumber()) + 1;
    // No SSV fees here: these tests register with an amount of 0 (funding has its own tests).
    system = await deployNexusSystem(owner, {
      bot: bot.address,
      ssv: { networkFeeWei: 0n, minimumLiquidationCollateralWei: 0n },
    });
    for (let i = 0; i < 8; i++) {
      const key = operatorKey();
      const id = await registerOperator(system, {
        publicKey: key,
        fee: 0n,
        dkgPort: 3030 + i,
        name: `operator-${i + 1}`,
      });
      operatorKeys.set(Number(id), key);
    }
    await addCluster(system, 1, IDS4);
    await addCluster(system, 2, [7, 3, 5, 1, 6, 2, 4], { keepOrder: true }); // stored as given: the bot sorts
    rollup = await registerRollup(system, {
      rollupAdmin: adminA,
      name: 'rollup-a',
      operatorCluster: 1,
      stakingLimit: 5000,
      funding: 100n * ETH,
    });
  });

  after(() => {
    reader?.destroy();
    provider?.destroy();
  });

  beforeEach(async () => {
    snapshotId = (await provider.send('evm_snapshot', [])) as string;
  });

  afterEach(async () => {
    if (snapshotId !== undefined) assert.ok(await provider.send('evm_revert', [snapshotId]), 'evm_revert failed');
    snapshotId = undefined;
  });

  /** SSVNetwork as the Nexus contract itself (the SSV owner of every rollup), by impersonation. */
  async function ssvAsNexus(): Promise<ethers.Contract> {
    await provider.send('anvil_impersonateAccount', [addr().nexus]);
    await provider.send('anvil_setBalance', [addr().nexus, ethers.toQuantity(10n * ETH)]);
    return system.contracts.ssvNetwork.connect(new ethers.JsonRpcSigner(provider, addr().nexus)) as ethers.Contract;
  }

  async function register(
    ssv: ethers.Contract,
    ids: number[],
    cluster: ClusterSnapshot | ReturnType<typeof clusterTuple>,
    pubkey = randomPubkey(),
  ) {
    const receipt = await send(ssv, 'registerValidator', pubkey, ids, randomShares(), 0n, cluster);
    const [added] = eventsOf(receipt, ssv, 'ValidatorAdded');
    return { pubkey, receipt, cluster: clusterOf(added.args.cluster) };
  }

  const mine = (blocks: number) => provider.send('anvil_mine', [ethers.toQuantity(blocks)]);

  // ---------------------------------------------------------------------------------- rollups

  describe('readRollupState', () => {
    it('returns what was set, read at one block, as JSON-safe values', async () => {
      const state = await readRollupState(reader, addr().nexus, adminA.address);
      assert.deepEqual(
        { ...state, blockNumber: 0, blockHash: '' },
        {
          rollupAdmin: adminA.address,
          bridge: ethers.getAddress(rollup.bridgeAddress),
          stakingLimit: 5000,
          operatorCluster: '1',
          bridgeBalanceWei: (100n * ETH).toString(),
          validatorCount: '0',
          bridgeKind: 'DAO',
          blockNumber: 0,
          blockHash: '',
        },
      );
      const block = await provider.getBlock(state.blockNumber);
      assert.equal(state.blockHash, block?.hash);
      assertJsonSafe(state);

      // Later changes show up at the new head, while the old block still reads the old values.
      await send(system.contracts.nexus.connect(adminA) as ethers.Contract, 'changeStakingLimit', 7000);
      await send(rollup.bridge, 'depositFunds', { value: 5n * ETH });
      const later = await readRollupState(reader, addr().nexus, adminA.address);
      assert.equal(later.stakingLimit, 7000);
      assert.equal(later.bridgeBalanceWei, (105n * ETH).toString());
      assert.ok(later.blockNumber > state.blockNumber);
      const pinned = await readRollupState(reader, addr().nexus, adminA.address, { blockTag: state.blockNumber });
      assert.deepEqual(pinned, state);

      const many = await readRollupStates(reader, addr().nexus, [adminA.address, stranger.address]);
      assert.deepEqual(
        many.rollups.map((r) => r.stakingLimit),
        [7000],
      );
      assert.deepEqual(many.notRegistered, [stranger.address]);
    });

    it('throws RollupNotRegisteredError for an unknown admin and rejects bad arguments', async () => {
      await assert.rejects(readRollupState(reader, addr().nexus, stranger.address), (err: unknown) => {
        assert.ok(err instanceof RollupNotRegisteredError);
        assert.equal(err.name, 'RollupNotRegisteredError');
        assert.match(err.message, new RegExp(stranger.address));
        return true;
      });
      await assert.rejects(readRollupState(reader, addr().nexus, '0x1234'), InvalidReadArgumentError);
      // A Nexus address with no contract: a clear error, not a decoding crash.
      await assert.rejects(readRollupState(reader, stranger.address, adminA.address), (err: unknown) => {
        assert.ok(err instanceof InvalidChainDataError);
        assert.match(err.message, /Nexus\.rollups\(.*returned no data/);
        return true;
      });
    });

    it('rejects a staking limit above 10000 from the chain with InvalidChainDataError', async () => {
      // Nexus storage: slot 0 owner, 1 offChainBot, 2 whitelistedRollups, 3 rollups (packed struct).
      const slot = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [adminA.address, 3]),
      );
      const word = BigInt(await provider.getStorage(addr().nexus, slot));
      assert.equal(
        ethers.getAddress(ethers.toBeHex(word & ((1n << 160n) - 1n), 20)),
        ethers.getAddress(rollup.bridgeAddress),
        'storage layout assumption',
      );
      assert.equal((word >> 160n) & 0xffffn, 5000n);
      const corrupted = (word & ~(0xffffn << 160n)) | (10001n << 160n);
      await provider.send('anvil_setStorageAt', [addr().nexus, slot, ethers.toBeHex(corrupted, 32)]);
      await assert.rejects(readRollupState(reader, addr().nexus, adminA.address), (err: unknown) => {
        assert.ok(err instanceof InvalidChainDataError);
        assert.match(err.message, /Nexus\.rollups\(.*stakingLimit 10001/);
        return true;
      });
    });
  });

  // ---------------------------------------------------------------------------------- operators

  describe('readClusterOperators', () => {
    it('returns the operators ascending with their keys and DKG endpoints', async () => {
      const four = await readClusterOperators(
        reader,
        { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork },
        1,
        { fromBlock: 0, maxRange: 10_000 },
      );
      assert.deepEqual(
        four.map((o) => o.id),
        IDS4,
      );
      for (const o of four) {
        assert.equal(o.publicKeyBase64, operatorKeys.get(o.id));
        assert.equal(o.dkgEndpoint, `https://127.0.0.1:${3030 + o.id - 1}`);
        assert.equal(o.name, `operator-${o.id}`);
        decodeOperatorPublicKey(o.publicKeyBase64); // a real RSA key
      }
      assertJsonSafe(four);
      const seven = await readClusterOperators(
        reader,
        { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork },
        '2',
        { fromBlock: 0, maxRange: 10_000 },
      );
      assert.deepEqual(
        seven.map((o) => o.id),
        IDS7,
      );
    });

    it('throws ClusterNotFoundError for a cluster NodeOperator does not have', async () => {
      await assert.rejects(
        readClusterOperators(reader, { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork }, 99n, {
          fromBlock: 0,
          maxRange: 10_000,
        }),
        (err: unknown) => {
          assert.ok(err instanceof ClusterNotFoundError);
          assert.match(err.message, /getCluster\(99\) reverted ClusterNotPresent/);
          return true;
        },
      );
    });

    it('rejects a 5-operator cluster, a bad DKG endpoint and a missing key, naming the operator', async () => {
      await addCluster(system, 3, [1, 2, 3, 4, 5]);
      await assert.rejects(
        readClusterOperators(reader, { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork }, 3, {
          fromBlock: 0,
          maxRange: 10_000,
        }),
        (err: unknown) => {
          assert.ok(err instanceof InvalidOperatorDataError);
          assert.match(err.message, /cluster 3 has 5 operators \(1,2,3,4,5\).*4, 7, 10 or 13/);
          return true;
        },
      );

      // Each bad operator is registered as the public contracts allow: in SSVNetwork (which gives
      // the id) and with the same key in NodeOperator, so only the named defect remains.
      const nodeOperator = system.contracts.nodeOperator;
      const cases: [string, string, (id: number) => RegExp][] = [
        [
          operatorKey(),
          'http://10.0.0.1:3030',
          (id) => new RegExp(`operator ${id} .*DKG endpoint "http://10\\.0\\.0\\.1:3030", expected https://host:port`),
        ],
        [
          operatorKey(),
          'https://dkg.example.org',
          (id) => new RegExp(`operator ${id} .*DKG endpoint "https://dkg\\.example\\.org"`),
        ],
        [operatorKey(), 'https://dkg.example.org:3030/path', (id) => new RegExp(`operator ${id} .*DKG endpoint`)],
        ['', 'https://10.0.0.3:3030', (id) => new RegExp(`operator ${id} .*has no public key`)],
        [
          'bm90IGEga2V5',
          'https://10.0.0.4:3030',
          (id) => new RegExp(`operator ${id} .*not base64 of an "RSA PUBLIC KEY" PEM`),
        ],
      ];
      const ids: number[] = [];
      for (const [i, [key, endpoint, message]] of cases.entries()) {
        const id = Number(await registerOperator(system, { publicKey: key, fee: 0n, dkgPort: 1, name: `bad-${i}` }));
        await send(nodeOperator, 'updateSSVOperatorIP', id, endpoint);
        ids.push(id);
        await addCluster(system, 10 + i, [1, 2, 3, id]);
        await assert.rejects(
          readClusterOperators(reader, { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork }, 10 + i, {
            fromBlock: 0,
            maxRange: 10_000,
          }),
          (err: unknown) => {
            assert.ok(err instanceof InvalidOperatorDataError, String(err));
            assert.equal(err.operatorId, id);
            assert.match(err.message, message(id));
            return true;
          },
        );
      }
      // The same operator with a fixed endpoint (SSVOperatorUpdated, read back through ssvDKGIP) is accepted.
      await send(nodeOperator, 'updateSSVOperatorIP', ids[0], 'https://dkg-100.example.org:3030/');
      const fixed = await readClusterOperators(
        reader,
        { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork },
        10,
        { fromBlock: 0, maxRange: 10_000 },
      );
      assert.equal(fixed[3].dkgEndpoint, 'https://dkg-100.example.org:3030');
    });

    it('refuses, before anything else, an operator whose NodeOperator key disagrees with SSVNetwork, or that SSV does not know', async () => {
      const nodeOperator = system.contracts.nodeOperator;
      // SSV knows one key (OperatorAdded), NodeOperator announces another (SSVOperatorRegistered).
      const ssvKey = operatorKey();
      const receipt = await send(
        system.contracts.ssvNetwork,
        'registerOperator',
        ethers.AbiCoder.defaultAbiCoder().encode(['string'], [ssvKey]),
        0n,
      );
      const id = Number(eventsOf(receipt, system.contracts.ssvNetwork, 'OperatorAdded')[0].args.operatorId);
      await send(nodeOperator, 'registerSSVOperator', id, operatorKey(), 'https://10.0.0.9:3030', 'two-keys');
      await addCluster(system, 20, [1, 2, 3, id]);
      await assert.rejects(
        readClusterOperators(reader, { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork }, 20, {
          fromBlock: 0,
          maxRange: 10_000,
        }),
        (err: unknown) => {
          assert.ok(err instanceof OperatorKeyMismatchError, String(err));
          assert.match(err.message, new RegExp(`operator ${id}\\b`));
          return true;
        },
      );
      assert.ok(NON_RETRYABLE_TYPES.includes('OperatorKeyMismatchError'), 'a key mismatch must not be retried');

      // An id NodeOperator lists that SSVNetwork never registered.
      await send(nodeOperator, 'registerSSVOperator', 500, operatorKey(), 'https://10.0.0.5:3030', 'unknown-to-ssv');
      await addCluster(system, 21, [1, 2, 3, 500]);
      await assert.rejects(
        readClusterOperators(reader, { nodeOperator: addr().nodeOperator, ssvNetwork: addr().ssvNetwork }, 21, {
          fromBlock: 0,
          maxRange: 10_000,
        }),
        (err: unknown) => {
          assert.ok(err instanceof OperatorKeyMismatchError, String(err));
          assert.match(err.message, /operator 500 .*no OperatorAdded event/);
          return true;
        },
      );
    });
  });

  // ---------------------------------------------------------------------------------- SSV nonce

  describe('readSsvOwnerNonce', () => {
    it('counts exactly the ValidatorAdded events of the owner across many small chunks', async () => {
      const asNexus = await ssvAsNexus();
      const asStranger = system.contracts.ssvNetwork.connect(stranger) as ethers.Contract;
      const empty = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: deployBlock,
        maxRange: 5,
      });
      assert.equal(empty.nonce, 0);
      assert.equal(empty.lastValidatorAdded, null);

      let cluster = clusterTuple(NEW_CLUSTER_SNAPSHOT);
      for (let i = 0; i < 3; i++) {
        cluster = (await register(asNexus, IDS4, cluster)).cluster;
        await mine(4);
      }
      const middle = await provider.getBlockNumber();
      // Another owner's registrations (same operators) must not count.
      let strangerCluster = clusterTuple(NEW_CLUSTER_SNAPSHOT);
      for (let i = 0; i < 2; i++) strangerCluster = (await register(asStranger, IDS4, strangerCluster)).cluster;
      // A bulk registration: one event (one nonce) per key.
      const bulkKeys = [randomPubkey(), randomPubkey()];
      const bulk = await send(
        asNexus,
        'bulkRegisterValidator',
        bulkKeys,
        IDS4,
        [randomShares(), randomShares()],
        0n,
        cluster,
      );
      await mine(7);

      const progress: number[] = [];
      const nonce = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: deployBlock,
        maxRange: 3,
        onProgress: (p) => progress.push(p.scannedBlocks),
      });
      const head = await provider.getBlockNumber();
      assert.equal(nonce.nonce, 5);
      assert.equal(nonce.owner, addr().nexus);
      assert.equal(nonce.blockNumber, head);
      assert.equal(nonce.lastValidatorAdded?.publicKey, bulkKeys[1]);
      assert.equal(nonce.lastValidatorAdded?.transactionHash, bulk.hash);
      assert.ok(progress.length >= Math.ceil((head - deployBlock + 1) / 3), `scanned in chunks (${progress.length})`);
      assert.equal(progress[progress.length - 1], head - deployBlock + 1);
      assertJsonSafe(nonce);

      assert.equal(
        (await readSsvOwnerNonce(reader, addr().ssvNetwork, stranger.address, { fromBlock: deployBlock, maxRange: 4 }))
          .nonce,
        2,
      );
      assert.equal(
        (await readSsvOwnerNonce(reader, addr().ssvNetwork, adminB.address, { fromBlock: deployBlock, maxRange: 4 }))
          .nonce,
        0,
      );

      // Resuming from a checkpoint gives the same count; a toBlock in the past gives the nonce then.
      const first = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: deployBlock,
        toBlock: middle,
        maxRange: 10,
      });
      assert.equal(first.nonce, 3);
      assert.equal(first.blockNumber, middle);
      const resumed = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: middle + 1,
        maxRange: 10,
        startNonce: first.nonce,
      });
      assert.equal(resumed.nonce, 5);

      // A backend whose head lags at `middle` answers 3 where 5 nonces are used: below the floor, refused.
      assert.throws(
        () => nonceAtLeast(first, resumed.nonce),
        (err: unknown) =>
          err instanceof OwnerNonceBehindError &&
          err.read === 3 &&
          err.floor === 5 &&
          err.blockNumber === middle &&
          /lags behind/.test(err.message),
      );
      assert.equal(nonceAtLeast(resumed, 5), 5);
      assert.equal(nonceAtLeast(first, undefined), 3, 'without a floor (a fresh registrar) the read stands');
    });

    it('halves the range when the node rejects a big eth_getLogs and still counts exactly', async () => {
      const asNexus = await ssvAsNexus();
      let cluster = clusterTuple(NEW_CLUSTER_SNAPSHOT);
      for (let i = 0; i < 4; i++) {
        cluster = (await register(asNexus, IDS4, cluster)).cluster;
        await mine(3);
      }
      const limits = [
        { code: -32005, message: 'query returned more than 10000 results' }, // Infura style
        {
          code: -32602,
          message: 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range',
        }, // Alchemy style
        { code: -32000, message: 'block range too large' },
      ];
      for (const error of limits) {
        const proxy = await startLogLimitProxy(anvil().rpcUrl, 4, error);
        const limited = new FailoverJsonRpcProvider({ urls: [proxy.url], chainId: CHAIN_ID });
        try {
          const nonce = await readSsvOwnerNonce(limited, addr().ssvNetwork, addr().nexus, {
            fromBlock: deployBlock,
            maxRange: 64,
          });
          assert.equal(nonce.nonce, 4, error.message);
          assert.ok(proxy.state.rejected > 0, 'the proxy rejected the large ranges');
          const snapshot = await readClusterSnapshot(limited, addr().ssvNetwork, addr().nexus, IDS4, {
            fromBlock: deployBlock,
            maxRange: 64,
          });
          assert.deepEqual(clusterTuple(snapshot.cluster), cluster);
        } finally {
          limited.destroy();
          await proxy.close();
        }
      }
      // Other node errors are not range errors: they surface with the contract, event and range named.
      const proxy = await startLogLimitProxy(anvil().rpcUrl, 0, {
        code: -32603,
        message: 'internal error: database closed',
      });
      const broken = new FailoverJsonRpcProvider({ urls: [proxy.url], chainId: CHAIN_ID });
      try {
        await assert.rejects(
          readSsvOwnerNonce(broken, addr().ssvNetwork, addr().nexus, { fromBlock: deployBlock, maxRange: 64 }),
          (err: unknown) => {
            assert.ok(err instanceof ChainReadError);
            assert.match(
              err.message,
              /eth_getLogs for SSVNetwork ValidatorAdded at 0x[0-9a-fA-F]{40} in blocks \d+\.\.\d+ failed: .*database closed/,
            );
            return true;
          },
        );
        assert.equal(proxy.state.getLogs, 1, 'no halving on a non-limit error');
      } finally {
        broken.destroy();
        await proxy.close();
      }
    });

    it('recognises node limit errors by message and code, but not rate limits', () => {
      const rpcError = (code: number, message: string) => ({
        message: 'could not coalesce error',
        error: { code, message },
      });
      assert.ok(isLogRangeLimitError(rpcError(-32005, 'query returned more than 10000 results')));
      assert.ok(isLogRangeLimitError(rpcError(-32600, 'eth_getLogs is limited to a 10,000 range')));
      assert.ok(isLogRangeLimitError(rpcError(-32000, 'exceed maximum block range: 5000')));
      assert.ok(isLogRangeLimitError(rpcError(-32000, 'Requested range exceeds maximum range limit')));
      assert.ok(isLogRangeLimitError(rpcError(-32062, 'Block range is too large')));
      assert.ok(!isLogRangeLimitError(rpcError(-32005, 'project ID request rate exceeded')));
      assert.ok(!isLogRangeLimitError(rpcError(429, 'Too Many Requests')));
      assert.ok(!isLogRangeLimitError(rpcError(-32603, 'internal error')));
    });
  });

  // ---------------------------------------------------------------------------------- SSV cluster

  describe('readClusterSnapshot', () => {
    it('returns the latest event tuple for exactly (owner, operatorIds), and {0,0,0,true,0} for a fresh cluster', async () => {
      const asNexus = await ssvAsNexus();
      const read = (ids: number[], maxRange = 3) =>
        readClusterSnapshot(reader, addr().ssvNetwork, addr().nexus, ids, { fromBlock: deployBlock, maxRange });

      const fresh = await read(IDS4);
      assert.deepEqual(fresh.cluster, NEW_CLUSTER_SNAPSHOT);
      assert.equal(fresh.source, null);

      const first = await register(asNexus, IDS4, fresh.cluster);
      await mine(5);
      // Other clusters: a superset of the same operators, and another owner with the same operators.
      const seven = await register(asNexus, IDS7, NEW_CLUSTER_SNAPSHOT);
      await register(system.contracts.ssvNetwork.connect(stranger) as ethers.Contract, IDS4, NEW_CLUSTER_SNAPSHOT);
      // A top-up of Nexus' 4-operator cluster by someone else: ClusterDeposited carries the snapshot.
      await send(system.contracts.ssvToken, 'mint', owner.address, 50n * ETH);
      await send(system.contracts.ssvToken, 'approve', addr().ssvNetwork, 50n * ETH);
      const deposit = await send(system.contracts.ssvNetwork, 'deposit', addr().nexus, IDS4, 5n * ETH, first.cluster);
      const [deposited] = eventsOf(deposit, system.contracts.ssvNetwork, 'ClusterDeposited');
      await mine(10);

      const latest = await read(IDS4);
      assert.deepEqual(clusterTuple(latest.cluster), clusterOf(deposited.args.cluster));
      assert.deepEqual(latest.cluster, {
        validatorCount: 1,
        networkFeeIndex: '0',
        index: '0',
        active: true,
        balance: (5n * ETH).toString(),
      });
      const depositLog = deposit.logs.find((l) => l.topics[0] === deposited.topic);
      assert.deepEqual(latest.source, {
        event: 'ClusterDeposited',
        blockNumber: deposit.blockNumber,
        transactionHash: deposit.hash,
        logIndex: depositLog?.index,
      });
      assert.equal(latest.blockNumber, await provider.getBlockNumber());
      assertJsonSafe(latest);

      // The returned snapshot (JSON form, passed as is) registers; the stale one reverts.
      await expectRevert(
        asNexus.registerValidator(randomPubkey(), IDS4, randomShares(), 0n, first.cluster),
        'IncorrectClusterState',
      );
      const second = await register(asNexus, IDS4, latest.cluster);
      assert.equal(second.cluster.validatorCount, 2n);
      const afterAdd = await read(IDS4);
      assert.equal(afterAdd.source?.event, 'ValidatorAdded');
      assert.deepEqual(clusterTuple(afterAdd.cluster), second.cluster);

      // A removal is an event with a snapshot too.
      const removal = await send(asNexus, 'removeValidator', second.pubkey, IDS4, afterAdd.cluster);
      const afterRemove = await read(IDS4, 1);
      assert.equal(afterRemove.source?.event, 'ValidatorRemoved');
      assert.equal(afterRemove.source?.transactionHash, removal.hash);
      assert.equal(afterRemove.cluster.validatorCount, 1);
      await register(asNexus, IDS4, afterRemove.cluster);

      // Exact operator list: the 7-operator cluster has its own snapshot; an unused list is fresh.
      assert.deepEqual(clusterTuple((await read(IDS7)).cluster), seven.cluster);
      assert.deepEqual((await read([5, 6, 7, 8])).cluster, NEW_CLUSTER_SNAPSHOT);
      // The stranger's cluster is not Nexus' cluster.
      const strangers = await readClusterSnapshot(reader, addr().ssvNetwork, stranger.address, IDS4, {
        fromBlock: deployBlock,
        maxRange: 50,
      });
      assert.equal(strangers.cluster.validatorCount, 1);
      assert.equal(strangers.cluster.balance, '0');
    });

    it('rejects operator lists SSV would reject', async () => {
      const read = (ids: number[]) =>
        readClusterSnapshot(reader, addr().ssvNetwork, addr().nexus, ids, { fromBlock: deployBlock, maxRange: 10 });
      await assert.rejects(read([2, 1, 3, 4]), /strictly ascending/);
      await assert.rejects(read([1, 2, 3, 4, 5]), /4, 7, 10 or 13/);
      await assert.rejects(read([0, 1, 2, 3]), InvalidReadArgumentError);
    });
  });

  // ---------------------------------------------------------------------------------- statuses

  describe('readValidatorStatuses', () => {
    it('follows deposit, shares and exit, in input order, over many keys in batches', async () => {
      const nexusAsBot = system.contracts.nexus.connect(bot) as ethers.Contract;
      const validators = await makeValidators(rollup.bridgeAddress, 2);
      await send(nexusAsBot, 'depositValidatorRollup', adminA.address, validators);
      const [v0, v1] = validators.map((v) => v.pubKey.toLowerCase());

      const snapshot = await readClusterSnapshot(reader, addr().ssvNetwork, addr().nexus, IDS4, {
        fromBlock: deployBlock,
        maxRange: 1000,
      });
      const nonceBefore = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: deployBlock,
        maxRange: 1000,
      });
      await send(nexusAsBot, 'depositValidatorShares', adminA.address, {
        pubKey: v0,
        operatorIds: IDS4,
        sharesEncrypted: randomShares(),
        amount: 1n * ETH,
        cluster: snapshot.cluster,
      });
      const nonceAfter = await readSsvOwnerNonce(reader, addr().ssvNetwork, addr().nexus, {
        fromBlock: deployBlock,
        maxRange: 1000,
      });
      assert.equal(nonceAfter.nonce, nonceBefore.nonce + 1);
      assert.equal(nonceAfter.lastValidatorAdded?.publicKey, v0);

      const unknown = randomPubkey();
      const afterShares = await readValidatorStatuses(reader, addr().nexus, [v0, v1, unknown]);
      assert.deepEqual(afterShares.statuses, [
        { pubkey: v0, status: 'SHARE_DEPOSITED' },
        { pubkey: v1, status: 'DEPOSITED' },
        { pubkey: unknown, status: 'INACTIVE' },
      ]);
      assertJsonSafe(afterShares);

      await send(nexusAsBot, 'validatorExit(address,bytes,uint64[])', adminA.address, v0, IDS4);
      const many = [...Array.from({ length: 300 }, randomPubkey), v1, v0.toUpperCase().replace('0X', '0x')];
      const t0 = Date.now();
      const afterExit = await readValidatorStatuses(reader, addr().nexus, many, { chunkSize: 128 });
      const ms = Date.now() - t0;
      assert.equal(afterExit.statuses.length, many.length);
      assert.deepEqual(afterExit.statuses.slice(-2), [
        { pubkey: v1, status: 'DEPOSITED' },
        { pubkey: v0, status: 'VALIDATOR_EXIT_SUBMITTED' },
      ]);
      assert.ok(afterExit.statuses.slice(0, 300).every((s) => s.status === 'INACTIVE'));
      assert.ok(ms < 10_000, `302 statuses took ${ms} ms`);
      // Pinned to a block: the earlier block still shows the earlier status.
      const before = await readValidatorStatuses(reader, addr().nexus, [v0], { blockTag: afterShares.blockNumber });
      assert.equal(before.statuses[0].status, 'SHARE_DEPOSITED');

      const state = await readRollupState(reader, addr().nexus, adminA.address);
      assert.equal(state.validatorCount, '2');
      assert.equal(state.bridgeBalanceWei, (36n * ETH).toString());

      await assert.rejects(readValidatorStatuses(reader, addr().nexus, ['0x1234']), /pubkeys\[0\] must be a 48-byte/);
    });
  });

  // ---------------------------------------------------------------------------------- events

  describe('readRollupEvents', () => {
    it('returns the wake-up events of one rollup (or all), in chain order, across chunks', async () => {
      const nexusAs = (w: ethers.Signer) => system.contracts.nexus.connect(w) as ethers.Contract;
      const rollupB = await registerRollup(system, {
        rollupAdmin: adminB,
        name: 'rollup-b',
        operatorCluster: 2,
        stakingLimit: 100,
      });
      await mine(3);
      const limit = await send(nexusAs(adminA), 'changeStakingLimit', 6000);
      await send(nexusAs(adminB), 'changeStakingLimit', 200);
      await mine(2);
      const change = await send(nexusAs(adminA), 'changeCluster', 2);

      const mineOnly = await readRollupEvents(reader, addr().nexus, adminA.address, {
        fromBlock: deployBlock,
        maxRange: 2,
      });
      assert.equal(mineOnly.fromBlock, deployBlock);
      assert.equal(mineOnly.toBlock, await provider.getBlockNumber());
      assert.deepEqual(
        mineOnly.events.map((e) => ({ ...e, logIndex: 0 })),
        [
          {
            event: 'RollupRegistered',
            rollupAdmin: adminA.address,
            bridge: ethers.getAddress(rollup.bridgeAddress),
            stakingLimit: 5000,
            operatorCluster: '1',
            nexusFee: '700',
            blockNumber: mineOnly.events[0].blockNumber,
            transactionHash: mineOnly.events[0].transactionHash,
            logIndex: 0,
          },
          {
            event: 'StakingLimitChanged',
            rollupAdmin: adminA.address,
            stakingLimit: 6000,
            blockNumber: limit.blockNumber,
            transactionHash: limit.hash,
            logIndex: 0,
          },
          {
            event: 'RollupOperatorClusterChanged',
            rollupAdmin: adminA.address,
            operatorCluster: '2',
            blockNumber: change.blockNumber,
            transactionHash: change.hash,
            logIndex: 0,
          },
        ],
      );
      assertJsonSafe(mineOnly);

      const all = await readRollupEvents(reader, addr().nexus, null, { fromBlock: deployBlock, maxRange: 1000 });
      assert.deepEqual(
        all.events.map((e) => `${e.event}:${e.rollupAdmin === adminA.address ? 'A' : 'B'}`),
        [
          'RollupRegistered:A',
          'RollupRegistered:B',
          'StakingLimitChanged:A',
          'StakingLimitChanged:B',
          'RollupOperatorClusterChanged:A',
        ],
      );
      const b = all.events.find((e) => e.event === 'RollupRegistered' && e.rollupAdmin === adminB.address);
      assert.equal(b?.event === 'RollupRegistered' ? b.bridge : undefined, ethers.getAddress(rollupB.bridgeAddress));

      // The next poll starts after toBlock and sees only newer events.
      await send(nexusAs(adminA), 'changeStakingLimit', 6500);
      const next = await readRollupEvents(reader, addr().nexus, [adminA.address], {
        fromBlock: mineOnly.toBlock + 1,
        maxRange: 10,
      });
      assert.deepEqual(
        next.events.map((e) => (e.event === 'StakingLimitChanged' ? e.stakingLimit : e.event)),
        [6500],
      );
    });
  });

  // ---------------------------------------------------------------------------------- RPC

  describe('FailoverJsonRpcProvider', () => {
    it('answers through the second URL when the first is a closed port, and names the dead one', async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const { provider: failover, checks } = await createChainProvider({
        urls: [dead, anvil().rpcUrl],
        chainId: CHAIN_ID,
      });
      try {
        assert.equal(checks[0].ok, false);
        assert.match(checks[0].error ?? '', /ECONNREFUSED/);
        assert.deepEqual(checks[1], {
          endpoint: describeRpcUrl(anvil().rpcUrl, 1),
          ok: true,
          chainId: String(CHAIN_ID),
        });
        const state = await readRollupState(failover, addr().nexus, adminA.address);
        assert.equal(state.stakingLimit, 5000);
        const status = failover.endpointStatus;
        assert.equal(status[0].healthy, false);
        assert.equal(status[1].healthy, true);
        assert.equal(status[1].chainIdVerified, true);
      } finally {
        failover.destroy();
      }

      // Without the start-up check: the first request fails over by itself.
      const lazy = new FailoverJsonRpcProvider({ urls: [dead, anvil().rpcUrl], chainId: CHAIN_ID });
      try {
        assert.equal(await lazy.getBlockNumber(), await provider.getBlockNumber());
      } finally {
        lazy.destroy();
      }
    });

    it('fails over when the preferred node dies later (what FallbackProvider with quorum 1 does not do)', async () => {
      const second = await startAnvil({ chainId: CHAIN_ID });
      const probe = ethers.Wallet.createRandom().address;
      try {
        const direct = new ethers.JsonRpcProvider(second.rpcUrl, CHAIN_ID, { staticNetwork: true });
        await direct.send('anvil_setBalance', [probe, ethers.toQuantity(7n)]);
        direct.destroy();
        const failover = new FailoverJsonRpcProvider({
          urls: [second.rpcUrl, anvil().rpcUrl],
          chainId: CHAIN_ID,
          endpointCooldownMs: 60_000,
        });
        try {
          assert.equal(await failover.getBalance(probe), 7n, 'the preferred node answers first');
          await second.stop();
          assert.equal(await failover.getBalance(probe), 0n, 'the other node answers after the first died');
          assert.equal(failover.endpointStatus[0].healthy, false);
          // Many calls at once (one JSON-RPC batch) also go to the live node.
          const balances = await Promise.all(Array.from({ length: 20 }, () => failover.getBalance(probe)));
          assert.ok(balances.every((b) => b === 0n));
        } finally {
          failover.destroy();
        }
      } finally {
        await second.stop();
      }
    });

    it('refuses an endpoint on another chain id, naming the URL; all endpoints down is RpcUnavailableError', async () => {
      const other = await startAnvil({ chainId: 1337 });
      try {
        await assert.rejects(
          createChainProvider({ urls: [anvil().rpcUrl, other.rpcUrl], chainId: CHAIN_ID }),
          (err: unknown) => {
            assert.ok(err instanceof ChainIdMismatchError);
            assert.equal(err.name, 'ChainIdMismatchError');
            assert.ok(err.message.includes(`rpc#2 ${other.rpcUrl}`), err.message);
            assert.match(err.message, /chain id 1337, but the bot is configured for chain id 31337/);
            return true;
          },
        );
        // Checked before first use too, when the start-up check was skipped.
        const dead = `http://127.0.0.1:${await freePort()}`;
        const lazy = new FailoverJsonRpcProvider({ urls: [dead, other.rpcUrl], chainId: CHAIN_ID });
        try {
          await assert.rejects(
            lazy.getBlockNumber(),
            (err: unknown) => err instanceof ChainIdMismatchError && err.message.includes(other.rpcUrl),
          );
        } finally {
          lazy.destroy();
        }
      } finally {
        await other.stop();
      }
      const deadA = `http://127.0.0.1:${await freePort()}`;
      const deadB = `http://127.0.0.1:${await freePort()}`;
      const down = new FailoverJsonRpcProvider({ urls: [deadA, deadB], chainId: CHAIN_ID, requestTimeoutMs: 2_000 });
      try {
        await assert.rejects(down.getBlockNumber(), (err: unknown) => {
          assert.ok(err instanceof RpcUnavailableError, String(err));
          assert.ok(err.message.includes(deadA) && err.message.includes(deadB), err.message);
          return true;
        });
      } finally {
        down.destroy();
      }
      assert.throws(
        () => new FailoverJsonRpcProvider({ urls: ['ws://127.0.0.1:8546'], chainId: CHAIN_ID }),
        /must be http\(s\)/,
      );
      assert.throws(() => new FailoverJsonRpcProvider({ urls: [], chainId: CHAIN_ID }), /at least one RPC URL/);
    });

    it('redacts credentials, paths and queries of RPC URLs in messages', () => {
      assert.equal(
        describeRpcUrl('https://user:pw@eth.example.org/v3/SECRETKEY?x=1', 0),
        'rpc#1 https://eth.example.org/…',
      );
      assert.equal(describeRpcUrl('http://127.0.0.1:8545', 2), 'rpc#3 http://127.0.0.1:8545');
    });
  });
});
