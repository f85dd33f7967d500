// Stands in for consensus-layer withdrawals on the local network. On Ethereum, a validator that has
// exited and become withdrawable has its balance credited to its 0x01 withdrawal address by the
// consensus layer itself. The local EVM chain (anvil) has no consensus layer, and the local beacon
// chain is phase0 (no withdrawals at all), so this loop does it instead: every round it asks the
// beacon node for validators withdrawing to one of the given bridges whose status is
// `withdrawal_possible` (or `withdrawal_done`), and sends exactly 32 ETH per validator to that
// bridge with `NexusBaseBridge.receiveWithdrawal()` (a plain transfer would count as a user deposit).
//
// Exactly once per pubkey, across restarts: the signed transaction is written to the state file
// BEFORE it is broadcast, and the pubkey is marked paid once its receipt is in. A restart finds a
// payment either paid, or pending with the very same signed transaction (same nonce), which it
// re-broadcasts or finds mined; it never signs a second payment while one may still land.
// The funding account must be used by nothing else (the stand-in owns its nonces).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { z } from 'zod';
import { withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { contractInterface, freshNonce } from '../../contracts/artifacts';
import { getValidators, type BeaconValidator } from '../beacon/rest';

export const WITHDRAWAL_AMOUNT_WEI = 32n * 10n ** 18n;
const WITHDRAWABLE = new Set(['withdrawal_possible', 'withdrawal_done']);

export interface WithdrawalStandInOptions {
  beaconUrl: string;
  rpcUrl: string;
  chainId: number;
  /** Private key of a funded account used by nothing else. Kept in memory only. */
  funderKey: string;
  /** Bridges (NexusBaseBridge) whose validators are paid; others are ignored. */
  bridges: readonly string[];
  /** JSON record of paid and in-flight payments (written atomically). */
  stateFile: string;
  /** Pause between rounds; default 2 s. */
  intervalMs?: number;
  /** How long one round waits for a payment's receipt before leaving it to the next round. */
  receiptTimeoutMs?: number;
  /** Every line (payments and errors); console by default. */
  log?: (line: string) => void;
  /** Called once per payment, after it is recorded. */
  onPaid?: (payment: PaidWithdrawal) => void;
}

const paidSchema = z.object({
  pubkey: z.string(), validatorIndex: z.number().int(), bridge: z.string(), amountWei: z.string(),
  txHash: z.string(), blockNumber: z.number().int(), paidAt: z.string(),
});
const pendingSchema = z.object({
  pubkey: z.string(), validatorIndex: z.number().int(), bridge: z.string(), txHash: z.string(), rawTx: z.string(),
});
const stateSchema = z.object({ paid: z.record(z.string(), paidSchema), pending: z.record(z.string(), pendingSchema) });

export type PaidWithdrawal = z.infer<typeof paidSchema>;
type Pending = z.infer<typeof pendingSchema>;
type State = z.infer<typeof stateSchema>;

export interface WithdrawalStandIn {
  /** The paying account's address. */
  readonly funder: string;
  /** Payments made (this run and earlier ones with the same state file). */
  paid(): PaidWithdrawal[];
  /** Rounds finished since start (with or without errors). */
  roundsCompleted(): number;
  /** Ends the loop after the current round. */
  stop(): Promise<void>;
}

export async function startWithdrawalStandIn(opts: WithdrawalStandInOptions): Promise<WithdrawalStandIn> {
  const log = opts.log ?? ((line: string) => console.log(`[withdrawal stand-in] ${line}`));
  const intervalMs = opts.intervalMs ?? 2_000;
  // Withdrawal credentials (0x01 ‖ 11 zero bytes ‖ address, lower-case hex) → bridge.
  const bridges = new Map(opts.bridges.map((b) => [withdrawalCredentialsFor(b), ethers.getAddress(b)]));
  const state = readState(opts.stateFile);
  const bridgeInterface = await contractInterface('NexusBaseBridge');
  const provider = new ethers.JsonRpcProvider(opts.rpcUrl, opts.chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
  const wallet = new ethers.Wallet(opts.funderKey, provider);
  const save = () => writeState(opts.stateFile, state);

  const markPaid = (pending: Pending, receipt: ethers.TransactionReceipt) => {
    state.paid[pending.pubkey] = {
      pubkey: pending.pubkey, validatorIndex: pending.validatorIndex, bridge: pending.bridge, amountWei: WITHDRAWAL_AMOUNT_WEI.toString(),
      txHash: receipt.hash, blockNumber: receipt.blockNumber, paidAt: new Date().toISOString(),
    };
    delete state.pending[pending.pubkey];
    save();
    log(`paid 32 ETH for validator ${pending.validatorIndex} (${pending.pubkey}) to bridge ${pending.bridge} with receiveWithdrawal(): tx ${receipt.hash}`);
    opts.onPaid?.(state.paid[pending.pubkey]);
  };

  /** Settles an in-flight payment: paid, still in flight (left for the next round), or dropped. */
  const settle = async (pending: Pending): Promise<void> => {
    let receipt = await provider.getTransactionReceipt(pending.txHash);
    if (!receipt) {
      try {
        await provider.broadcastTransaction(pending.rawTx);
      } catch (err) {
        if (ethers.isError(err, 'NONCE_EXPIRED')) {
          // Its nonce was used by another transaction and it was never mined: it can never pay.
          delete state.pending[pending.pubkey];
          save();
          throw new Error(`payment for validator ${pending.validatorIndex} (tx ${pending.txHash}) can no longer be mined; signing a new one next round`, { cause: err });
        }
        // "already known" and the like: it is in the mempool; wait for it below.
      }
      receipt = await provider.waitForTransaction(pending.txHash, 1, opts.receiptTimeoutMs ?? 30_000);
    }
    if (!receipt) return;
    if (receipt.status !== 1) {
      delete state.pending[pending.pubkey];
      save();
      throw new Error(`payment for validator ${pending.validatorIndex} to ${pending.bridge} reverted (tx ${receipt.hash}); trying again next round`);
    }
    markPaid(pending, receipt);
  };

  const pay = async (validator: BeaconValidator, bridge: string): Promise<void> => {
    const tx = await wallet.populateTransaction({
      to: bridge, value: WITHDRAWAL_AMOUNT_WEI, data: bridgeInterface.encodeFunctionData('receiveWithdrawal'), nonce: await freshNonce(wallet),
    });
    const rawTx = await wallet.signTransaction(tx);
    const pending: Pending = { pubkey: validator.pubkey, validatorIndex: validator.index, bridge, txHash: ethers.keccak256(rawTx), rawTx };
    state.pending[validator.pubkey] = pending;
    save(); // before broadcasting: a crash from here on leaves this exact transaction to settle
    await settle(pending);
  };

  const round = async (): Promise<void> => {
    for (const pending of Object.values(state.pending)) await settle(pending);
    const validators = await getValidators(opts.beaconUrl);
    for (const v of validators) {
      const bridge = bridges.get(v.withdrawalCredentials);
      if (!bridge || !WITHDRAWABLE.has(v.status) || state.paid[v.pubkey] || state.pending[v.pubkey]) continue;
      await pay(v, bridge);
    }
  };

  let stopped = false;
  let rounds = 0;
  const stopSignal = new AbortController();
  const loop = (async () => {
    while (!stopped) {
      try {
        await round();
      } catch (err) {
        // Never leaves the loop: the next round tries again.
        log(`round failed (retrying in ${intervalMs} ms): ${(err as Error).message}`);
      }
      rounds++;
      await sleep(intervalMs, undefined, { signal: stopSignal.signal }).catch(() => undefined);
    }
  })();

  return {
    funder: wallet.address,
    paid: () => Object.values(state.paid),
    roundsCompleted: () => rounds,
    stop: async () => {
      stopped = true;
      stopSignal.abort();
      await loop;
      provider.destroy();
    },
  };
}

function readState(path: string): State {
  if (!existsSync(path)) return { paid: {}, pending: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`withdrawal stand-in state ${path} is not valid JSON (${(err as Error).message}); refusing to start, since it could pay twice`, { cause: err });
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`withdrawal stand-in state ${path} does not have the expected shape (${parsed.error.message}); refusing to start, since it could pay twice`);
  return parsed.data;
}

function writeState(path: string, state: State): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path); // never half a file
}
