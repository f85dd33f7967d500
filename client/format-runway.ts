// Human-readable form of the cluster runway watcher's status (`nexus-bot runway`).
import { formatEther } from 'ethers';
import type { RunwayStatus } from '../workflows/runway-messages';

const ssv = (wei: string | undefined) => (wei === undefined ? '?' : `${formatEther(wei)} SSV`);
const days = (blocks: string | undefined, blockTimeSeconds: number | undefined) =>
  blocks === undefined || blockTimeSeconds === undefined
    ? ''
    : ` (${((Number(blocks) * blockTimeSeconds) / 86_400).toFixed(1)} days)`;

export function formatRunwayStatus(status: RunwayStatus, workflowId: string): string[] {
  const { blockTimeSeconds } = status;
  const periodDays = status.budgetPeriodMs === undefined ? '?' : String(status.budgetPeriodMs / 86_400_000);
  const lines = [
    `watcher     ${workflowId}, last poll ${status.updatedAt ?? 'not yet'}${status.blockNumber !== undefined ? ` at block ${status.blockNumber}` : ''}`,
    `policy      top up below ${status.topUpBelowBlocks ?? '?'} blocks${days(status.topUpBelowBlocks, blockTimeSeconds)} to ${status.topUpToBlocks ?? '?'}${days(status.topUpToBlocks, blockTimeSeconds)}, alert below ${status.alertBelowBlocks ?? '?'}${days(status.alertBelowBlocks, blockTimeSeconds)}`,
    `budget      ${ssv(status.budgetLeftWei)} left of ${ssv(status.budgetWei)} per ${periodDays} days; ${status.spends.length} top-up${status.spends.length === 1 ? '' : 's'} in the period, ${status.topUps} requested in all; the bot holds ${ssv(status.botTokensWei)}`,
  ];
  if (status.clusters.length === 0) lines.push('clusters    none with a Nexus validator yet');
  status.clusters.forEach((c, i) => {
    const runway =
      c.runwayBlocks === null
        ? 'no validators, nothing burns'
        : `${c.runwayBlocks} blocks (${c.runwayDays?.toFixed(1)} days)`;
    lines.push(
      `${i === 0 ? 'clusters   ' : '           '} [${c.cluster}] ${c.state}: runway ${runway}, balance ${ssv(c.balanceWei)}, ${c.validatorCount} validator${c.validatorCount === 1 ? '' : 's'}${c.note ? `; ${c.note}` : ''}`,
    );
  });
  return lines;
}
