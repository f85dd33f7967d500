// A compact set of (pubkey prefix, block) pairs: the in-memory form of the pre-deposit guard's log
// index (pubkey-log-index.ts). Each pair is one 64-bit word, the pubkey's first 38 bits above a
// 26-bit block number, kept in a sorted BigUint64Array (8 bytes per entry: 2.5 million deposits
// take 20 MB, where a Map of strings took ~250 MB). New pairs wait in a small pending set and are
// merged in batches. A lookup answers every block whose pair shares the key's prefix: the caller
// confirms each on chain, so a prefix shared by two keys costs one more eth_getLogs, never a miss.

const BLOCK_BITS = 26n; // 67,108,863 blocks: ~25 years of 12-second slots
const BLOCK_MASK = (1n << BLOCK_BITS) - 1n;
export const MAX_INDEXED_BLOCK = Number(BLOCK_MASK);
const MERGE_AT = 65_536;

/** The 38-bit prefix of a 0x-hex pubkey (its first 10 hex digits, less 2 bits). */
function prefixOf(pubkey: string): bigint {
  const hex = pubkey.replace(/^0x/i, '').slice(0, 10);
  if (!/^[0-9a-fA-F]{10}$/.test(hex)) throw new Error(`not a pubkey: ${pubkey.slice(0, 20)}`);
  return BigInt(`0x${hex}`) >> 2n;
}

export function packPair(pubkey: string, block: number): bigint {
  if (!Number.isSafeInteger(block) || block < 0 || block > MAX_INDEXED_BLOCK)
    throw new Error(`block ${block} is outside the index's range 0..${MAX_INDEXED_BLOCK}`);
  return (prefixOf(pubkey) << BLOCK_BITS) | BigInt(block);
}

export const blockOfPair = (pair: bigint): number => Number(pair & BLOCK_MASK);

export class PrefixBlockSet {
  #sorted: BigUint64Array = new BigUint64Array(0);
  #pending = new Set<bigint>();

  get size(): number {
    return this.#sorted.length + this.#pending.size;
  }

  /** Adds the pair; false when it was there already. */
  add(pair: bigint): boolean {
    if (this.#pending.has(pair) || this.#indexOf(pair) >= 0) return false;
    this.#pending.add(pair);
    if (this.#pending.size >= MERGE_AT) this.#merge();
    return true;
  }

  /** Replaces the content with `pairs` (any order, duplicates allowed): a load from disk. */
  load(pairs: BigUint64Array): void {
    const sorted = pairs.slice().sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
    this.#sorted = sorted.slice(0, n);
    this.#pending.clear();
  }

  clear(): void {
    this.load(new BigUint64Array(0));
  }

  /** Every block of a pair whose prefix is the pubkey's, ascending. */
  blocksOf(pubkey: string): number[] {
    const low = prefixOf(pubkey) << BLOCK_BITS;
    const high = low | BLOCK_MASK;
    const blocks: number[] = [];
    for (let i = this.#lowerBound(low); i < this.#sorted.length && this.#sorted[i] <= high; i++)
      blocks.push(blockOfPair(this.#sorted[i]));
    for (const pair of this.#pending) if (pair >= low && pair <= high) blocks.push(blockOfPair(pair));
    return [...new Set(blocks)].sort((a, b) => a - b);
  }

  #merge(): void {
    const merged = new BigUint64Array(this.#sorted.length + this.#pending.size);
    merged.set(this.#sorted);
    let i = this.#sorted.length;
    for (const pair of this.#pending) merged[i++] = pair;
    this.#sorted = merged.sort();
    this.#pending.clear();
  }

  #lowerBound(value: bigint): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(value: bigint): number {
    const i = this.#lowerBound(value);
    return i < this.#sorted.length && this.#sorted[i] === value ? i : -1;
  }
}
