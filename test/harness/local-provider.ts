// The JSON-RPC provider the tests point at a local node (anvil).
import { ethers } from 'ethers';

/** A provider for a local node as the tests use it: no network probe, fast polling, no cached answers (the chain moves under the test). */
export function localProvider(url: string, chainId: number): ethers.JsonRpcProvider {
  return new ethers.JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
}
