// An incremental index of the validator pubkeys that appear in one contract event (the deposit
// contract's DepositEvent, SSVNetwork's ValidatorAdded of every owner): the pre-deposit guard asks
// it whether a key was ever deposited or registered, and scanning the whole history per batch does
// not scale on mainnet. The index is a locator: it keeps (pubkey prefix, block) pairs, 8 bytes
// each (prefix-block-set.ts); a hit is confirmed by fetching those blocks' logs and matching the
// whole pubkey (so the answer is exact and carries the logs themselves).
//
// Only blocks at least `reorgBlocks` deep are indexed and persisted; the blocks above them (the
// unconfirmed tail) are scanned afresh at every lookup, so a reorg can neither leave a stale entry
// nor hide a new one. Persisted in `folder` as an append-only entry file plus a cursor written
// after each chunk (temp file + rename): a worker killed mid-scan resumes where it stopped, and
// entries past the cursor (appended before the cursor moved) are ignored on load.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Log, Provider } from 'ethers';
import { scanLogs } from './logs';
import { InvalidChainDataError } from './read-errors';
import { blockOfPair, MAX_INDEXED_BLOCK, packPair, PrefixBlockSet } from './prefix-block-set';

export interface PubkeyLogSource {
  /** File name stem and message name, e.g. `deposit-contract`. */
  name: string;
  contract: string;
  what: string;
  address: string;
  topic0: string;
  /** First block to index: no key the bot makes can appear before it (see the README). */
  fromBlock: number;
  /** The pubkey a log carries, lower-case 0x-hex (48 bytes). */
  pubkeyOf(log: Log): string;
}

export interface PubkeyLogIndexOptions {
  provider: Provider;
  source: PubkeyLogSource;
  maxRange: number;
  /** Blocks below the head that are not yet trusted (scanned per lookup, never persisted). */
  reorgBlocks: number;
  /** Folder of the persisted index; absent: in memory only (rebuilt after each start). */
  folder?: string;
}

export interface PubkeyLogLookup {
  /** Logs carrying each found pubkey, oldest first. */
  found: Map<string, Log[]>;
  /** The head the lookup covered. */
  headBlock: number;
  /** Indexed blocks scanned by this lookup's refresh (0 once caught up). */
  refreshedBlocks: number;
}

interface Cursor {
  version: 1;
  address: string;
  topic0: string;
  fromBlock: number;
  scannedTo: number;
  anchor?: Anchor;
}
/** A block the index read and its hash: a chain that no longer has it is another chain (a reset local chain, a deep reorg). */
interface Anchor {
  block: number;
  hash: string;
}

export class PubkeyLogIndex {
  readonly #o: PubkeyLogIndexOptions;
  readonly #pairs = new PrefixBlockSet();
  #scannedTo: number;
  #anchor: Anchor | undefined;
  #loaded = false;
  #verified = false;
  #refreshing: Promise<number> | undefined;

  constructor(options: PubkeyLogIndexOptions) {
    this.#o = options;
    this.#scannedTo = options.source.fromBlock - 1;
  }

