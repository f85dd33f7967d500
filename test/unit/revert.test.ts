// decodeRevert against every error shape ethers v6 produces for a revert, built from real calls on
// anvil with the local Nexus system (estimateGas, call, Contract.staticCall, Contract send,
// bubbled bridge and SSVNetwork errors, Error(string), empty reverts), plus the JSON-RPC shapes
// other nodes and layers produce (raw error objects, response bodies, nested data, `cause` chains).
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { ALL_ERRORS_INTERFACE, nexusInterface } from '../../activities/chain/abi';
import {
  ContractRevertError,
  NON_RETRYABLE_REVERT_TYPES,
  REVERT_CLASSIFICATION,
  asContractRevert,
  classifyRevert,
  decodeRevert,
  decodeRevertData,
  isRetryableRevert,
  type DecodedRevert,
} from '../../activities/chain/revert';
import { toApplicationFailure } from '../../activities/chain/tx-manager';
import { contractInterface } from '../../contracts/artifacts';
import { nexusContractName } from '../../contracts/deploy';
import { ETH, NEW_CLUSTER, clusterOf, eventsOf, makeValidators, send, useContractFixture } from '../contracts/helpers';

async function caught(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (err) {
    return err;
  }
  assert.fail('expected the action to throw');
}

function expectDecoded(err: unknown, name: string, kind: DecodedRevert['kind'] = 'custom'): DecodedRevert {
  const d = decodeRevert(err);
  assert.ok(d, `no revert decoded from ${String((err as Error)?.message ?? err).slice(0, 200)}`);
  assert.equal(d.name, name);
  assert.equal(d.kind, kind);
  return d;
}

const selectorOf = (name: string) => ALL_ERRORS_INTERFACE.getError(name)!.selector;

