// One eth_call of a view function at a pinned block, decoded with the bot's ABI, with errors that
// name the contract, the call and the block (shared by reads.ts, operators.ts, bridge-kind.ts and
// nexus-version.ts).
import { ethers, type BlockTag, type Interface, type Provider } from 'ethers';
import {
  ChainReadError,
  ContractCallRevertedError,
  EmptyRevertCallError,
  InvalidChainDataError,
  InvalidReadArgumentError,
} from './read-errors';
import { asBasisPoints, MAX_BASIS_POINTS, type BasisPoints } from '../../protocol/identifiers';

export interface ContractRef {
  name: string;
  address: string;
  iface: Interface;
}

export function checkAddress(value: string, what: string): string {
  if (typeof value !== 'string' || !ethers.isAddress(value))
    throw new InvalidReadArgumentError(`${what} must be an address, got ${JSON.stringify(value)}`);
  return ethers.getAddress(value);
}

/**
 * A staking limit as the chain gives it (a uint16), checked once: above 10000 is bad chain data,
 * named by `source` (e.g. "Nexus.rollups(0x…) at 0x… at block 7 returned").
 */
export function chainStakingLimit(raw: bigint, source: string): BasisPoints {
  try {
    return asBasisPoints(raw, 'stakingLimit');
  } catch {
    throw new InvalidChainDataError(`${source} stakingLimit ${raw}, above ${MAX_BASIS_POINTS} basis points`);
  }
}

export function uint64Arg(value: string | number | bigint, what: string): bigint {
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    throw new InvalidReadArgumentError(`${what} must be an integer, got ${JSON.stringify(String(value))}`);
  }
  if (n < 0n || n >= 1n << 64n) throw new InvalidReadArgumentError(`${what} must be a uint64, got ${n}`);
  return n;
}

export function formatArgs(args: readonly unknown[]): string {
  return args
    .map((a) => (typeof a === 'bigint' ? a.toString() : typeof a === 'string' ? a : JSON.stringify(a)))
    .join(', ');
}

/** Revert data of an ethers v6 CALL_EXCEPTION (or of the JSON-RPC error inside it). */
function revertDataOf(err: unknown): string | undefined {
  const e = err as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } } | null;
  for (const candidate of [e?.data, e?.info?.error?.data, e?.error?.data]) {
    if (typeof candidate === 'string' && /^0x[0-9a-fA-F]*$/.test(candidate)) return candidate;
  }
  return undefined;
}

/**
 * eth_call of a view function at a pinned block, decoded with the bot's ABI. A revert becomes
 * ContractCallRevertedError with the decoded error name; no return data (no contract there) or
 * undecodable data becomes InvalidChainDataError.
 */
export async function callView(
  provider: Provider,
  c: ContractRef,
  fn: string,
  args: readonly unknown[],
  blockNumber: number,
): Promise<ethers.Result> {
  const call = `${c.name}.${fn}(${formatArgs(args)})`;
  const data = c.iface.encodeFunctionData(fn, args);
  let raw: string;
  try {
    raw = await provider.call({ to: c.address, data, blockTag: blockNumber });
  } catch (err) {
    if (err instanceof ChainReadError) throw err;
    const revert = revertDataOf(err);
    if (ethers.isError(err, 'CALL_EXCEPTION') || revert !== undefined) {
      // A public contract without the function (or a call to address(0) inside it) reverts with
      // no data: the same call fails the same way on every retry.
      if (revert === '0x') throw new EmptyRevertCallError(c.name, c.address, call, blockNumber, { cause: err });
      const parsed = revert && revert.length >= 10 ? c.iface.parseError(revert) : null;
      const what = parsed
        ? `${parsed.name}(${formatArgs([...parsed.args])})`
        : revert && revert !== '0x'
          ? `with data ${revert.slice(0, 74)}`
          : 'without reason';
      throw new ContractCallRevertedError(
        `${call} at ${c.address} reverted ${what} at block ${blockNumber}`,
        parsed?.name,
        { cause: err },
      );
    }
    // Node trouble (a lagging node without that block, a server error): retryable, with the call named.
    const reason =
      (err as { shortMessage?: unknown; message?: unknown })?.shortMessage ??
      (err as { message?: unknown })?.message ??
      String(err);
    throw new ChainReadError(
      `${call} at ${c.address} failed at block ${blockNumber}: ${String(reason).slice(0, 300)}`,
      { cause: err },
    );
  }
  if (raw === '0x') {
    throw new InvalidChainDataError(
      `${call} at ${c.address} returned no data at block ${blockNumber}: is ${c.address} a ${c.name} contract on this chain?`,
    );
  }
  try {
    return c.iface.decodeFunctionResult(fn, raw);
  } catch (err) {
    throw new InvalidChainDataError(
      `${call} at ${c.address} returned data that does not decode as its ABI at block ${blockNumber}: ${raw.slice(0, 74)}`,
      { cause: err },
    );
  }
}

/** Resolves a block tag to one block (number + hash) so that several reads agree. */
export async function pinBlock(
  provider: Provider,
  blockTag: BlockTag = 'latest',
): Promise<{ blockNumber: number; blockHash: string }> {
  const block = await provider.getBlock(blockTag);
  if (!block) throw new InvalidChainDataError(`the node has no block ${String(blockTag)}`);
  if (
    !Number.isSafeInteger(block.number) ||
    block.number < 0 ||
    typeof block.hash !== 'string' ||
    !ethers.isHexString(block.hash, 32)
  ) {
    throw new InvalidChainDataError(
      `eth_getBlockByNumber(${String(blockTag)}) answered a block without a valid number or hash (${block.number}, ${block.hash})`,
    );
  }
  return { blockNumber: block.number, blockHash: block.hash };
}
