// The pre-deposit guard's decisions (activities/guard/checks.ts), one check at a time, and the
// batch verdict. The signature check is fed the problems the real verifier finds in real deposit
// data (BLS, SSZ roots), tampered one field at a time.
import assert from 'node:assert/strict';
import {
  beaconFinding,
  depositContractFinding,
  depositSignatureFinding,
  guardVerdict,
  ssvNetworkFinding,
} from '../../../activities/guard/checks';
import {
  genesisForkVersionOf,
  signDepositData,
  VALIDATOR_DEPOSIT_GWEI,
  verifyDepositData,
  withdrawalCredentialsFor,
} from '../../../activities/keys/deposit-data';
import { DepositDataInvalidError } from '../../../activities/keys/errors';

const BRIDGE = '0x00000000000000000000000000000000000000b1';
const OWN = withdrawalCredentialsFor(BRIDGE);
const FOREIGN = withdrawalCredentialsFor('0x000000000000000000000000000000000000bad1');
const NEXUS = '0x00000000000000000000000000000000000000e1';
const KEY_A = `0x${'a1'.repeat(48)}`;
const KEY_B = `0x${'b2'.repeat(48)}`;

describe('pre-deposit guard: the decision of each check', () => {
  describe('beacon', () => {
    const record = (over: Partial<{ withdrawalCredentials: string; activationEpoch: number | null }> = {}) => ({
      index: 7,
      status: 'active_ongoing' as const,
      withdrawalCredentials: FOREIGN,
      activationEpoch: 12,
      ...over,
    });

    it('a key the node does not know passes', () => {
      assert.equal(
        beaconFinding(undefined, { withdrawalCredentials: OWN, acceptOwnGenesisValidators: false }),
        undefined,
      );
    });

    it('a key the node knows fails, naming the validator and saying the credentials are foreign', () => {
      assert.equal(
        beaconFinding(record(), { withdrawalCredentials: OWN, acceptOwnGenesisValidators: false }),
        `the beacon node knows it: validator 7 (active_ongoing) with FOREIGN withdrawal credentials ${FOREIGN}`,
      );
    });

    it("even with the batch's own credentials it fails (a second deposit would only top it up)", () => {
      assert.match(
        beaconFinding(record({ withdrawalCredentials: OWN }), {
          withdrawalCredentials: OWN,
          acceptOwnGenesisValidators: false,
        }) ?? '',
        /this batch's withdrawal credentials/,
      );
    });

    it('acceptOwnGenesisValidators (local network) passes only a genesis validator (epoch 0) with the own credentials', () => {
      const accept = { withdrawalCredentials: OWN, acceptOwnGenesisValidators: true };
      assert.equal(beaconFinding(record({ withdrawalCredentials: OWN, activationEpoch: 0 }), accept), undefined);
      assert.ok(
        beaconFinding(record({ withdrawalCredentials: FOREIGN, activationEpoch: 0 }), accept),
        'foreign credentials at genesis',
      );
      assert.ok(
        beaconFinding(record({ withdrawalCredentials: OWN, activationEpoch: 5 }), accept),
        'activated after genesis: deposited by someone',
      );
      assert.ok(
        beaconFinding(record({ withdrawalCredentials: OWN, activationEpoch: null }), accept),
        'pending: deposited by someone',
      );
    });
  });

  describe('deposit contract', () => {
    it('no DepositEvent passes', () => {
      assert.equal(depositContractFinding([], OWN), undefined);
    });

    it('a deposit with foreign credentials fails, naming block, tx, credentials and that they are foreign', () => {
      const finding = depositContractFinding(
        [{ withdrawalCredentials: FOREIGN, amountGwei: 1_000_000_000n, blockNumber: 42, txHash: '0xabc' }],
        OWN,
      );
      assert.equal(
        finding,
        `already in the deposit contract's DepositEvent logs (1 deposit(s), 1000000000 gwei): first in block 42 (tx 0xabc) with withdrawal credentials ${FOREIGN}; 1 with FOREIGN withdrawal credentials`,
      );
    });

    it('a deposit with the own credentials fails too (the key is in use; depositing again would top it up)', () => {
      const finding = depositContractFinding(
        [{ withdrawalCredentials: OWN, amountGwei: VALIDATOR_DEPOSIT_GWEI, blockNumber: 3, txHash: '0x1' }],
        OWN,
      );
      assert.ok(finding);
      assert.doesNotMatch(finding, /FOREIGN/);
    });
  });

  describe('SSVNetwork', () => {
    it('no ValidatorAdded passes', () => {
      assert.equal(ssvNetworkFinding([], NEXUS), undefined);
    });

    it('a registration under another owner fails, naming the owner', () => {
      const owner = '0x00000000000000000000000000000000000000c5';
      assert.equal(
        ssvNetworkFinding([{ owner, blockNumber: 9, txHash: '0xdef' }], NEXUS),
        `already registered in SSVNetwork (ValidatorAdded) by owner(s) ${owner}: first in block 9 (tx 0xdef)`,
      );
    });

    it('a registration under Nexus itself fails too, saying so', () => {
      assert.match(ssvNetworkFinding([{ owner: NEXUS, blockNumber: 1, txHash: '0x1' }], NEXUS) ?? '', /\(Nexus\)/);
    });
  });

  describe('deposit signature (real deposit data, real verifier)', () => {
    let fork: Uint8Array;
    let good: Awaited<ReturnType<typeof signDepositData>>;
    const problemsOf = async (data: typeof good, forkVersion = fork) => {
      try {
        await verifyDepositData(data, {
          genesisForkVersion: forkVersion,
          expectedWithdrawalCredentials: OWN,
          expectedAmountGwei: VALIDATOR_DEPOSIT_GWEI,
        });
        return undefined;
      } catch (err) {
        assert.ok(err instanceof DepositDataInvalidError);
        return err.problems;
      }
    };

    before(async () => {
      fork = await genesisForkVersionOf('holesky');
      good = await signDepositData({
        secretKey: Uint8Array.from({ length: 32 }, (_, i) => i + 1),
        withdrawalCredentials: OWN,
        amountGwei: VALIDATOR_DEPOSIT_GWEI,
        genesisForkVersion: fork,
      });
    });

    it('valid deposit data passes', async () => {
      assert.equal(depositSignatureFinding(await problemsOf(good), 'holesky'), undefined);
    });

    it('a tampered signature fails (root mismatch and signature)', async () => {
      const sig = `${good.signature.slice(0, -2)}${good.signature.endsWith('00') ? '01' : '00'}`;
      const finding = depositSignatureFinding(await problemsOf({ ...good, signature: sig }), 'holesky');
      assert.match(finding ?? '', /^deposit data does not verify for holesky: .*deposit data root/);
    });

    it('a signature for another network fails', async () => {
      const finding = depositSignatureFinding(await problemsOf(good, await genesisForkVersionOf('mainnet')), 'mainnet');
      assert.match(
        finding ?? '',
        /signature does not verify for the pubkey under the deposit domain of fork 0x00000000/,
      );
    });

    it('a wrong deposit data root alone fails', async () => {
      const finding = depositSignatureFinding(
        await problemsOf({ ...good, depositDataRoot: `0x${'00'.repeat(32)}` }),
        'holesky',
      );
      assert.match(finding ?? '', /deposit data root is 0x0{64}, but the fields hash to/);
    });
  });

  describe('batch verdict', () => {
    it('keys with no failure pass in batch order; the others are held with every failure', () => {
      const failures = new Map([
        [
          KEY_B,
          [
            { check: 'beacon' as const, reason: 'x' },
            { check: 'deposit-contract' as const, reason: 'y' },
          ],
        ],
      ]);
      const verdict = guardVerdict([KEY_B.toUpperCase().replace('0X', '0x'), KEY_A], failures);
      assert.deepEqual(verdict.passed, [KEY_A]);
      assert.equal(verdict.held.length, 1);
      assert.deepEqual(
        verdict.held[0].failures.map((f) => f.check),
        ['beacon', 'deposit-contract'],
      );
    });
  });
});
