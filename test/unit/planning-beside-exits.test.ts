// Creation beside exits in flight (issue 15): creation plans with the exiting validators counted as
// gone and their ETH not yet back; exits start only above the limit. Over random states, for one
// limit, no validator is ever both created and exited: the two plans never both propose work, and
// after either is carried out the other proposes none.
import assert from 'node:assert/strict';
import {
  planCreation,
  planExits,
  bridgeAllowsDeposits,
  PlanningInputError,
  type BridgeState,
} from '../../workflows/planning';
import { asBasisPoints } from '../../protocol/identifiers';

const ETH = 10n ** 18n;
const DEPOSIT = 32n * ETH;
const STATES = 5000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The share as the contracts floor it, written out independently of planning.ts. */
function flooredShare(staked: bigint, total: bigint): bigint {
  return total === 0n ? 0n : (staked * DEPOSIT * 10_000n) / total;
}

interface State extends BridgeState {
  /** Validators in exit batches in flight (what the exit rule counts as gone). */
  inFlight: number;
  /** Of those, the ones Nexus was told about and validatorCount still counts (what creation counts). */
  irrevocable: number;
}

function randomState(random: () => number): State {
  const validatorCount = BigInt(Math.floor(random() * 200));
  const inFlight = random() < 0.2 ? 0 : Math.floor(random() * Number(validatorCount + 1n) * random());
  const irrevocable = random() < 0.5 ? inFlight : Math.floor(random() * (inFlight + 1));
  // Balances from empty to several times the staked ETH, not always whole ETH.
  const bridgeBalanceWei =
    BigInt(Math.floor(random() * 12_000)) * ETH + (random() < 0.5 ? BigInt(Math.floor(random() * 1e15)) : 0n);
  // Limits at the edges too.
  const r = random();
  const stakingLimitBps = asBasisPoints(r < 0.05 ? 0 : r < 0.1 ? 10_000 : Math.floor(random() * 10_001));
  return { bridgeBalanceWei, validatorCount, stakingLimitBps, inFlight, irrevocable };
}

const create = (s: State, maxBatch: number) =>
  planCreation({ ...s, pendingDeposits: 0, exiting: s.irrevocable, maxBatch });
const exit = (s: State, maxBatch: number) => planExits({ ...s, exiting: s.inFlight, maxBatch });
const show = (s: State) =>
  `balance ${s.bridgeBalanceWei} wei, ${s.validatorCount} validators, ${s.inFlight} in flight (${s.irrevocable} irrevocable), limit ${s.stakingLimitBps} bps`;

