// Human-readable forms of the statuses the workflows answer (the CLI's default output; --json
// prints the objects themselves).
import type { CreationStatus, ExitStatus, InFlightStep, MonitorStatus, StepHold } from '../protocol/messages';

/** The monitor's batches in flight: its creation, if any, then its exit batches. */
export function batchesInFlight(status: MonitorStatus): InFlightStep[] {
  return [...(status.inFlight ? [status.inFlight] : []), ...status.exitsInFlight];
}

export function formatMonitorStatus(status: MonitorStatus, workflowId: string): string[] {
  const v = status.validators;
  const lines = [
    `rollup      ${status.rollupAdmin} (${status.keyPath} keys), monitor ${workflowId}`,
    `phase       ${status.phase}${status.dryRun ? ' (dry run: plans only, sends nothing)' : ''}`,
    `paused      ${status.paused ? `yes: ${status.pauseReason ?? 'no reason given'}` : 'no'}`,
    `poll every  ${status.pollInterval}`,
    `last plan   ${status.lastPlan ? `${status.lastPlan.at} at block ${status.lastPlan.blockNumber}: create ${status.lastPlan.toCreate}, exit ${status.lastPlan.toExit ?? 0} (${status.lastPlan.reason})` : 'none yet'}`,
    `validators  staked ${v.staked ?? '?'}, creating ${v.creating}, exiting ${v.exiting}, unregistered ${v.unregistered}; created ${status.validatorsCreated} and exited ${status.validatorsExited} by this monitor`,
  ];
  const steps = batchesInFlight(status);
  if (steps.length === 0) lines.push('in flight   nothing');
  steps.forEach((step, i) =>
    lines.push(`${i === 0 ? 'in flight  ' : '           '} ${formatStep(step)}${ceremonyNote(status, step)}`),
  );
  if (status.exitBlocked) lines.push(`exits blocked ${status.exitBlocked.count}: ${status.exitBlocked.reason}`);
  if (status.guardHeld)
    lines.push(
      `guard held  ${status.guardHeld.count} key(s), none of their ETH sent; last at ${status.guardHeld.at}: ${status.guardHeld.last}`,
    );
  lines.push(...formatReconciliation(status.reconciliation));
  if (status.lastError) lines.push(`last error  ${status.lastError}`);
  return lines;
}

/** The last comparison with the chain: what differed, what the monitor did, what needs an operator. */
export function formatReconciliation(r: MonitorStatus['reconciliation']): string[] {
  if (!r) return ['reconciled  not yet'];
  const lines: string[] = [];
  if (r.at) {
    const counts =
      Object.entries(r.counts)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'none';
    lines.push(
      `reconciled  ${r.at} at block ${r.blockNumber}: ${r.submitted} key(s) submitted (${counts}); ${r.differences.length === 0 ? 'memory matched the chain' : `${r.differences.length} difference(s)`}`,
    );
  }
  r.differences.forEach((d) => lines.push(`  differed  ${d}`));
  r.actions.forEach((a) => lines.push(`  did       ${a}`));
  r.attention.forEach((a) => lines.push(`  ATTENTION ${a.pubkey}: ${a.reason}`));
  if (r.error) lines.push(`  failed    ${r.errorAt}: ${r.error} (memory kept; tried again at the next turn)`);
  return lines;
}

/** A DKG rollup's creation in phase key-material is an ssv-dkg ceremony with its operators. */
function ceremonyNote(status: MonitorStatus, step: InFlightStep): string {
  return status.keyPath === 'dkg' && step === status.inFlight && step.phase === 'key-material'
    ? ' (ssv-dkg ceremony in flight)'
    : '';
}