  /** Entries held ((pubkey prefix, block) pairs) and the last indexed block. */
  get size(): { entries: number; scannedTo: number } {
    return { entries: this.#pairs.size, scannedTo: this.#scannedTo };
  }

  /** Which of `pubkeys` appear in the source's logs up to the head, with those logs. */
  async lookup(
    pubkeys: readonly string[],
    onProgress?: (p: { scannedBlocks: number; totalBlocks: number }) => void,
  ): Promise<PubkeyLogLookup> {
    const { provider, source, maxRange } = this.#o;
    const headBlock = await provider.getBlockNumber();
    const refreshedBlocks = await this.#refresh(headBlock - this.#o.reorgBlocks, onProgress);
    // Taken once: a concurrent refresh may move the cursor, and the indexed part and the tail
    // must meet exactly at the block this lookup's pairs are complete up to.
    const indexedTo = this.#scannedTo;
    const wanted = new Set(pubkeys.map((p) => p.toLowerCase()));
    const found = new Map<string, Log[]>();
    const add = (log: Log) => {
      const key = source.pubkeyOf(log);
      if (!wanted.has(key)) return;
      found.set(key, [...(found.get(key) ?? []), log]);
    };
    // Indexed part: confirm each prefix hit on its block.
    const blocks = new Set<number>();
    for (const key of wanted) for (const block of this.#pairs.blocksOf(key)) if (block <= indexedTo) blocks.add(block);
    const query = { contract: source.contract, what: source.what, address: source.address, topic0: [source.topic0] };
    for (const block of [...blocks].sort((a, b) => a - b)) {
      await scanLogs(provider, query, { fromBlock: block, toBlock: block, maxRange: 1 }, 'forward', (logs) => {
        logs.forEach(add);
      });
    }
    // Unconfirmed tail: read afresh every time.
    const tailFrom = Math.max(indexedTo + 1, source.fromBlock);
    if (tailFrom <= headBlock)
      await scanLogs(provider, query, { fromBlock: tailFrom, toBlock: headBlock, maxRange }, 'forward', (logs) => {
        logs.forEach(add);
      });
    return { found, headBlock, refreshedBlocks };
  }

  /** Indexes up to `safeBlock` (one refresh at a time: concurrent lookups wait for it). */
  async #refresh(
    safeBlock: number,
    onProgress?: (p: { scannedBlocks: number; totalBlocks: number }) => void,
  ): Promise<number> {
    while (this.#refreshing) await this.#refreshing.catch(() => undefined);
    // Set synchronously after the wait: load, chain check and scan all run under the one lock.
    const run = (async () => {
      if (!this.#loaded) this.#load();
      if (!this.#verified) await this.#verifyChain();
      return safeBlock <= this.#scannedTo ? 0 : this.#scan(safeBlock, onProgress);
    })();
    this.#refreshing = run;
    try {
      return await run;
    } finally {
      if (this.#refreshing === run) this.#refreshing = undefined;
    }
  }

  /** A stored index whose last block is not on this chain (same addresses, new chain) is dropped and rebuilt. */
  async #verifyChain(): Promise<void> {
    if (this.#scannedTo >= this.#o.source.fromBlock) {
      const anchor = this.#anchor;
      const block = anchor && (await this.#o.provider.getBlock(anchor.block));
      if (!anchor || !block || block.hash !== anchor.hash) {
        this.#pairs.clear();
        this.#scannedTo = this.#o.source.fromBlock - 1;
        this.#anchor = undefined;
        const paths = this.#paths();
        if (paths) {
          rmSync(paths.entries, { force: true });
          rmSync(paths.cursor, { force: true });
        }
      }
    }
    this.#verified = true;
  }

  async #scan(
    toBlock: number,
    onProgress?: (p: { scannedBlocks: number; totalBlocks: number }) => void,
  ): Promise<number> {
    const { provider, source, maxRange } = this.#o;
    const fromBlock = this.#scannedTo + 1;
    await scanLogs(
      provider,
      { contract: source.contract, what: source.what, address: source.address, topic0: [source.topic0] },
      { fromBlock, toBlock, maxRange, onProgress },
      'forward',
      (logs, range) => {
        const lines: string[] = [];
        for (const log of logs) {
          if (log.blockNumber > MAX_INDEXED_BLOCK)
            throw new InvalidChainDataError(
              `${source.contract} ${source.what} log in block ${log.blockNumber}: beyond the index's range`,
            );
          const pair = packPair(source.pubkeyOf(log), log.blockNumber);
          if (this.#pairs.add(pair)) lines.push(`${pair.toString(16).padStart(16, '0')}\n`);
        }
        this.#scannedTo = range.to;
        // Mid-scan, the last log read anchors the index (a crash resumes from here after a restart).
        const last = logs[logs.length - 1];
        if (last) this.#anchor = { block: last.blockNumber, hash: last.blockHash };
        this.#persist(lines);
      },
    );
    const head = await provider.getBlock(this.#scannedTo);
    if (head?.hash) this.#anchor = { block: this.#scannedTo, hash: head.hash };
    this.#persist([]);
    return toBlock - fromBlock + 1;
  }

  #paths(): { entries: string; cursor: string } | undefined {
    const { folder, source } = this.#o;
    if (!folder) return undefined;
    const stem = join(folder, `${source.name}-${source.address.toLowerCase()}`);
    return { entries: `${stem}.entries`, cursor: `${stem}.cursor.json` };
  }

  #cursor(): Cursor {
    const { source } = this.#o;
    return {
      version: 1,
      address: source.address.toLowerCase(),
      topic0: source.topic0.toLowerCase(),
      fromBlock: source.fromBlock,
      scannedTo: this.#scannedTo,
      ...(this.#anchor ? { anchor: this.#anchor } : {}),
    };
  }

  #load(): void {
    this.#loaded = true;
    const paths = this.#paths();
    if (!paths) return;
    mkdirSync(this.#o.folder as string, { recursive: true, mode: 0o700 });
    const want = this.#cursor();
    let cursor: Cursor | undefined;
    try {
      cursor = JSON.parse(readFileSync(paths.cursor, 'utf8')) as Cursor;
    } catch {
      cursor = undefined;
    }
    // Another contract, event or start block: the stored index answers another question.
    if (
      !cursor ||
      cursor.version !== 1 ||
      cursor.address !== want.address ||
      cursor.topic0 !== want.topic0 ||
      cursor.fromBlock !== want.fromBlock ||
      !Number.isSafeInteger(cursor.scannedTo)
    ) {
      rmSync(paths.entries, { force: true });
      rmSync(paths.cursor, { force: true });
      return;
    }
    if (existsSync(paths.entries)) {
      // One line per pair, 16 hex digits; a line cut short by a crash, or a pair past the cursor
      // (appended before the cursor moved), is left out: those blocks are scanned again.
      const text = readFileSync(paths.entries, 'latin1');
      const complete = text.lastIndexOf('\n') + 1;
      // Cut a torn last line now, or the next append would glue a good line to it.
      if (complete < text.length) truncateSync(paths.entries, complete);
      const pairs = new BigUint64Array(Math.ceil(complete / 17));
      let n = 0;
      for (let at = 0; at < complete;) {
        const end = text.indexOf('\n', at);
        const hex = text.slice(at, end);
        at = end + 1;
        if (!/^[0-9a-f]{16}$/.test(hex)) continue;
        const pair = BigInt(`0x${hex}`);
        if (blockOfPair(pair) <= cursor.scannedTo) pairs[n++] = pair;
      }
      this.#pairs.load(pairs.subarray(0, n));
    }
    this.#scannedTo = cursor.scannedTo;
    this.#anchor = cursor.anchor;
  }

  #persist(lines: string[]): void {
    const paths = this.#paths();
    if (!paths) return;
    if (lines.length > 0) appendFileSync(paths.entries, lines.join(''));
    const tmp = `${paths.cursor}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#cursor()));
    renameSync(tmp, paths.cursor);
  }
}
