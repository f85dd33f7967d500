// The pre-deposit guard's decisions, one pure function per check (issue 13 item 8): each returns
// why a key fails it, or undefined when it passes. The activity (activity.ts) gathers the facts;
// nothing here reads the chain. A key whose shares others hold (DKG) can be deposited first by
// one of them with foreign withdrawal credentials, and the deposit contract credits the FIRST
// deposit's credentials: a later deposit by Nexus would only top that validator up. So every sign
// that a key exists elsewhere holds it, whatever credentials were used.
import type { BeaconValidator } from '../beacon/validators';
import type { DepositDataProblem } from '../keys/errors';
import type { GuardCheck, HeldKey } from './types';

/** Check 1: the beacon node does not know the key. */
export function beaconFinding(
  record: Pick<BeaconValidator, 'index' | 'status' | 'withdrawalCredentials' | 'activationEpoch'> | undefined,
  expected: { withdrawalCredentials: string; acceptOwnGenesisValidators: boolean },
): string | undefined {
  if (!record) return undefined;
  const own = record.withdrawalCredentials.toLowerCase() === expected.withdrawalCredentials.toLowerCase();
  // Local network only (depositGuard.acceptOwnGenesisValidators): its beacon genesis holds the
  // bot's own future keys, a stand-in for deposits the node cannot process. Nobody can add a
  // genesis validator later, so only an epoch-0 activation with this batch's credentials passes.
  if (expected.acceptOwnGenesisValidators && own && record.activationEpoch === 0) return undefined;
  return `the beacon node knows it: validator ${record.index} (${record.status}) with ${own ? "this batch's" : 'FOREIGN'} withdrawal credentials ${record.withdrawalCredentials}`;
}

export interface DepositLogEntry {
  withdrawalCredentials: string;
  amountGwei: bigint;
  blockNumber: number;
  txHash: string;
}

/** Check 2: the deposit contract's DepositEvent logs do not hold the key. */
export function depositContractFinding(
  entries: readonly DepositLogEntry[],
  withdrawalCredentials: string,
): string | undefined {
  if (entries.length === 0) return undefined;
  const first = entries[0];
  const foreign = entries.filter(
    (e) => e.withdrawalCredentials.toLowerCase() !== withdrawalCredentials.toLowerCase(),
  ).length;
  const total = entries.reduce((sum, e) => sum + e.amountGwei, 0n);
  return (
    `already in the deposit contract's DepositEvent logs (${entries.length} deposit(s), ${total} gwei): first in block ${first.blockNumber} (tx ${first.txHash}) ` +
    `with withdrawal credentials ${first.withdrawalCredentials}${foreign > 0 ? `; ${foreign} with FOREIGN withdrawal credentials` : ''}`
  );
}

export interface SsvRegistration {
  owner: string;
  blockNumber: number;
  txHash: string;
}

/** Check 3: no ValidatorAdded of SSVNetwork, under any owner, ever carried the key. */
export function ssvNetworkFinding(entries: readonly SsvRegistration[], nexus: string): string | undefined {
  if (entries.length === 0) return undefined;
  const owners = [...new Set(entries.map((e) => e.owner.toLowerCase()))];
  const first = entries[0];
  return (
    `already registered in SSVNetwork (ValidatorAdded) by owner(s) ${owners.map((o) => (o === nexus.toLowerCase() ? `${o} (Nexus)` : o)).join(', ')}: ` +
    `first in block ${first.blockNumber} (tx ${first.txHash})`
  );
}

/** Check 4: the deposit data verifies (roots, BLS signature under the configured network's deposit domain, credentials, 32 ETH). */
export function depositSignatureFinding(
  problems: readonly DepositDataProblem[] | undefined,
  depositNetwork: string,
): string | undefined {
  if (!problems || problems.length === 0) return undefined;
  return `deposit data does not verify for ${depositNetwork}: ${problems.map((p) => p.message).join('; ')}`;
}

/** The batch's verdict: keys with no failure pass (batch order kept); the others are held with every failure. */
export function guardVerdict(
  pubkeys: readonly string[],
  failures: ReadonlyMap<string, readonly { check: GuardCheck; reason: string }[]>,
): { passed: string[]; held: HeldKey[] } {
  const passed: string[] = [];
  const held: HeldKey[] = [];
  for (const pubkey of pubkeys) {
    const found = failures.get(pubkey.toLowerCase()) ?? [];
    if (found.length === 0) passed.push(pubkey);
    else held.push({ pubkey, failures: [...found] });
  }
  return { passed, held };
}

/** One line per held key, for logs, status and failure messages. */
export function describeHeld(held: readonly HeldKey[]): string {
  return held.map((h) => `${h.pubkey}: ${h.failures.map((f) => `[${f.check}] ${f.reason}`).join(' | ')}`).join('; ');
}
