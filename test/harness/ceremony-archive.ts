// The worker's DKG ceremony archive read from outside (activities/dkg/archive.ts writes it): every
// ceremony's manifest, in nonce order, for tests that check what became of each ceremony.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CeremonyManifest } from '../../activities/dkg/archive';
import type { CreationNetwork } from './creation-network';

export interface ArchivedCeremonyRecord {
  dir: string;
  manifest: CeremonyManifest;
}

/** The archive folder of the network's worker configuration. */
export const archiveDirOf = (net: CreationNetwork): string =>
  String((net.workerConfig.dkg as { archiveDir: string }).archiveDir);

export function archivedCeremonies(archiveDir: string): ArchivedCeremonyRecord[] {
  if (!existsSync(archiveDir)) return []; // no ceremony was ever archived
  const found: ArchivedCeremonyRecord[] = [];
  for (const rollup of readdirSync(archiveDir)) {
    for (const entry of readdirSync(join(archiveDir, rollup))) {
      const dir = join(archiveDir, rollup, entry);
      // A staging folder left by a crash while storing is not published: not a ceremony of the archive.
      if (entry.includes('.partial-')) continue;
      found.push({ dir, manifest: JSON.parse(readFileSync(join(dir, 'ceremony.json'), 'utf8')) as CeremonyManifest });
    }
  }
  return found.sort((a, b) => a.manifest.firstNonce - b.manifest.firstNonce);
}
