// The bot's reads where the public Nexus contracts are silent or differ by version, against the
// faithful local contracts on a real anvil: an unregistered rollup (an empty revert, named after a
// read), a bridge the bot cannot work with (no validatorCount()), the Nexus version told apart by
// SSV_NETWORK(), and the exit condition of a CValue bridge after a reward distribution.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { startAnvil } from '../../localnet/services/anvil';
import {
  addCluster,
  distributeRewards,
  creditWithdrawal,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type NexusSystem,
} from '../../contracts/deploy';
import { contractAt } from '../../contracts/artifacts';
import { useService } from '../harness/service';
import { ETH, NO_FEES, expectRevert, fakeOperatorKey, makeValidators, send, wallet } from '../contracts/helpers';
import { localProvider } from '../harness/local-provider';
import { FailoverJsonRpcProvider } from '../../activities/chain/rpc';
import { readRollupState } from '../../activities/chain/reads';
import { readExitAccounting } from '../../activities/chain/bridge-kind';
import { detectNexusVersion } from '../../activities/chain/nexus-version';
import {
  NexusVersionMismatchError,
  RollupNotRegisteredError,
  UnsupportedBridgeError,
} from '../../activities/chain/read-errors';
import { asContractRevert } from '../../activities/chain/revert';
import { nexusInterface } from '../../activities/chain/abi';
import { explainUnknownRollup } from '../../activities/rollup-check';

const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];

