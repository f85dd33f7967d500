// Nexus.validatorExit by version (activities/exit-submit.ts): v2024-06 one transaction per key
// with the SSV operator ids it was registered with (sorted), idempotent per key; v2024-03 the
// batch at once, DKG keys refused.
import assert from 'node:assert/strict';
import { nexusInterface, ssvNetworkInterface } from '../../activities/chain/abi';
import { submitValidatorExits, type ExitSubmitDependencies } from '../../activities/exit-submit';
import { FakeProvider } from './chain/fake-provider';

const NEXUS = '0x' + 'a'.repeat(40);
const SSV = '0x' + 'b'.repeat(40);
const ADMIN = '0x' + 'c'.repeat(40);
const key = (n: number) => `0x${n.toString(16).padStart(96, '0')}`;
const STATUS = { SHARE_DEPOSITED: 2, VALIDATOR_EXIT_SUBMITTED: 3 } as const;

/** A transaction manager that records sends and keeps a journal by idempotency key. */
function fakeTxManager() {
  const journal = new Map<string, { data: string }>();
  const sent: { key: string; data: string }[] = [];
  return {
    sent,
    journal,
    async record(k: string) {
      return journal.has(k) ? ({ status: 'mined' } as never) : undefined;
    },
    async sendAndWait(req: { data: string; idempotencyKey: string }) {
      journal.set(req.idempotencyKey, { data: req.data });
      sent.push({ key: req.idempotencyKey, data: req.data });
      return { hash: `0xhash-${req.idempotencyKey}` } as never;
    },
    async waitForReceipt(k: string) {
      return { hash: `0xhash-${k}` } as never;
    },
  };
}

function setup(statuses: Record<string, keyof typeof STATUS>) {
  const p = new FakeProvider();
  p.on(NEXUS, nexusInterface, 'validators', (args) => [STATUS[statuses[String(args[0]).toLowerCase()]] ?? 0]);
  for (const [i, k] of Object.keys(statuses).entries()) {
    // Ids listed out of order: the bot sorts them (SSV's order) before calling Nexus.
    p.addLog(SSV, ssvNetworkInterface, 'ValidatorAdded', [
      NEXUS,
      [4 + i, 1 + i, 3 + i, 2 + i],
      k,
      '0x',
      [0, 0, 0, true, 0],
    ]);
  }
  const tx = fakeTxManager();
  const deps: ExitSubmitDependencies = {
    provider: p.asProvider(),
    txManager: tx as never,
    contracts: { nexus: NEXUS, ssvNetwork: SSV },
    scan: { fromBlock: 0, maxRange: 1000 },
  };
  return { p, tx, deps };
}

describe('validatorExit by Nexus version (exit-submit.ts)', () => {
  it('v2024-06: one validatorExit(admin, pubkey, operatorIds) per key still SHARE_DEPOSITED, with its SSV operator ids', async () => {
    const { tx, deps } = setup({
      [key(1)]: 'SHARE_DEPOSITED',
      [key(2)]: 'VALIDATOR_EXIT_SUBMITTED',
      [key(3)]: 'SHARE_DEPOSITED',
    });
    const result = await submitValidatorExits(deps, 'v2024-06', {
      rollupAdmin: ADMIN,
      requestId: 'r1',
      pubkeys: [key(1), key(2), key(3)],
      dkgPubkeys: [key(1)],
    });
    assert.deepEqual(result.submitted, [key(1), key(3)]);
    assert.deepEqual(result.alreadySubmitted, [key(2)]);
    assert.equal(result.txHashes?.length, 2);
    const calls = tx.sent.map((s) =>
      nexusInterface.decodeFunctionData('validatorExit(address,bytes,uint64[])', s.data),
    );
    assert.deepEqual(
      calls.map((c) => [c[1], [...c[2]].map(Number)]),
      [
        [key(1), [1, 2, 3, 4]],
        [key(3), [3, 4, 5, 6]],
      ],
    );
    assert.deepEqual(
      tx.sent.map((s) => s.key),
      [`validator-exit:r1:${key(1)}:0`, `validator-exit:r1:${key(3)}:0`],
    );
  });

  it('v2024-06: a retry after a crash sends nothing for a key whose transaction is journaled', async () => {
    const { tx, deps } = setup({ [key(1)]: 'SHARE_DEPOSITED', [key(2)]: 'SHARE_DEPOSITED' });
    tx.journal.set(`validator-exit:r1:${key(1)}:0`, { data: '0x' }); // sent before the crash, not yet seen on chain
    const result = await submitValidatorExits(deps, 'v2024-06', {
      rollupAdmin: ADMIN,
      requestId: 'r1',
      pubkeys: [key(1), key(2)],
    });
    assert.deepEqual(result.submitted, [key(1), key(2)]);
    assert.deepEqual(
      tx.sent.map((s) => s.key),
      [`validator-exit:r1:${key(2)}:0`],
    );
  });

  it('v2024-03: one validatorExit(admin, bytes[]) for the batch', async () => {
    const { tx, deps } = setup({ [key(1)]: 'SHARE_DEPOSITED', [key(2)]: 'SHARE_DEPOSITED' });
    await submitValidatorExits(deps, 'v2024-03', { rollupAdmin: ADMIN, requestId: 'r1', pubkeys: [key(1), key(2)] });
    assert.equal(tx.sent.length, 1);
    const [, keys] = nexusInterface.decodeFunctionData('validatorExit(address,bytes[])', tx.sent[0].data);
    assert.deepEqual([...keys], [key(1), key(2)]);
  });

  it('v2024-03: a DKG key is refused (DkgExitUnsupported, non-retryable), nothing sent', async () => {
    const { tx, deps } = setup({ [key(1)]: 'SHARE_DEPOSITED', [key(2)]: 'SHARE_DEPOSITED' });
    await assert.rejects(
      submitValidatorExits(deps, 'v2024-03', {
        rollupAdmin: ADMIN,
        requestId: 'r1',
        pubkeys: [key(1), key(2)],
        dkgPubkeys: [key(2)],
      }),
      (err: Error & { type?: string; nonRetryable?: boolean }) => {
        assert.equal(err.type, 'DkgExitUnsupported');
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, /v2024-03 cannot exit DKG validators/);
        return true;
      },
    );
    assert.equal(tx.sent.length, 0);
  });
});
