// Loaders for the ESM-only crypto packages. This code base is CommonJS, so these must be real
// dynamic imports (TypeScript keeps `import()` as is under module nodenext). Each loader caches
// its promise: the first call pays the import, every later call gets the same module.
const importBls = () => import('@chainsafe/bls');
const importTypes = () => import('@lodestar/types');
const importParams = () => import('@lodestar/params');
const importConfig = () => import('@lodestar/config');
const importNetworks = () => import('@lodestar/config/networks');
const importStateTransition = () => import('@lodestar/state-transition');
const importApi = () => import('@lodestar/api');
const importUtils = () => import('@lodestar/utils');
const importSsz = () => import('@chainsafe/ssz');

/** The @chainsafe/bls interface (its native blst backend, see test/unit/bls-backend.test.ts). */
export type Bls = Awaited<ReturnType<typeof importBls>>['default'];
export type LodestarTypes = Awaited<ReturnType<typeof importTypes>>;
export type LodestarParams = Awaited<ReturnType<typeof importParams>>;
export type LodestarConfig = Awaited<ReturnType<typeof importConfig>>;
export type LodestarNetworks = Awaited<ReturnType<typeof importNetworks>>;
export type LodestarStateTransition = Awaited<ReturnType<typeof importStateTransition>>;
export type LodestarApi = Awaited<ReturnType<typeof importApi>>;
export type LodestarUtils = Awaited<ReturnType<typeof importUtils>>;
export type Ssz = Awaited<ReturnType<typeof importSsz>>;

/** Caches a loader; a failed import is not cached, so a later call can try again. */
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    if (!promise) {
      promise = load();
      promise.catch(() => {
        promise = undefined;
      });
    }
    return promise;
  };
}

export const loadBls = cached(async (): Promise<Bls> => (await importBls()).default);
export const loadLodestarTypes = cached(importTypes);
export const loadLodestarParams = cached(importParams);
/** createBeaconConfig, chainConfigFromJson, ... (fork schedules for exit domains). */
export const loadLodestarConfig = cached(importConfig);
/** The named network chain configs of @lodestar/config (mainnet, sepolia, hoodi, ...). */
export const loadLodestarNetworks = cached(importNetworks);
export const loadLodestarStateTransition = cached(importStateTransition);
/** The Beacon API REST client (route definitions, request and response codecs). */
export const loadLodestarApi = cached(importApi);
/** FetchError / TimeoutError, to tell a node that cannot be reached from one that answered. */
export const loadLodestarUtils = cached(importUtils);
/** SSZ types and hash tree roots (ssv-dkg's ceremony proofs, activities/dkg/proofs.ts). */
export const loadSsz = cached(importSsz);