describe('chain reads where the public contracts are silent (anvil + faithful Nexus, both versions)', function () {
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));
  let provider: ethers.JsonRpcProvider;
  let reader: FailoverJsonRpcProvider;
  const systems: Partial<Record<'v2024-03' | 'v2024-06', NexusSystem>> = {};

  before(async function () {
    this.timeout(120_000);
    provider = localProvider(anvil().rpcUrl, CHAIN_ID);
    reader = new FailoverJsonRpcProvider({ urls: [anvil().rpcUrl], chainId: CHAIN_ID });
    // Two systems on one chain, each with its own deployer (so each gets operator ids 1-4).
    for (const [i, nexusVersion] of (['v2024-06', 'v2024-03'] as const).entries()) {
      const system = await deployNexusSystem(wallet(provider, 5 + i), {
        bot: wallet(provider, 1).address,
        nexusVersion,
        ssv: NO_FEES.ssv,
      });
      for (const id of IDS4)
        await registerOperator(system, {
          publicKey: fakeOperatorKey(id),
          fee: 0n,
          dkgPort: 3030 + id,
          name: `op-${id}`,
        });
      await addCluster(system, 1, IDS4);
      systems[nexusVersion] = system;
    }
  });

  after(() => {
    reader?.destroy();
    provider?.destroy();
  });

  const v06 = () => systems['v2024-06'] as NexusSystem;

  it('names a deposit for a rollup Nexus does not know: the empty revert becomes RollupNotRegisteredError after a read', async () => {
    const stranger = wallet(provider, 8).address;
    const bot = wallet(provider, 1);
    const deposits = await makeValidators(ethers.Wallet.createRandom().address, 1);
    const data = nexusInterface.encodeFunctionData('depositValidatorRollup', [
      stranger,
      deposits.map((d) => [d.pubKey, d.withdrawalAddress, d.signature, d.depositRoot]),
    ]);
    const estimate = async () => {
      try {
        return await provider.estimateGas({ from: bot.address, to: v06().addresses.nexus, data });
      } catch (err) {
        throw asContractRevert(err, { phase: 'estimate', label: 'depositValidatorRollup' }) ?? err;
      }
    };
    // What the public contract does: a call to address(0), a revert without data.
    await assert.rejects(estimate(), (err: unknown) => (err as { revertName?: string }).revertName === 'EmptyRevert');
    await assert.rejects(
      explainUnknownRollup(reader, v06().addresses.nexus, stranger, 'depositValidatorRollup', estimate),
      (err: unknown) => {
        assert.ok(err instanceof RollupNotRegisteredError, String(err));
        assert.match(err.message, new RegExp(`${stranger}.*not registered|not registered.*${stranger}`, 'i'));
        assert.match(err.message, /depositValidatorRollup reverted without data/);
        return true;
      },
    );
  });

  it('names a bridge without validatorCount() when its rollup is read (UnsupportedBridgeError)', async () => {
    const admin = wallet(provider, 2);
    const rollup = await registerRollup(v06(), {
      rollupAdmin: admin,
      name: 'library-bridge',
      operatorCluster: 1,
      stakingLimit: 1000,
      funding: 10n * ETH,
    });
    assert.equal((await readRollupState(reader, v06().addresses.nexus, admin.address)).bridgeKind, 'DAO');
    // The nexusLibrary.sol variant has no validatorCount(): stand it in with code that lacks it.
    await provider.send('anvil_setCode', [rollup.bridgeAddress, await provider.getCode(v06().addresses.ssvToken)]);
    await assert.rejects(readRollupState(reader, v06().addresses.nexus, admin.address), (err: unknown) => {
      assert.ok(err instanceof UnsupportedBridgeError, String(err));
      assert.match(err.message, new RegExp(ethers.getAddress(rollup.bridgeAddress)));
      return true;
    });
  });

  it('tells the versions apart by SSV_NETWORK(), and refuses a configuration that disagrees with the chain', async () => {
    const v03 = systems['v2024-03'] as NexusSystem;
    const input = (s: NexusSystem, setting: 'auto' | 'v2024-03' | 'v2024-06', ssvNetwork = s.addresses.ssvNetwork) => ({
      provider: reader,
      nexus: s.addresses.nexus,
      ssvNetwork,
      setting,
    });
    assert.equal(await detectNexusVersion(input(v06(), 'auto')), 'v2024-06');
    assert.equal(await detectNexusVersion(input(v03, 'auto')), 'v2024-03');
    await assert.rejects(
      detectNexusVersion(input(v03, 'v2024-06')),
      (err: unknown) => err instanceof NexusVersionMismatchError && /it is v2024-03/.test(err.message),
    );
    // Configured with another SSVNetwork than the one Nexus calls: both addresses named.
    await assert.rejects(
      detectNexusVersion(input(v06(), 'auto', v03.addresses.ssvNetwork)),
      (err: unknown) =>
        err instanceof NexusVersionMismatchError &&
        err.message.includes(v06().addresses.ssvNetwork) &&
        err.message.includes(v03.addresses.ssvNetwork),
    );
  });

  it('a CValue bridge after a reward distribution: an exit counts only once getRewards() − amountDistributed() holds 32 ETH', async () => {
    const admin = wallet(provider, 3);
    const rollup = await registerRollup(v06(), {
      rollupAdmin: admin,
      name: 'cvalue',
      operatorCluster: 1,
      stakingLimit: 5000,
      funding: 100n * ETH,
      bridgeKind: 'CValue',
    });
    await send(
      v06().contracts.nexus.connect(wallet(provider, 1)) as ethers.Contract,
      'depositValidatorRollup',
      admin.address,
      await makeValidators(rollup.bridgeAddress, 1),
    );
    const state = await readRollupState(reader, v06().addresses.nexus, admin.address);
    assert.equal(state.bridgeKind, 'User');
    // Rewards of 10 ETH are distributed (Nexus' fee paid out, the rest counted as distributed).
    const distributed = await distributeRewards(rollup, { provider, rewardsWei: 10n * ETH });
    assert.ok(distributed > 0n);
    const bridge = await contractAt('BridgeContractCValueV2024_06', rollup.bridgeAddress, provider);
    const rewards = async () => (await bridge.getFunction('getRewards')()) as bigint;

    // 25 ETH more arrive (not yet the exited validator's 32): getRewards() alone passes 32 ETH,
    // which a DAO bridge's rule would take for a returned validator; this bridge's rule does not.
    await creditWithdrawal(provider, rollup.bridgeAddress, 25n * ETH);
    assert.ok((await rewards()) >= 32n * ETH, 'the case must fool the DAO rule');
    const early = await readExitAccounting(reader, rollup.bridgeAddress, 'User');
    assert.equal(early.ready, false, early.reason);
    assert.equal(early.returnedWei, (25n * ETH).toString());
    assert.match(early.reason, /getRewards\(\) − amountDistributed\(\)/);
    await provider.send('anvil_impersonateAccount', [v06().addresses.nexus]);
    await provider.send('anvil_setBalance', [v06().addresses.nexus, ethers.toQuantity(ETH)]);
    const asNexus = bridge.connect(new ethers.JsonRpcSigner(provider, v06().addresses.nexus)) as ethers.Contract;
    await expectRevert(asNexus.getFunction('updateExitedValidators').staticCall(), 'ValidatorNotExited');

    // The rest arrives: the bot's check and the bridge agree it may be accounted.
    await creditWithdrawal(provider, rollup.bridgeAddress, 7n * ETH);
    const back = await readExitAccounting(reader, rollup.bridgeAddress, 'User');
    assert.equal(back.ready, true, back.reason);
    await asNexus.getFunction('updateExitedValidators').staticCall();
  });

  it('a DAO bridge whose balance is short of what it owes: getRewards() underflows, read as "not back yet"', async () => {
    const admin = wallet(provider, 4);
    const rollup = await registerRollup(v06(), {
      rollupAdmin: admin,
      name: 'short',
      operatorCluster: 1,
      stakingLimit: 5000,
      funding: 100n * ETH,
    });
    await provider.send('anvil_setBalance', [rollup.bridgeAddress, ethers.toQuantity(50n * ETH)]);
    const accounting = await readExitAccounting(reader, rollup.bridgeAddress, 'DAO');
    assert.equal(accounting.ready, false);
    assert.match(accounting.reason, /underflows/);
  });
});
