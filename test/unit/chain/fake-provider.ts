// A minimal in-memory ethers Provider for unit tests of the chain reads: eth_call answered per
// (address, function selector) by handlers, eth_getLogs from a list filtered like a node would.
import { ethers, type Interface } from 'ethers';

type Handler = (data: string) => string;

/** A revert as ethers reports an eth_call revert (CALL_EXCEPTION with the data). */
export function revertError(data = '0x'): Error {
  return Object.assign(new Error('execution reverted'), { code: 'CALL_EXCEPTION', data });
}

export class FakeProvider {
  readonly handlers = new Map<string, Handler>();
  readonly logs: ethers.Log[] = [];
  readonly calls: string[] = [];
  blockNumber = 100;

  /** Answers `fn` of `iface` at `address` with `result` (values to encode) or a revert (an Error). */
  on(
    address: string,
    iface: Interface,
    fn: string,
    result: readonly unknown[] | Error | ((args: ethers.Result) => readonly unknown[] | Error),
  ): void {
    const f = iface.getFunction(fn);
    if (!f) throw new Error(`no ${fn}`);
    this.handlers.set(`${address.toLowerCase()}:${f.selector}`, (data) => {
      const r = typeof result === 'function' ? result(iface.decodeFunctionData(f, data)) : result;
      if (r instanceof Error) throw r;
      return iface.encodeFunctionResult(f, r);
    });
  }

  addLog(address: string, iface: Interface, event: string, args: readonly unknown[]): void {
    const { data, topics } = iface.encodeEventLog(event, args);
    this.logs.push({
      address: ethers.getAddress(address),
      data,
      topics,
      blockNumber: 10 + this.logs.length,
      index: 0,
      transactionHash: ethers.id(`tx${this.logs.length}`),
    } as unknown as ethers.Log);
  }

  async getBlock(): Promise<{ number: number; hash: string }> {
    return { number: this.blockNumber, hash: ethers.id(`block${this.blockNumber}`) };
  }

  async getBlockNumber(): Promise<number> {
    return this.blockNumber;
  }

  async call(tx: { to: string; data: string }): Promise<string> {
    const key = `${tx.to.toLowerCase()}:${tx.data.slice(0, 10)}`;
    this.calls.push(key);
    const h = this.handlers.get(key);
    if (!h) throw revertError('0x'); // no such function: the public contracts revert without data
    return h(tx.data);
  }

  async getBalance(): Promise<bigint> {
    return 0n;
  }

  async getLogs(filter: {
    address: string;
    topics: (string | string[] | null)[];
    fromBlock: number;
    toBlock: number;
  }): Promise<ethers.Log[]> {
    const match = (want: string | string[] | null | undefined, got: string | undefined) =>
      want === null ||
      want === undefined ||
      (Array.isArray(want)
        ? want.map((w) => w.toLowerCase()).includes(got?.toLowerCase() ?? '')
        : want.toLowerCase() === got?.toLowerCase());
    return this.logs.filter(
      (l) =>
        l.address.toLowerCase() === filter.address.toLowerCase() &&
        l.blockNumber >= filter.fromBlock &&
        l.blockNumber <= filter.toBlock &&
        filter.topics.every((t, i) => match(t, l.topics[i])),
    );
  }

  asProvider(): ethers.Provider {
    return this as unknown as ethers.Provider;
  }
}
