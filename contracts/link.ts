// Address constants of the local contracts, linked at deployment. The public Nexus contracts
// hard-code SSVNetwork and the SSV token (Nexus) and the deposit contract (bridges) as constants;
// the local sources keep them as constants too, holding the sentinels below, and deploy.ts
// replaces each sentinel in the creation bytecode with the address of the local deployment (the
// way a linker fills library addresses). The build disables the optimizer's inliner so that each
// constant, read through a single function, appears exactly once; anything else fails loudly.

/** The sentinel compiled into contracts/src for each constant (see NexusBase.sol, NexusBaseBridge.sol). */
export const ADDRESS_SENTINELS = {
  ssvNetwork: '0x5E4715E4715e4715e4715E4715E4715E47150001',
  ssvToken: '0x5E4715e4715E4715e4715E4715e4715E47150002',
  depositContract: '0x5e4715E4715E4715e4715E4715E4715e47150003',
} as const;

/** Replaces each sentinel (key) by its address (value); each must occur exactly once in `bytecode`. */
export function linkAddresses(name: string, bytecode: string, links: Readonly<Record<string, string>>): string {
  let out = bytecode.toLowerCase();
  for (const [sentinel, address] of Object.entries(links)) {
    const from = sentinel.toLowerCase().replace(/^0x/, '');
    const to = address.toLowerCase().replace(/^0x/, '');
    if (!/^[0-9a-f]{40}$/.test(from) || !/^[0-9a-f]{40}$/.test(to))
      throw new Error(`${name}: bad link ${sentinel} -> ${address}`);
    const count = out.split(from).length - 1;
    if (count !== 1)
      throw new Error(
        `${name}: address sentinel ${sentinel} occurs ${count} times in the bytecode, expected exactly 1`,
      );
    out = out.replace(from, to);
  }
  return out;
}
