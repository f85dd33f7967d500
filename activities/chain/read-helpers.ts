// Small helpers the chain reads share (reads.ts): block number, argument checks, log positions, scans.
import { ethers, type Provider } from 'ethers';
import { uint64Arg } from './call';
import { checkBlockRange, type BlockRangeOptions } from './logs';
import { InvalidChainDataError, InvalidReadArgumentError } from './read-errors';
import { SSV_CLUSTER_SIZES, type LogPosition, type ScanOptions } from './reads-types';

export { pinBlock } from './call';

export async function latestBlockNumber(provider: Provider): Promise<number> {
  const n = await provider.getBlockNumber();
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidChainDataError(`eth_blockNumber answered ${n}`);
  return n;
}

export function operatorIdsArg(ids: readonly (number | bigint | string)[], what: string): number[] {
  if (!Array.isArray(ids)) throw new InvalidReadArgumentError(`${what} must be an array of operator ids`);
  const out = ids.map((id, i) => {
    const n = uint64Arg(id, `${what}[${i}]`);
    if (n === 0n || n > BigInt(Number.MAX_SAFE_INTEGER))
      throw new InvalidReadArgumentError(`${what}[${i}] is not a usable operator id: ${n}`);
    return Number(n);
  });
  if (!SSV_CLUSTER_SIZES.includes(out.length))
    throw new InvalidReadArgumentError(`${what} has ${out.length} operators; SSV clusters have 4, 7, 10 or 13`);
  for (let i = 1; i < out.length; i++) {
    if (out[i] <= out[i - 1])
      throw new InvalidReadArgumentError(`${what} must be strictly ascending (SSV's order), got ${out.join(',')}`);
  }
  return out;
}

export function logPosition(log: ethers.Log): LogPosition {
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
}

export function ownerTopic(owner: string): string {
  return ethers.zeroPadValue(owner, 32).toLowerCase();
}

export async function resolveScan(provider: Provider, opts: ScanOptions, where: string): Promise<BlockRangeOptions> {
  const toBlock = opts.toBlock ?? (await latestBlockNumber(provider));
  const range: BlockRangeOptions = { ...opts, toBlock };
  checkBlockRange(range, where);
  return range;
}
