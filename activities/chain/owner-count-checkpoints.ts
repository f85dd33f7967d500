// The SSV owner's ValidatorAdded events, counted once. Reading the owner nonce and locating a
// registration both count the owner's ValidatorAdded events from SSVNetwork's deployment block:
// on mainnet a year and more of blocks, about a hundred eth_getLogs calls at 10,000 blocks each,
// for every registration. A checkpoint keeps a count up to a block that was confirmed when it was
// counted, with that block's hash: a later count starts after it. Its hash is checked first (one
// eth_getBlockByNumber): a reorg that reached it (deeper than the configured confirmations), or a
// backend on another chain, drops every checkpoint and the count starts at the deployment block
// again. Kept in memory, per worker process: a restarted worker pays one full count.
import type { Provider } from 'ethers';

interface Checkpoint {
  block: number;
  hash: string;
  /** ValidatorAdded events of the owner in [deployment block, block]. */
  count: number;
}

/** Where a count starts: the first block to scan, and the events before it. */
export interface CountStart {
  fromBlock: number;
  count: number;
}

/** Enough for every registration a pipelined run keeps in flight to find one below its block. */
const KEPT = 256;

export class OwnerCountCheckpoints {
  private readonly kept: Checkpoint[] = []; // ascending by block

  constructor(
    private readonly provider: Provider,
    private readonly deployBlock: number,
    /** The scan's largest range: a count that takes one eth_getLogs anyway needs no checkpoint. */
    private readonly maxRange: number,
  ) {}

  /**
   * Counts up to `toBlock` with `scan`, started at the latest checkpoint at or below `toBlock`
   * (and below `before`, when the event sought lies at or after that block), then keeps `toBlock`
   * as a checkpoint if its hash did not change during the count.
   */
  async count<T extends { total: number }>(
    toBlock: number,
    scan: (start: CountStart) => Promise<T>,
    before?: number,
  ): Promise<T> {
    if (toBlock - this.deployBlock < this.maxRange) return scan(this.origin);
    const hash = await this.hashOf(toBlock);
    const result = await scan(await this.start(toBlock, before));
    if (hash !== undefined && (await this.hashOf(toBlock)) === hash)
      this.keep({ block: toBlock, hash, count: result.total });
    return result;
  }

  /** The count from the deployment block, ignoring the checkpoints (a fallback for events older than them). */
  get origin(): CountStart {
    return { fromBlock: this.deployBlock, count: 0 };
  }

  private async start(toBlock: number, before: number | undefined): Promise<CountStart> {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const at = this.kept[i];
      if (at.block > toBlock || (before !== undefined && at.block >= before)) continue;
      if ((await this.hashOf(at.block)) === at.hash) return { fromBlock: at.block + 1, count: at.count };
      this.kept.length = 0; // the chain changed under it: trust none
      break;
    }
    return this.origin;
  }

  private keep(at: Checkpoint): void {
    const i = this.kept.findIndex((k) => k.block >= at.block);
    if (i >= 0 && this.kept[i].block === at.block) return;
    this.kept.splice(i < 0 ? this.kept.length : i, 0, at);
    if (this.kept.length > KEPT) this.kept.shift();
  }

  private async hashOf(block: number): Promise<string | undefined> {
    return (await this.provider.getBlock(block))?.hash ?? undefined;
  }
}