describe('planning: creation beside exits in flight', () => {
  it('matches a worked example: 20 validators of 3200 ETH, 10 exiting, limit raised to 3000 bps', () => {
    const state = {
      bridgeBalanceWei: 2560n * ETH,
      validatorCount: 20n,
      stakingLimitBps: asBasisPoints(3000),
      pendingDeposits: 0,
      maxBatch: 100,
    };
    // Counted as staying: 30 % of 3200 ETH is 30 validators, 10 more.
    assert.equal(planCreation({ ...state, exiting: 0 }).toCreate, 10);
    // Counted as gone, their ETH not back: 10 stay of 2880 ETH, 30 % is 27, but the bridge (which
    // still counts the 10) stops at 34 in all: 14 more.
    const beside = planCreation({ ...state, exiting: 10 });
    assert.equal(beside.toCreate, 14);
    assert.match(
      beside.reason,
      /14 more validator\(s\) fit under 3000 bps with the 10 exiting counted as gone, their ETH not yet back/,
    );
    // The exit rule finds 24 staying of 3200 ETH within the limit.
    assert.equal(
      planExits({
        bridgeBalanceWei: (2560n - 14n * 32n) * ETH,
        validatorCount: 34n,
        stakingLimitBps: asBasisPoints(3000),
        exiting: 10,
        maxBatch: 100,
      }).toExit,
      0,
    );
    // The ETH back and accounted: 24 of 3200 ETH, 6 more to 30 %.
    assert.equal(
      planCreation({ ...state, bridgeBalanceWei: (2560n - 14n * 32n + 320n) * ETH, validatorCount: 24n, exiting: 0 })
        .toCreate,
      6,
    );
  });

  it(`never creates and exits for one limit (${STATES} random states): the plans never both propose work, and after either is carried out the other proposes none`, () => {
    const random = rng(15_004);
    const seen = { creations: 0, creationsBesideExits: 0, moreThanCountedStaying: 0, exits: 0, exitsBesideExits: 0 };
    for (let i = 0; i < STATES; i++) {
      const s = randomState(random);
      const maxBatch = random() < 0.5 ? 1_000_000 : 1 + Math.floor(random() * 20);
      const creation = create(s, maxBatch);
      const exits = exit(s, maxBatch);
      assert.ok(
        creation.toCreate === 0 || exits.toExit === 0,
        `both create ${creation.toCreate} and exit ${exits.toExit}: ${show(s)}`,
      );

      if (creation.toCreate > 0) {
        seen.creations++;
        if (s.irrevocable > 0) seen.creationsBesideExits++;
        if (creation.toCreate > planCreation({ ...s, pendingDeposits: 0, exiting: 0, maxBatch }).toCreate)
          seen.moreThanCountedStaying++;
        const n = BigInt(creation.toCreate);
        // The deposit passes the bridge's own check, which counts the exiting validators.
        assert.ok(bridgeAllowsDeposits(s, n), `the bridge would revert ${n} deposits: ${show(s)}`);
        const created: State = {
          ...s,
          bridgeBalanceWei: s.bridgeBalanceWei - n * DEPOSIT,
          validatorCount: s.validatorCount + n,
        };
        assert.equal(exit(created, 1_000_000).toExit, 0, `exits after creating ${n}: ${show(s)}`);
        // Every exit in flight completes (ETH back, accounted): still within the limit, nothing exits.
        const settled: State = {
          ...created,
          bridgeBalanceWei: created.bridgeBalanceWei + BigInt(s.inFlight) * DEPOSIT,
          validatorCount: created.validatorCount - BigInt(s.inFlight),
          inFlight: 0,
          irrevocable: 0,
        };
        assert.equal(exit(settled, 1_000_000).toExit, 0, `exits once the ETH is back, after creating ${n}: ${show(s)}`);
        assert.ok(
          flooredShare(settled.validatorCount, settled.bridgeBalanceWei + settled.validatorCount * DEPOSIT) <=
            BigInt(s.stakingLimitBps),
          `above the limit once settled: ${show(s)}`,
        );
      }

      if (exits.toExit > 0) {
        seen.exits++;
        if (s.inFlight > 0) seen.exitsBesideExits++;
        const e = exits.toExit;
        // The batch starts (in flight); Nexus is told of some or all of it: creation adds nothing.
        const told = Math.floor(random() * (e + 1));
        const exiting: State = { ...s, inFlight: s.inFlight + e, irrevocable: s.irrevocable + told };
        assert.equal(create(exiting, 1_000_000).toCreate, 0, `creation after exiting ${e} (${told} told): ${show(s)}`);
        const allTold: State = { ...exiting, irrevocable: exiting.inFlight };
        assert.equal(create(allTold, 1_000_000).toCreate, 0, `creation after exiting ${e}, all told: ${show(s)}`);
        // Those exits complete: their ETH back and accounted. Creation adds none back while the others are in flight, nor after.
        const back: State = {
          ...allTold,
          bridgeBalanceWei: s.bridgeBalanceWei + BigInt(e) * DEPOSIT,
          validatorCount: s.validatorCount - BigInt(e),
          inFlight: s.inFlight,
          irrevocable: s.inFlight,
        };
        assert.equal(create(back, 1_000_000).toCreate, 0, `creation once ${e} exits are back: ${show(s)}`);
      }
    }
    // The random states reach every case that matters.
    assert.ok(
      seen.creationsBesideExits > 200,
      `only ${seen.creationsBesideExits} creations beside exits: ${JSON.stringify(seen)}`,
    );
    assert.ok(
      seen.moreThanCountedStaying > 100,
      `counting the exiting as gone rarely mattered: ${JSON.stringify(seen)}`,
    );
    assert.ok(
      seen.exitsBesideExits > 200,
      `only ${seen.exitsBesideExits} exits beside exits in flight: ${JSON.stringify(seen)}`,
    );
  });

  it('creates nothing when more are exiting than the bridge counts, and rejects a bad exiting count with the field named', () => {
    const plan = planCreation({
      bridgeBalanceWei: 6400n * ETH,
      validatorCount: 2n,
      stakingLimitBps: asBasisPoints(10_000),
      pendingDeposits: 0,
      exiting: 3,
      maxBatch: 10,
    });
    assert.equal(plan.toCreate, 0);
    assert.match(plan.reason, /waiting for the chain/);
    for (const exiting of [-1, 1.5]) {
      assert.throws(
        () =>
          planCreation({
            bridgeBalanceWei: 0n,
            validatorCount: 0n,
            stakingLimitBps: asBasisPoints(0),
            pendingDeposits: 0,
            exiting,
            maxBatch: 1,
          }),
        (err: Error) => err instanceof PlanningInputError && /exiting/.test(err.message),
      );
    }
  });
});
