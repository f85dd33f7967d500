// Read-only chain queries of the bot: rollup state, a cluster's DKG operators, the SSV owner nonce,
// SSV cluster snapshots, validator statuses and the Nexus events that should wake a rollup monitor.
//
// Rules every function here follows:
// - it validates what the chain answers and throws a named error (read-errors.ts) that says which
//   contract, call and value was wrong;
// - reads that belong together are made at ONE block (a pinned block number passed as blockTag to
//   every call), and the result says which block;
// - results are small plain JSON: uint64/uint256 values as decimal strings, small integers
//   (uint8/uint16/uint32, operator ids, block numbers) as numbers. They cross Temporal activity
//   boundaries, where bigint does not serialise;
// - built for 100+ rollups and 10,000+ validators: calls issued together are packed into JSON-RPC
//   batches by the provider, log scans go by owner topic (never one scan per validator) in adaptive
//   chunks (logs.ts), and a scan can resume from a checkpoint (startNonce) instead of from genesis.
//
// The reads live in one file per concern (a cluster's DKG operators: operators.ts); this module is
// their one entry point.
export * from './reads-types';
export * from './read-helpers';
export * from './rollup-reads';
export * from './ssv-reads';
export * from './validator-reads';
