// Chunked eth_getLogs. Public and commercial nodes cap a query by block range (QuickNode, Ankr,
// Besu: "block range"), by result count (Infura: "query returned more than 10000 results") or by
// response size (Alchemy: "Log response size exceeded"); facts/peers.md §3.4. A scan walks the range
// in chunks of at most `maxRange` blocks, halves the chunk when the node answers such a limit error,
// and grows it back (doubling, up to maxRange) after each success. Every returned log is checked
// against the filter, so a misbehaving node cannot slip foreign logs into a count.
import type { Log, Provider } from 'ethers';
import { ChainReadError, InvalidChainDataError, InvalidReadArgumentError } from './read-errors';

export interface BlockRangeOptions {
  /** First block to scan (e.g. the contract's deployment block). */
  fromBlock: number;
  /** Last block to scan (inclusive). */
  toBlock: number;
  /** Largest block range per eth_getLogs request. */
  maxRange: number;
  /** Called after each chunk with the number of blocks done so far (e.g. an activity heartbeat). */
  onProgress?: (progress: { scannedBlocks: number; totalBlocks: number }) => void;
}

export interface LogQuery {
  /** Contract name for error messages. */
  contract: string;
  /** Event name(s) for error messages. */
  what: string;
  address: string;
  /** topics[0] alternatives (event selectors). */
  topic0: readonly string[];
  /** Optional topic1: exact (an indexed owner, for example) or alternatives (a set of operator ids). */
  topic1?: string | readonly string[];
}

export interface ScanStats {
  requests: number;
  /** Times the range was halved after a limit error. */
  splits: number;
}

/** Order of a scan: oldest chunk first, or newest first (to find the latest matching event fast). */
export type ScanDirection = 'forward' | 'backward';

const LIMIT_ERROR_PATTERNS: readonly RegExp[] = [
  /query returned more than \d+ results/i,
  /block range/i, // "block range too large", "exceed maximum block range", "block range is too wide"
  /range (is )?too (large|wide|big)/i,
  /exceeds? (the )?max(imum)? (block )?range/i,
  /requested range exceeds/i,
  /too many (results|logs|blocks)/i,
  /log response size exceeded/i,
  /response (size|is too) (exceeded|large|big)/i,
  /result(s)? (set )?(is )?too large/i,
  /limit(ed)? (exceeded|to (a )?[\d,]+)/i, // "limit exceeded", "eth_getLogs is limited to a 10,000 range"
  /max(imum)? results/i,
  /query timeout exceeded/i,
];
const RATE_LIMIT_PATTERN = /rate.?limit|too many requests|request rate|credits|capacity exceeded/i;

/** Collects the messages of an ethers error, its JSON-RPC error and causes (bounded depth). */
function errorTexts(err: unknown, depth = 0): string[] {
  if (err === null || err === undefined || depth > 4) return [];
  if (typeof err === 'string') return [err];
  if (typeof err !== 'object') return [];
  const e = err as {
    message?: unknown;
    shortMessage?: unknown;
    error?: unknown;
    info?: { error?: unknown };
    cause?: unknown;
    code?: unknown;
  };
  const out: string[] = [];
  for (const m of [e.message, e.shortMessage]) if (typeof m === 'string') out.push(m);
  out.push(
    ...errorTexts(e.error, depth + 1),
    ...errorTexts(e.info?.error, depth + 1),
    ...errorTexts(e.cause, depth + 1),
  );
  return out;
}

/** True when a node's getLogs error says the query was too big (range, result count or size). */
export function isLogRangeLimitError(err: unknown): boolean {
  const texts = errorTexts(err);
  // A rate limit is not cured by a smaller range (and shares code -32005 with result limits).
  if (texts.some((t) => RATE_LIMIT_PATTERN.test(t))) return false;
  const e = err as { error?: { code?: unknown }; info?: { error?: { code?: unknown } } } | null;
  // -32005 is the conventional "limit exceeded" JSON-RPC code (Infura, many proxies).
  if (e?.error?.code === -32005 || e?.info?.error?.code === -32005) return true;
  return texts.some((t) => LIMIT_ERROR_PATTERNS.some((p) => p.test(t)));
}

