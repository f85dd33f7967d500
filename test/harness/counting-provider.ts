// A provider that counts the JSON-RPC methods it sends: how many eth_getLogs a read costs.
import { ethers } from 'ethers';

export class CountingProvider extends ethers.JsonRpcProvider {
  readonly calls = new Map<string, number>();

  override send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    return super.send(method, params);
  }

  /** `fn`'s value and the eth_getLogs sent while it ran. */
  async getLogsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; getLogs: number }> {
    const before = this.calls.get('eth_getLogs') ?? 0;
    const value = await fn();
    return { value, getLogs: (this.calls.get('eth_getLogs') ?? 0) - before };
  }
}
