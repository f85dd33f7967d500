// Pipelined keyshares registrations (issue 15, item 1): within one batch (one rollup, one
// cluster) up to `depth` registrations are in flight at once, with consecutive bot-account nonces
// (the transaction manager hands them out in send order), each built for the owner nonce and the
// cluster snapshot it will land on: the snapshot the registration before it leaves, predicted for
// the block that one lands in (SSVNetwork charges fees up to that block, SSVFeeLib.sol).
//
// Why a failure cannot leave a gap: every registration carries the snapshot the one before it
// leaves, and SSVNetwork refuses a snapshot that is not the stored one (IncorrectClusterState). A
// registration behind one that reverted, was dropped or landed in another block than predicted
// therefore reverts too: no ValidatorAdded lands out of order, and a reverted transaction uses its
// bot-account nonce like a mined one. After such a failure nothing more is sent; the run waits
// for what is in flight and hands back the first key not registered, which the batch registers
// the sequential way (real snapshot and owner nonce read again; mnemonic keyshares built for the
// real next nonce; a DKG key signed for another nonce stops the batch as StaleKeyshares). That
// is why runs are confined to one cluster: across clusters there is no such link.
import type { RegisteredKeyshares } from '../protocol/registrar-types';
import type { ClusterSnapshot } from './chain/reads-types';
import type { FeeParameters } from './funding/arithmetic';
import type { RegistrationView } from '../protocol/registration-landing';

/** SSVNetwork keeps fees and indexes shrunk by 1e7 (SSVFeeLib.DEDUCTED_DIGITS). */
const DEDUCTED_DIGITS = 10_000_000n;

/** The cluster a run starts from: as stored now, settled (fees charged) at `settledBlock`. */
export interface PipelineStart {
  cluster: ClusterSnapshot;
  settledBlock: number;
  /** The owner nonce the run's first registration takes. */
  ownerNonce: number;
  /** Sum of the cluster's operator fees and the network fee, wei per validator per block. */
  operatorFeesWei: bigint;
  networkFeeWei: bigint;
  /** SSV tokens Nexus holds: the run's amounts together may not exceed them. */
  nexusTokensWei: bigint;
  /** What each registration's amount is computed from. */
  fees: FeeParameters;
}

/** What one registration is built for. */
export interface PipelineSlot {
  ownerNonce: number;
  cluster: ClusterSnapshot;
  amountWei: bigint;
  /** Absent for a run's first send (estimated against the chain); the later ones cannot be estimated. */
  gasLimit?: bigint;
}

/** A registration sent and not yet known to be mined. */
export interface InFlight {
  hash: string;
  gasLimit: bigint;
  /** Mined and located (registration-landing.ts), or `failed` when it reverted or was dropped. */
  settled: Promise<RegisteredKeyshares | { failed: 'reverted' | 'dropped'; error: unknown }>;
}

export interface PipelineOps<K> {
  depth: number;
  /** Where a run starts after `view`; undefined: no prediction is possible (the key goes sequential). */
  start(view: RegistrationView): Promise<PipelineStart | undefined>;
  /** The registration's amount for the cluster as it will be (never a bare 0 by rule: funding/arithmetic.ts). */
  amountFor(start: PipelineStart, cluster: ClusterSnapshot): bigint;
  /** Sends `key` built for `slot`; undefined when the key must go the sequential way (nothing sent). */
  send(key: K, slot: PipelineSlot): Promise<InFlight | undefined>;
  /** The block `hash` was mined in, if it was. */
  minedBlock(hash: string): Promise<number | undefined>;
  latestBlock(): Promise<number>;
  /** After a drop the manager's nonce counter is wrong: read it again. */
  resyncNonce(reason: string): void;
}

export interface RunResult {
  /** The first key not registered by this run (the batch continues there). */
  next: number;
  /** A key landed off its nonce (onDone said stop). */
  stopped: boolean;
  /** The run stopped sending for cancellation: the batch must stop. */
  cancelled: boolean;
}

/**
 * The cluster after one registration onto `cluster` with `amountWei`, mined in `block`, given the
 * cluster's index and network fee index at `ref.block` (exactly SSVNetwork._settleRegistration).
 */
