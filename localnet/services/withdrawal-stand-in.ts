// Stands in for consensus-layer withdrawals on the local network. On Ethereum, a validator that has
// exited and become withdrawable has its balance credited to its 0x01 withdrawal address by the
// consensus layer itself: no transaction, no call, no code of the bridge runs, the balance simply
// grows. The local EVM chain (anvil) has no consensus layer, and the local beacon chain is phase0
// (no withdrawals at all), so this loop does it instead: every round it asks the beacon node for
// validators withdrawing to one of the given bridges whose status is `withdrawal_possible` (or
// `withdrawal_done`), and credits exactly 32 ETH per validator to that bridge with
// `anvil_addBalance` — the same effect as the consensus layer, and nothing the public bridge lacks
// (a transfer would run its `receive()`, a function call would need one it does not have).
//
// Exactly once per pubkey, across restarts: the bridge's balance just before the credit is written
// to the state file BEFORE crediting, and the pubkey is marked paid once the new balance is seen.
// A restart that finds a credit pending compares the bridge's balance with the recorded one: still
// the same → not credited yet, credit now; exactly 32 ETH more → credited, mark paid; anything else
// (the bridge moved ETH meanwhile) → it cannot tell, so it credits nothing and says so every round.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { z } from 'zod';
import { withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { getValidators, type BeaconValidator } from '../beacon/rest';

export const WITHDRAWAL_AMOUNT_WEI = 32n * 10n ** 18n;
const WITHDRAWABLE = new Set(['withdrawal_possible', 'withdrawal_done']);

export interface WithdrawalStandInOptions {
  beaconUrl: string;
  /** anvil's RPC (anvil_addBalance is an anvil method). */
  rpcUrl: string;
  chainId: number;
  /** Bridges whose validators are paid; others are ignored. */
  bridges: readonly string[];
  /** JSON record of paid and in-flight credits (written atomically). */
  stateFile: string;
  /** Pause between rounds; default 2 s. */
  intervalMs?: number;
  /** Every line (payments and errors); console by default. */
  log?: (line: string) => void;
  /** Called once per payment, after it is recorded. */
  onPaid?: (payment: PaidWithdrawal) => void;
}

const paidSchema = z.object({
  pubkey: z.string(),
  validatorIndex: z.number().int(),
  bridge: z.string(),
  amountWei: z.string(),
  balanceBeforeWei: z.string(),
  balanceAfterWei: z.string(),
  paidAt: z.string(),
});
const pendingSchema = z.object({
  pubkey: z.string(),
  validatorIndex: z.number().int(),
  bridge: z.string(),
  balanceBeforeWei: z.string(),
});
const stateSchema = z.object({ paid: z.record(z.string(), paidSchema), pending: z.record(z.string(), pendingSchema) });

export type PaidWithdrawal = z.infer<typeof paidSchema>;
export type PendingWithdrawal = z.infer<typeof pendingSchema>;
type State = z.infer<typeof stateSchema>;

export interface WithdrawalStandIn {
  /** Payments made (this run and earlier ones with the same state file). */
  paid(): PaidWithdrawal[];
  /** Credits that a crash left undecided and that the balance cannot settle (never paid twice). */
  unresolved(): PendingWithdrawal[];
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
  const provider = new ethers.JsonRpcProvider(opts.rpcUrl, opts.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 250,
  });
  const save = () => writeState(opts.stateFile, state);
  const unresolved = new Set<string>();

  const markPaid = (pending: PendingWithdrawal, balanceAfter: bigint) => {
    state.paid[pending.pubkey] = {
      pubkey: pending.pubkey,
      validatorIndex: pending.validatorIndex,
      bridge: pending.bridge,
      amountWei: WITHDRAWAL_AMOUNT_WEI.toString(),
      balanceBeforeWei: pending.balanceBeforeWei,
      balanceAfterWei: balanceAfter.toString(),
      paidAt: new Date().toISOString(),
    };
    delete state.pending[pending.pubkey];
    save();
    log(
      `credited 32 ETH for validator ${pending.validatorIndex} (${pending.pubkey}) to bridge ${pending.bridge} (balance ${pending.balanceBeforeWei} → ${balanceAfter} wei)`,
    );
    opts.onPaid?.(state.paid[pending.pubkey]);
  };

  const credit = async (pending: PendingWithdrawal): Promise<void> => {
    await provider.send('anvil_addBalance', [pending.bridge, ethers.toQuantity(WITHDRAWAL_AMOUNT_WEI)]);
    markPaid(pending, await provider.getBalance(pending.bridge));
  };

  /** A credit recorded as pending: decided from the bridge's balance, never credited twice. */
  const settle = async (pending: PendingWithdrawal): Promise<void> => {
    const balance = await provider.getBalance(pending.bridge);
    const before = BigInt(pending.balanceBeforeWei);
    if (balance === before) return credit(pending);
    if (balance === before + WITHDRAWAL_AMOUNT_WEI) return markPaid(pending, balance);
    if (!unresolved.has(pending.pubkey)) unresolved.add(pending.pubkey);
    log(
      `cannot tell whether validator ${pending.validatorIndex} (${pending.pubkey}) was credited before a crash: bridge ${pending.bridge} held ${before} wei then and ${balance} wei now; crediting nothing (remove it from ${opts.stateFile} "pending" once checked by hand)`,
    );
  };

  const pay = async (validator: BeaconValidator, bridge: string): Promise<void> => {
    const pending: PendingWithdrawal = {
      pubkey: validator.pubkey,
      validatorIndex: validator.index,
      bridge,
      balanceBeforeWei: (await provider.getBalance(bridge)).toString(),
    };
    state.pending[validator.pubkey] = pending;
    save(); // before crediting: a crash from here on leaves a pending record that settle() decides
    await credit(pending);
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
    paid: () => Object.values(state.paid),
    unresolved: () => Object.values(state.pending).filter((p) => unresolved.has(p.pubkey)),
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
    throw new Error(
      `withdrawal stand-in state ${path} is not valid JSON (${(err as Error).message}); refusing to start, since it could pay twice`,
      { cause: err },
    );
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `withdrawal stand-in state ${path} does not have the expected shape (${parsed.error.message}); refusing to start, since it could pay twice (an earlier version's file: remove it with --reset)`,
    );
  return parsed.data;
}

function writeState(path: string, state: State): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path); // never half a file
}