describe('unit: revert decoding (revert.ts)', function () {
  const fx = useContractFixture();
  const admin = () => fx().rollupAdmin.address;
  const nexusAddress = () => fx().system.addresses.nexus;
  const unknownKey = '0x' + '11'.repeat(48);

  describe('ethers v6 errors from real calls', () => {
    it('provider.estimateGas: CALL_EXCEPTION with data and info.error (NotNexusBot from a stranger)', async () => {
      const data = nexusInterface.encodeFunctionData('validatorExit(address,bytes,uint64[])', [
        admin(),
        unknownKey,
        fx().operatorIds,
      ]);
      const err = await caught(() =>
        fx().provider.estimateGas({ from: fx().stranger.address, to: nexusAddress(), data }),
      );
      assert.equal((err as { code?: string }).code, 'CALL_EXCEPTION');
      const d = expectDecoded(err, 'NotNexusBot');
      assert.equal(d.selector, selectorOf('NotNexusBot'));
      assert.deepEqual(d.args, []);
      assert.equal(d.signature, 'NotNexusBot()');
    });

    it('provider.call: IncorrectValidatorStatus for an unknown key', async () => {
      const data = nexusInterface.encodeFunctionData('validatorExit(address,bytes,uint64[])', [
        admin(),
        unknownKey,
        fx().operatorIds,
      ]);
      const err = await caught(() => fx().provider.call({ from: fx().bot.address, to: nexusAddress(), data }));
      expectDecoded(err, 'IncorrectValidatorStatus');
    });

    it('Contract staticCall (data on the error, no info) and Contract send (estimateGas inside the signer)', async () => {
      const nexus = new ethers.Contract(nexusAddress(), nexusInterface, fx().bot);
      const share = {
        pubKey: unknownKey,
        operatorIds: fx().operatorIds,
        sharesEncrypted: '0x',
        amount: ETH,
        cluster: NEW_CLUSTER,
      };
      const staticErr = await caught(() => nexus.depositValidatorShares.staticCall(admin(), share));
      expectDecoded(staticErr, 'IncorrectValidatorStatus');
      const sendErr = await caught(() => nexus.depositValidatorShares(admin(), share));
      assert.equal((sendErr as { action?: string }).action, 'estimateGas');
      expectDecoded(sendErr, 'IncorrectValidatorStatus');
    });

    it('errors that bubble up through Nexus from the bridge (StakingLimitExceeding) and SSVNetwork (IncorrectClusterState)', async () => {
      // 100 ETH on the bridge, limit 50%: four validators (128 ETH) exceed it.
      const four = await makeValidators(fx().rollup.bridgeAddress, 4);
      const limitErr = await caught(() => fx().nexusAsBot.depositValidatorRollup.estimateGas(admin(), four));
      expectDecoded(limitErr, 'StakingLimitExceeding');
      assert.equal(isRetryableRevert('StakingLimitExceeding'), false);

      const [one] = four;
      await send(fx().nexusAsBot, 'depositValidatorRollup', admin(), [one]);
      const staleCluster = { ...NEW_CLUSTER, validatorCount: 3n };
      const share = {
        pubKey: one.pubKey,
        operatorIds: fx().operatorIds,
        sharesEncrypted: '0x',
        amount: ETH,
        cluster: staleCluster,
      };
      const clusterErr = await caught(() =>
        fx().provider.estimateGas({
          from: fx().bot.address,
          to: nexusAddress(),
          data: nexusInterface.encodeFunctionData('depositValidatorShares', [admin(), share]),
        }),
      );
      expectDecoded(clusterErr, 'IncorrectClusterState');
      const asError = asContractRevert(clusterErr, { phase: 'estimate', label: 'depositValidatorShares' });
      assert.ok(asError);
      assert.equal(asError.retry, 'after-refresh');
      assert.equal(asError.retryable, true);
      assert.equal(asError.type, 'Revert:IncorrectClusterState');
    });

    it('errors with arguments decode them (ValidatorAlreadyExistsWithData(bytes) from SSVNetwork)', async () => {
      // Uniqueness is per (pubkey, owner): register the same key twice from one owner, directly.
      const ssv = fx().system.contracts.ssvNetwork;
      const token = fx().system.contracts.ssvToken;
      await send(token, 'mint', fx().owner.address, 100n * ETH);
      await send(token, 'approve', await ssv.getAddress(), 100n * ETH);
      const pubKey = '0x' + '22'.repeat(48);
      const receipt = await send(ssv, 'registerValidator', pubKey, fx().operatorIds, '0x', ETH, NEW_CLUSTER);
      const cluster = clusterOf(eventsOf(receipt, ssv, 'ValidatorAdded')[0].args.cluster);
      const err = await caught(() => ssv.registerValidator.estimateGas(pubKey, fx().operatorIds, '0x', ETH, cluster));
      const d = expectDecoded(err, 'ValidatorAlreadyExistsWithData');
      assert.deepEqual(d.args, [pubKey]);
    });

    it('Error(string) from a require with a message', async () => {
      const deposit = new ethers.Interface(['function deposit(bytes,bytes,bytes,bytes32) payable']);
      const data = deposit.encodeFunctionData('deposit', ['0x11', '0x', '0x', ethers.ZeroHash]);
      const err = await caught(() =>
        fx().provider.estimateGas({ from: fx().bot.address, to: fx().system.addresses.depositContract, data }),
      );
      const d = expectDecoded(err, 'Error', 'error-string');
      assert.equal(d.reason, 'DepositContract: invalid pubkey length');
      assert.equal(d.selector, '0x08c379a0');
    });

    it('an empty revert (unknown function selector, no fallback) is EmptyRevert', async () => {
      const err = await caught(() =>
        fx().provider.call({ from: fx().bot.address, to: nexusAddress(), data: '0x12345678' }),
      );
      expectDecoded(err, 'EmptyRevert', 'empty');
    });

    it('a custom error missing from the bot ABI is UnknownCustomError with its selector; a fuller interface decodes it', async () => {
      const nexus = fx().system.contracts.nexus.connect(fx().stranger) as ethers.Contract;
      const err = await caught(() => nexus.setOffChainBot.estimateGas(fx().stranger.address));
      const d = expectDecoded(err, 'UnknownCustomError', 'unknown');
      const full = await contractInterface(nexusContractName(fx().system.nexusVersion));
      assert.equal(d.selector, full.getError('NotOwner')!.selector);
      assert.equal(decodeRevert(err, full)?.name, 'NotOwner');
    });

    it('depositValidatorRollup for an admin Nexus does not know reverts WITHOUT data (the public contract calls address(0)): EmptyRevert, never retried', async () => {
      const [v] = await makeValidators(fx().rollup.bridgeAddress, 1);
      const err = await caught(() => fx().nexusAsBot.depositValidatorRollup.estimateGas(fx().stranger.address, [v]));
      expectDecoded(err, 'EmptyRevert', 'empty');
      assert.equal(isRetryableRevert('EmptyRevert'), false);
    });

    it('not a revert: a receipt with status 0 (no data), a nonce error, a transport error', async () => {
      const nexus = new ethers.Contract(nexusAddress(), nexusInterface, fx().bot);
      const tx = (await nexus.getFunction('validatorExit(address,bytes,uint64[])')(
        admin(),
        unknownKey,
        fx().operatorIds,
        { gasLimit: 200_000 },
      )) as ethers.ContractTransactionResponse;
      const waitErr = await caught(() => tx.wait());
      assert.equal((waitErr as { code?: string }).code, 'CALL_EXCEPTION');
      assert.equal(decodeRevert(waitErr), undefined, 'a mined revert has no data: it must be replayed');

      const stale = await fx().bot.signTransaction({
        to: fx().bot.address,
        nonce: 0,
        chainId: 31337n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
        type: 2,
      });
      const nonceErr = await caught(() => fx().provider.broadcastTransaction(stale));
      assert.equal((nonceErr as { code?: string }).code, 'NONCE_EXPIRED');
      assert.equal(decodeRevert(nonceErr), undefined);

      const dead = new ethers.JsonRpcProvider('http://127.0.0.1:1', 31337, { staticNetwork: true });
      try {
        const netErr = await caught(() => dead.send('eth_blockNumber', []));
        assert.equal(decodeRevert(netErr), undefined);
      } finally {
        dead.destroy();
      }
    });
  });

  describe('other shapes', () => {
    const notNexusBot = selectorOf('NotNexusBot');
    const withArg = ALL_ERRORS_INTERFACE.encodeErrorResult('IncorrectValidatorStateWithData', ['0x' + 'ab'.repeat(48)]);

    it('a JSON-RPC error object, a response, and a wrapping cause chain', () => {
      assert.equal(decodeRevert({ code: 3, message: 'execution reverted', data: notNexusBot })?.name, 'NotNexusBot');
      assert.equal(
        decodeRevert({ jsonrpc: '2.0', id: 1, error: { code: 3, message: 'execution reverted', data: withArg } })?.name,
        'IncorrectValidatorStateWithData',
      );
      const wrapped = new Error('activity failed', {
        cause: new Error('provider failed', { cause: { code: 3, message: 'execution reverted', data: notNexusBot } }),
      });
      assert.equal(decodeRevert(wrapped)?.name, 'NotNexusBot');
    });

    it('nested `data: { data }` (Hardhat / older clients) and a JSON response body string', () => {
      assert.equal(
        decodeRevert({ code: -32603, message: 'Internal error', data: { message: 'reverted', data: notNexusBot } })
          ?.name,
        'NotNexusBot',
      );
      const serverError = ethers.makeError('server response 500', 'SERVER_ERROR', {
        info: {
          responseBody: JSON.stringify({
            jsonrpc: '2.0',
            id: 7,
            error: { code: 3, message: 'execution reverted', data: withArg },
          }),
        },
      } as never);
      const d = decodeRevert(serverError);
      assert.equal(d?.name, 'IncorrectValidatorStateWithData');
      assert.deepEqual(d?.args, ['0x' + 'ab'.repeat(48)]);
    });

    it('never mistakes calldata (transaction.data, payload params) for revert data', () => {
      const calldata = nexusInterface.encodeFunctionData('validatorExit(address,bytes[])', [
        ethers.ZeroAddress,
        [unknownKey],
      ]);
      const err = {
        code: 'UNKNOWN_ERROR',
        transaction: { data: calldata },
        info: { payload: { params: [{ data: calldata }] } },
      };
      assert.equal(decodeRevert(err), undefined);
    });

    it('a node message with only the selector (anvil "custom error 0x…")', () => {
      assert.equal(
        decodeRevert({ code: -32000, message: `execution reverted: custom error ${notNexusBot}` })?.name,
        'NotNexusBot',
      );
    });

    it('Panic(uint256), empty data outside a revert, malformed arguments', () => {
      const panic = ethers.concat(['0x4e487b71', ethers.AbiCoder.defaultAbiCoder().encode(['uint256'], [0x11])]);
      const d = decodeRevert({ code: 3, message: 'execution reverted', data: panic });
      assert.equal(d?.kind, 'panic');
      assert.equal(d?.name, 'Panic');
      assert.equal(d?.reason, 'arithmetic overflow or underflow');
      assert.equal(decodeRevert({ code: -32000, message: 'header not found', data: '0x' }), undefined);
      assert.equal(decodeRevert({ code: 'CALL_EXCEPTION', data: '0x' })?.name, 'EmptyRevert');
      // Known selector, truncated arguments: the name survives.
      assert.equal(
        decodeRevertData(selectorOf('IncorrectValidatorStateWithData')).name,
        'IncorrectValidatorStateWithData',
      );
      assert.equal(decodeRevertData('0xdeadbeef').kind, 'unknown');
    });
  });

  describe('classification and failure types', () => {
    const nonRetryable = [
      'StakingLimitExceeding',
      'IncorrectValidatorStatus',
      'IncorrectWithdrawalCredentials',
      'NotNexusBot',
      'IncorrectStakingLimit',
      'InvalidOperatorIdsLength',
      'UnsortedOperatorsList',
      'InvalidPublicKeyLength',
      'ValidatorAlreadyExistsWithData',
      'OperatorDoesNotExist',
      'IncorrectValidatorStateWithData',
      'ClusterNotPresent',
      'ClusterIsLiquidated',
      'InsufficientBalance',
      'ValidatorDoesNotExist',
    ];

    it('every error of ALL_ERRORS_INTERFACE is classified and documented', () => {
      ALL_ERRORS_INTERFACE.forEachError((f) => {
        const c = REVERT_CLASSIFICATION[f.name];
        assert.ok(c, `${f.name} has no classification`);
        assert.ok(c.meaning.length > 10);
      });
    });

    it('reverts retrying cannot fix are non-retryable; IncorrectClusterState only after a refresh; ValidatorNotExited later', () => {
      for (const name of nonRetryable) {
        assert.equal(isRetryableRevert(name), false, name);
        assert.ok(NON_RETRYABLE_REVERT_TYPES.includes(`Revert:${name}`), name);
      }
      assert.equal(classifyRevert('IncorrectClusterState').retry, 'after-refresh');
      assert.equal(isRetryableRevert('IncorrectClusterState'), true);
      assert.ok(!NON_RETRYABLE_REVERT_TYPES.includes('Revert:IncorrectClusterState'));
      assert.equal(classifyRevert('ValidatorNotExited').retry, 'later');
      assert.equal(classifyRevert('SomethingNew').retry, 'never');
    });

    it('ContractRevertError: stable name, specific type, ApplicationFailure conversion', () => {
      const decoded = decodeRevertData(selectorOf('StakingLimitExceeding'));
      const err = new ContractRevertError(decoded, { phase: 'estimate', label: 'depositValidatorRollup' });
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'ContractRevert');
      assert.equal(err.revertName, 'StakingLimitExceeding');
      assert.equal(err.type, 'Revert:StakingLimitExceeding');
      assert.equal(err.retryable, false);
      assert.match(
        err.message,
        /depositValidatorRollup: reverted with StakingLimitExceeding\(\) at gas estimation, nothing sent/,
      );
      const failure = toApplicationFailure(err);
      assert.ok(failure);
      assert.equal(failure.type, 'Revert:StakingLimitExceeding');
      assert.equal(failure.nonRetryable, true);
      assert.equal(decodeRevert(err)?.name, 'StakingLimitExceeding');
      const retryable = toApplicationFailure(
        new ContractRevertError(decodeRevertData(selectorOf('IncorrectClusterState')), { phase: 'mined' }),
      );
      assert.equal(retryable?.nonRetryable, false);
    });
  });
});