export function checkBlockRange(opts: BlockRangeOptions, where: string): void {
  for (const [name, value] of [
    ['fromBlock', opts.fromBlock],
    ['toBlock', opts.toBlock],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new InvalidReadArgumentError(`${where}: ${name} must be a block number ≥ 0, got ${value}`);
  }
  if (!Number.isSafeInteger(opts.maxRange) || opts.maxRange < 1) {
    throw new InvalidReadArgumentError(`${where}: maxRange must be a positive integer, got ${opts.maxRange}`);
  }
}

function checkLog(log: Log, query: LogQuery, from: number, to: number): void {
  const bad = (why: string) =>
    new InvalidChainDataError(
      `eth_getLogs for ${query.contract} ${query.what} in blocks ${from}..${to} returned a log that does not match the filter: ${why}`,
    );
  if (log.address.toLowerCase() !== query.address.toLowerCase()) throw bad(`address ${log.address}`);
  if (!query.topic0.some((t) => t.toLowerCase() === log.topics[0]?.toLowerCase())) throw bad(`topic0 ${log.topics[0]}`);
  if (query.topic1 !== undefined) {
    const wanted = (typeof query.topic1 === 'string' ? [query.topic1] : query.topic1).map((t) => t.toLowerCase());
    if (!wanted.includes(log.topics[1]?.toLowerCase() ?? '')) throw bad(`topic1 ${log.topics[1]}`);
  }
  if (!Number.isSafeInteger(log.blockNumber) || log.blockNumber < from || log.blockNumber > to)
    throw bad(`block ${log.blockNumber}`);
  if (log.removed) throw bad('a removed (reorged) log');
}

/**
 * Scans [fromBlock, toBlock] in adaptive chunks, calling `onChunk` with each chunk's logs sorted by
 * (block, log index). `onChunk` returning true stops the scan (used by backward scans that found
 * what they look for). Errors other than limit errors propagate, with the range in the message.
 */
export async function scanLogs(
  provider: Provider,
  query: LogQuery,
  opts: BlockRangeOptions,
  direction: ScanDirection,
  onChunk: (logs: Log[], range: { from: number; to: number }) => boolean | void,
): Promise<ScanStats> {
  checkBlockRange(opts, `${query.contract} ${query.what} log scan`);
  const stats: ScanStats = { requests: 0, splits: 0 };
  const { fromBlock, toBlock, maxRange } = opts;
  if (toBlock < fromBlock) return stats;
  const totalBlocks = toBlock - fromBlock + 1;
  const topics: (string | string[] | null)[] = [query.topic0.length === 1 ? query.topic0[0] : [...query.topic0]];
  if (query.topic1 !== undefined) topics.push(typeof query.topic1 === 'string' ? query.topic1 : [...query.topic1]);

  let range = maxRange;
  let scanned = 0;
  // Next block to scan: `low` going forward, `high` going backward.
  let low = fromBlock;
  let high = toBlock;
  while (low <= high) {
    const from = direction === 'forward' ? low : Math.max(low, high - range + 1);
    const to = direction === 'forward' ? Math.min(high, low + range - 1) : high;
    let logs: Log[];
    try {
      stats.requests++;
      logs = await provider.getLogs({ address: query.address, topics, fromBlock: from, toBlock: to });
    } catch (err) {
      if (err instanceof ChainReadError) throw err; // e.g. ChainIdMismatchError from the provider: keep its type
      if (isLogRangeLimitError(err) && to > from) {
        range = Math.max(1, Math.floor((to - from + 1) / 2));
        stats.splits++;
        continue;
      }
      const reason = errorTexts(err)[0] ?? String(err);
      throw new ChainReadError(
        `eth_getLogs for ${query.contract} ${query.what} at ${query.address} in blocks ${from}..${to} failed: ${reason.slice(0, 300)}`,
        { cause: err },
      );
    }
    for (const log of logs) checkLog(log, query, from, to);
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    scanned += to - from + 1;
    if (direction === 'forward') low = to + 1;
    else high = from - 1;
    range = Math.min(maxRange, range * 2);
    opts.onProgress?.({ scannedBlocks: scanned, totalBlocks });
    if (onChunk(logs, { from, to }) === true) break;
  }
  return stats;
}