export function clusterAfter(
  cluster: ClusterSnapshot,
  amountWei: bigint,
  block: number,
  ref: { block: number; index: bigint; networkFeeIndex: bigint },
  rates: { burnRate: bigint; networkFee: bigint },
): ClusterSnapshot {
  const blocks = BigInt(block - ref.block);
  const index = ref.index + blocks * rates.burnRate;
  const networkFeeIndex = ref.networkFeeIndex + blocks * rates.networkFee;
  const count = BigInt(cluster.validatorCount);
  const usage =
    ((index - BigInt(cluster.index)) * count + (networkFeeIndex - BigInt(cluster.networkFeeIndex)) * count) *
    DEDUCTED_DIGITS;
  const funded = BigInt(cluster.balance) + amountWei;
  return {
    validatorCount: cluster.validatorCount + 1,
    networkFeeIndex: networkFeeIndex.toString(),
    index: index.toString(),
    active: cluster.active,
    balance: (usage > funded ? 0n : funded - usage).toString(),
  };
}

/** Gas a later send gets above the run's first estimate (an amount that was 0 there costs an approve and a transfer). */
const LATER_SEND_EXTRA_GAS = 100_000n;

/**
 * Registers keys[from..] pipelined. `onDone` gets every registration that landed, in key order
 * (it heartbeats and says whether the batch must stop: a key landed off its nonce). `cancelled`
 * is asked before each send. Nothing is left in flight on return except after a drop, whose
 * followers cannot be mined before the dropped nonce is used again: the batch's sequential step
 * for the dropped key uses it, and the followers' journal records are waited for there.
 */
export async function pipelineRun<K>(
  keys: readonly K[],
  from: number,
  view: RegistrationView,
  ops: PipelineOps<K>,
  onDone: (done: RegisteredKeyshares) => boolean,
  cancelled: () => boolean,
): Promise<RunResult> {
  const start = await ops.start(view);
  if (!start) return { next: from, stopped: false, cancelled: false };
  const rates = {
    burnRate: start.operatorFeesWei / DEDUCTED_DIGITS,
    networkFee: start.networkFeeWei / DEDUCTED_DIGITS,
  };
  const ref = {
    block: start.settledBlock,
    index: BigInt(start.cluster.index),
    networkFeeIndex: BigInt(start.cluster.networkFeeIndex),
  };
  const inFlight: { index: number; flight: InFlight }[] = [];
  let cluster = start.cluster;
  let tokens = start.nexusTokensWei;
  let last: { flight: InFlight; amountWei: bigint } | undefined;
  let gasLimit: bigint | undefined;
  let next = from;
  let sending = true;
  let stopped = false;
  let wasCancelled = false;
  let failedAt: number | undefined;

  while (next < keys.length || inFlight.length > 0) {
    if (!sending || next >= keys.length || inFlight.length >= ops.depth) {
      const oldest = inFlight.shift();
      if (!oldest) break;
      const outcome = await oldest.flight.settled;
      if ('failed' in outcome) {
        failedAt ??= oldest.index;
        sending = false;
        if (outcome.failed === 'dropped') {
          // Its followers wait behind a nonce nobody uses: the sequential step for this key fills it.
          ops.resyncNonce(`pipelined registration ${oldest.flight.hash} dropped`);
          for (const rest of inFlight) void rest.flight.settled.catch(() => undefined);
          return { next: failedAt, stopped, cancelled: wasCancelled };
        }
      } else if (failedAt === undefined) {
        // Behind a failure a key that landed anyway is found registered by the sequential step.
        if (onDone(outcome)) {
          stopped = true;
          sending = false;
        }
      }
      continue;
    }
    if (cancelled()) {
      // Cancellation stops new sends; the ones in flight are waited for (they are sent already).
      wasCancelled = true;
      sending = false;
      continue;
    }
    if (last) {
      // This key's snapshot is the one the previous registration leaves in its block: its
      // receipt's block when mined, else the next block (head read first: a receipt seen
      // missing after it cannot be in a block at or below that head).
      const head = await ops.latestBlock();
      const block = (await ops.minedBlock(last.flight.hash)) ?? head + 1;
      cluster = clusterAfter(cluster, last.amountWei, block, ref, rates);
    }
    const amountWei = ops.amountFor(start, cluster);
    if (amountWei > tokens) {
      sending = false; // the sequential step reports the shortage (RegistrationUnfunded)
      continue;
    }
    const flight = await ops.send(keys[next], {
      ownerNonce: start.ownerNonce + (next - from),
      cluster,
      amountWei,
      gasLimit,
    });
    if (!flight) {
      sending = false;
      continue;
    }
    gasLimit ??= flight.gasLimit + LATER_SEND_EXTRA_GAS;
    tokens -= amountWei;
    last = { flight, amountWei };
    inFlight.push({ index: next, flight });
    next++;
  }
  return { next: failedAt ?? next, stopped, cancelled: wasCancelled };
}
