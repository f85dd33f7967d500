// One mocha configuration for every suite: TypeScript through tsx, long timeouts because
// integration tests start real servers (Temporal, anvil, moto, ssv-dkg) on loopback.
module.exports = {
  require: ['tsx/cjs', './test/harness/test-temp-dir.ts', './test/harness/quiet-runtime.ts'],
  extension: ['ts'],
  timeout: 120_000,
  slow: 5_000,
  exit: true,
};