export function formatStep(step: InFlightStep): string {
  const waits = [
    step.hold && formatHold(step.hold),
    step.funding &&
      `held before its deposit, nothing deposited: ${step.funding.message} (since ${step.funding.since}, ${step.funding.checks} check${step.funding.checks === 1 ? '' : 's'})`,
    step.operators &&
      `waiting for its DKG operators, nothing reserved: ${step.operators.problem} (since ${step.operators.since}, ${step.operators.checks} check${step.operators.checks === 1 ? '' : 's'}, next ${step.operators.nextCheck})`,
  ].filter(Boolean);
  return `${step.workflowId} (${step.count} validator${step.count === 1 ? '' : 's'}) phase ${step.phase ?? 'starting'}${waits.map((w) => `, ${w}`).join('')}`;
}

/** Where a batch stands with respect to a pause (invariant 8). */
export function formatHold(hold: StepHold): string {
  switch (hold.state) {
    case 'held':
      return `held at a safe point ${hold.step} since ${hold.since}`;
    case 'finishing':
      return `paused, finishing a step that cannot stop half-way: ${hold.step} (since ${hold.since})`;
    case 'stopping':
      return `paused, stopping after the current step: ${hold.step} (since ${hold.since})`;
  }
}

export function formatCreationStatus(status: CreationStatus, workflowId: string, runStatus: string): string[] {
  return [
    `creation    ${workflowId} (${runStatus.toLowerCase()})`,
    `rollup      ${status.rollupAdmin} (${status.keyPath} keys), ${status.count} validator${status.count === 1 ? '' : 's'}`,
    `phase       ${status.phase}`,
    ...(status.rounds ? [formatRounds(status.rounds, status.count)] : []),
    `paused      ${status.paused ? `yes: ${status.pauseReason ?? 'no reason given'}` : 'no'}${status.hold ? `; ${formatHold(status.hold)}` : ''}`,
    ...(status.operators
      ? [
          `waiting     for its DKG operators, nothing reserved: ${status.operators.problem} (since ${status.operators.since}, next check ${status.operators.nextCheck})`,
        ]
      : []),
    ...(status.funding
      ? [`held        before its deposit, nothing deposited: ${status.funding.message} (since ${status.funding.since})`]
      : []),
    ...(status.pubkeys.length > 0
      ? status.pubkeys.map((p, i) => `${i === 0 ? 'pubkeys    ' : '           '} ${p}`)
      : ['pubkeys     not made yet']),
  ];
}

/** A creation in rounds: how far it is (its count is the most it may create; a round may plan fewer). */
export function formatRounds(rounds: NonNullable<CreationStatus['rounds']>, count: number): string {
  const most = Math.ceil(count / rounds.size);
  return `rounds      ${rounds.done} of at most ${most} done, ${rounds.deposited} of ${count} deposited (at most ${rounds.size} per deposit)`;
}

export function formatExitStatus(status: ExitStatus, workflowId: string, runStatus: string): string[] {
  return [
    `exit batch  ${workflowId} (${runStatus.toLowerCase()})`,
    `rollup      ${status.rollupAdmin} (${status.keyPath} keys)`,
    `phase       ${status.phase}${status.waiting ? `, waiting until ${status.waiting.until}: ${status.waiting.reason}` : ''}`,
    `paused      ${status.paused ? `yes: ${status.pauseReason ?? 'no reason given'}` : 'no'}${status.hold ? `; ${formatHold(status.hold)}` : ''}`,
    ...status.pending.map(
      (p, i) =>
        `${i === 0 ? 'pending    ' : '           '} ${p.pubkey} beacon ${p.beaconStatus ?? '?'}, nexus ${p.nexusStatus ?? '?'}${p.exitEpoch != null ? `, exit epoch ${p.exitEpoch}` : ''}${p.withdrawableEpoch != null ? `, withdrawable epoch ${p.withdrawableEpoch}` : ''}`,
    ),
    `exited      ${status.exited.length}${status.exited.length > 0 ? `: ${status.exited.join(', ')}` : ''}`,
    ...status.rejected.map((r, i) => `${i === 0 ? 'rejected   ' : '           '} ${r.pubkey}: ${r.reason}`),
    ...(status.attention ?? []).map((a, i) => `${i === 0 ? 'ATTENTION  ' : '           '} ${a.pubkey}: ${a.reason}`),
  ];
}
