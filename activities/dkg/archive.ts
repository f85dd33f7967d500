// The durable record of every verified ceremony: which operators hold the shares of which keys.
// Each ceremony folder (deposit data, keyshares, proofs: public material, shares encrypted) is
// copied into
//   <archiveDir>/<rollupAdmin lower-case>/<firstNonce padded>-<count>-<sha256(requestId), 12 hex>/
//     ceremony-<time>/…   (as ssv-dkg wrote it)
//     ceremony.json        {requestId, rollupAdmin, firstNonce, count, operatorIds, pubkeys, network,
//                           binaryVersion, createdAt, state, history}
// fsynced, then published by one rename: a folder under its final name is complete. A retry of the
// same (requestId, firstNonce, count) finds it and reuses it instead of running another ceremony.
// The bot never deletes anything here: resign/reshare and exits may need the proofs years later.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export type CeremonyState = 'verified' | 'deposited' | 'unused';

export interface CeremonyKey {
  rollupAdmin: string;
  requestId: string;
  firstNonce: number;
  count: number;
}

export interface CeremonyManifest extends CeremonyKey {
  operatorIds: number[];
  pubkeys: string[];
  network: string;
  binaryVersion: string;
  createdAt: string;
  state: CeremonyState;
  reason?: string;
  history?: { state: CeremonyState; reason?: string; at: string }[];
}

export interface ArchivedCeremony {
  /** The archive folder of this ceremony. */
  dir: string;
  /** The ceremony-* folder inside it (what readCeremonyOutput reads). */
  ceremonyDir: string;
  manifest: CeremonyManifest;
}

export const MANIFEST = 'ceremony.json';

const requestTag = (requestId: string) => createHash('sha256').update(requestId).digest('hex').slice(0, 12);

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies a folder tree, fsyncing every file and folder. */
function copyTreeSynced(from: string, to: string): void {
  mkdirSync(to, { mode: 0o700 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTreeSynced(src, dst);
    else if (entry.isFile()) {
      copyFileSync(src, dst);
      fsyncPath(dst);
    }
  }
  fsyncPath(to);
}

function writeSynced(file: string, text: string): void {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  fsyncPath(tmp);
  renameSync(tmp, file);
  fsyncPath(path.dirname(file));
}

export class CeremonyArchive {
  constructor(readonly root: string) {}

  /** The rollup's folder: every ceremony ever run for it. */
  rollupDir(rollupAdmin: string): string {
    return path.join(this.root, rollupAdmin.toLowerCase());
  }

  /** The archive folder of one ceremony (whether it exists or not). */
  pathFor(key: CeremonyKey): string {
    return path.join(
      this.rollupDir(key.rollupAdmin),
      `${String(key.firstNonce).padStart(6, '0')}-${key.count}-${requestTag(key.requestId)}`,
    );
  }

  /** The archived ceremony of exactly this key (requestId checked in the manifest), in any state. */
  find(key: CeremonyKey): ArchivedCeremony | undefined {
    const dir = this.pathFor(key);
    if (!existsSync(path.join(dir, MANIFEST))) return undefined;
    const archived = this.read(dir);
    const m = archived.manifest;
    if (m.requestId !== key.requestId || m.firstNonce !== key.firstNonce || m.count !== key.count) return undefined;
    return archived;
  }

  /** Every archived ceremony of a rollup, in nonce order (reconciliation finds a key's ceremony here). */
  listRollup(rollupAdmin: string): ArchivedCeremony[] {
    const rollupDir = this.rollupDir(rollupAdmin);
    if (!existsSync(rollupDir)) return [];
    return readdirSync(rollupDir)
      .filter((name) => !name.includes('.partial-') && existsSync(path.join(rollupDir, name, MANIFEST)))
      .sort()
      .map((name) => this.read(path.join(rollupDir, name)));
  }

  /** Every archived ceremony of a request (all its chunks), in nonce order. */
  listRequest(rollupAdmin: string, requestId: string): ArchivedCeremony[] {
    const rollupDir = this.rollupDir(rollupAdmin);
    if (!existsSync(rollupDir)) return [];
    const tag = requestTag(requestId);
    return readdirSync(rollupDir)
      .filter((name) => name.endsWith(`-${tag}`) && existsSync(path.join(rollupDir, name, MANIFEST)))
      .sort()
      .map((name) => this.read(path.join(rollupDir, name)))
      .filter((a) => a.manifest.requestId === requestId);
  }

  /**
   * Copies the verified ceremony folder into the archive with its manifest (state 'verified') and
   * publishes it with one rename. An existing folder of the same key is never overwritten.
   */
  store(
    key: CeremonyKey,
    ceremonySrc: string,
    meta: Omit<CeremonyManifest, keyof CeremonyKey | 'state' | 'createdAt' | 'history'>,
  ): ArchivedCeremony {
    const dir = this.pathFor(key);
    if (existsSync(dir)) throw new Error(`ceremony archive ${dir} exists already: never overwritten`);
    const rollupDir = this.rollupDir(key.rollupAdmin);
    mkdirSync(rollupDir, { recursive: true, mode: 0o700 });
    const staging = `${dir}.partial-${randomBytes(4).toString('hex')}`;
    mkdirSync(staging, { mode: 0o700 });
    const name = path.basename(ceremonySrc);
    copyTreeSynced(ceremonySrc, path.join(staging, name));
    const createdAt = new Date().toISOString();
    const manifest: CeremonyManifest = {
      requestId: key.requestId,
      rollupAdmin: key.rollupAdmin.toLowerCase(),
      firstNonce: key.firstNonce,
      count: key.count,
      ...meta,
      createdAt,
      state: 'verified',
      history: [{ state: 'verified', at: createdAt }],
    };
    writeSynced(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncPath(staging);
    renameSync(staging, dir);
    fsyncPath(rollupDir);
    return { dir, ceremonyDir: path.join(dir, name), manifest };
  }

  /** Sets the state of a request's archived ceremonies ('deposited' or 'unused'); returns them. */
  markRequest(
    rollupAdmin: string,
    requestId: string,
    state: Exclude<CeremonyState, 'verified'>,
    reason?: string,
  ): ArchivedCeremony[] {
    return this.listRequest(rollupAdmin, requestId).map((archived) => this.mark(archived, state, reason));
  }

  /** Sets one archived ceremony's state (history kept). A deposited ceremony never becomes unused. */
  mark(archived: ArchivedCeremony, state: Exclude<CeremonyState, 'verified'>, reason?: string): ArchivedCeremony {
    const current = this.read(archived.dir).manifest;
    if (current.state === state) return { ...archived, manifest: current };
    if (current.state === 'deposited')
      throw new Error(`ceremony ${archived.dir} is deposited: it cannot become ${state}`);
    const at = new Date().toISOString();
    const manifest: CeremonyManifest = {
      ...current,
      state,
      ...(reason !== undefined ? { reason } : {}),
      history: [...(current.history ?? []), { state, ...(reason !== undefined ? { reason } : {}), at }],
    };
    writeSynced(path.join(archived.dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return { ...archived, manifest };
  }

  private read(dir: string): ArchivedCeremony {
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as CeremonyManifest;
    const ceremony = readdirSync(dir).find(
      (n) => n.startsWith('ceremony-') && statSync(path.join(dir, n)).isDirectory(),
    );
    if (!ceremony) throw new Error(`ceremony archive ${dir} has a manifest but no ceremony-* folder`);
    return { dir, ceremonyDir: path.join(dir, ceremony), manifest };
  }
}
