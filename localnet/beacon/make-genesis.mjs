// Builds the phase0 genesis state of the local beacon chain with Lodestar 1.5.1's own code.
//
// Runs INSIDE the Lodestar tool folder (localnet/beacon/genesis.ts copies it there), so that its
// imports resolve to the exact @lodestar/* 1.5.1 packages the node itself runs; the bot's own
// @lodestar/* 1.46.0 could produce a state the old node reads differently. Needs
// LODESTAR_PRESET=minimal (the preset of `lodestar dev`).
//
// Input, JSON on standard input (it holds mnemonics, so never argv):
//   { outFile, genesisTime, interopValidators, params: { CHAIN_CONFIG_KEY: "string value" },
//     keyGroups: [{ mnemonic, indices: [i...], withdrawalAddress: "0x<20 bytes>" }] }
// `params` are the same strings the node gets as `--params.KEY VALUE`, parsed the same way.
// Output, JSON on standard output:
//   { genesisValidatorsRoot, genesisForkVersion, genesisTime, validatorCount,
//     validators: [{ group, keyIndex, index, pubkey, withdrawalCredentials }] }
//
// Validators 0..interopValidators-1 are the interop keys (the node's --startValidators propose
// and attest with them); then each group's EIP-2334 keys m/12381/3600/i/0/0, in the order given,
// with 0x01 credentials to the group's withdrawal address. Every validator enters through a real
// signed deposit (with its Merkle proof) into initializeBeaconStateFromEth1, as on a real chain.
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import bls from '@chainsafe/bls';
import { deriveKeyFromMaster, deriveKeyFromMnemonic, eth2ValidatorPaths } from '@chainsafe/bls-keygen';
// Not a direct dependency of @chainsafe/lodestar, but the one its tree (beacon-node) uses for the
// same proofs; the tool folder's install pins the whole tree.
import { Tree, toGindex } from '@chainsafe/persistent-merkle-tree';
import { chainConfigFromJson, createIChainConfig, createIChainForkConfig } from '@lodestar/config';
import {
  ACTIVE_PRESET,
  BLS_WITHDRAWAL_PREFIX,
  DOMAIN_DEPOSIT,
  ETH1_ADDRESS_WITHDRAWAL_PREFIX,
  MAX_EFFECTIVE_BALANCE,
} from '@lodestar/params';
import {
  computeDomain,
  computeSigningRoot,
  createEmptyEpochContextImmutableData,
  initializeBeaconStateFromEth1,
  interopSecretKey,
  ZERO_HASH,
} from '@lodestar/state-transition';
import { ssz } from '@lodestar/types';

const fail = (message) => {
  process.stderr.write(`make-genesis: ${message}\n`);
  process.exit(1);
};

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const hex = (bytes) => `0x${Buffer.from(bytes).toString('hex')}`;

function checkInput(input) {
  if (ACTIVE_PRESET !== 'minimal')
    fail(`LODESTAR_PRESET must be "minimal" (the preset of lodestar dev), got "${ACTIVE_PRESET}"`);
  if (typeof input.outFile !== 'string') fail('outFile (the .ssz file to write) is missing');
  if (!Number.isInteger(input.genesisTime) || input.genesisTime <= 0)
    fail('genesisTime must be a positive whole number of seconds');
  if (!Number.isInteger(input.interopValidators) || input.interopValidators < 1)
    fail('interopValidators must be at least 1 (they produce the blocks)');
  if (!Array.isArray(input.keyGroups)) fail('keyGroups must be an array');
  input.keyGroups.forEach((group, g) => {
    if (typeof group.mnemonic !== 'string') fail(`keyGroups[${g}].mnemonic is missing`);
    if (!/^0x[0-9a-fA-F]{40}$/.test(group.withdrawalAddress ?? ''))
      fail(`keyGroups[${g}].withdrawalAddress must be a 20-byte 0x-hex address`);
    if (!Array.isArray(group.indices) || !group.indices.every((i) => Number.isInteger(i) && i >= 0)) {
      fail(`keyGroups[${g}].indices must be an array of key indices (whole numbers ≥ 0)`);
    }
  });
}

const input = await readStdin().catch((err) => fail(`standard input is not JSON: ${err.message}`));
checkInput(input);

// The chain config exactly as the node builds it from --params.* (minimal defaults + overrides).
const config = createIChainForkConfig(createIChainConfig(chainConfigFromJson(input.params ?? {})));
const depositDomain = computeDomain(DOMAIN_DEPOSIT, config.GENESIS_FORK_VERSION, ZERO_HASH);

// One signed deposit per validator, each with its proof against the deposit tree up to itself.
const depositRoots = ssz.phase0.DepositDataRootList.defaultViewDU();
const deposits = [];
function addDeposit(secretKey, withdrawalCredentials) {
  const pubkey = secretKey.toPublicKey().toBytes();
  const data = { pubkey, withdrawalCredentials, amount: MAX_EFFECTIVE_BALANCE, signature: new Uint8Array(96) };
  data.signature = secretKey.sign(computeSigningRoot(ssz.phase0.DepositMessage, data, depositDomain)).toBytes();
  depositRoots.push(ssz.phase0.DepositData.hashTreeRoot(data));
  depositRoots.commit();
  const proof = new Tree(depositRoots.node).getSingleProof(toGindex(depositRoots.type.depth, BigInt(deposits.length)));
  deposits.push({ proof, data });
  return pubkey;
}

for (let i = 0; i < input.interopValidators; i++) {
  const secretKey = interopSecretKey(i);
  // BLS credentials (0x00 ‖ sha256(pubkey)[1:]) like `lodestar dev`'s interop validators.
  const withdrawalCredentials = Uint8Array.from(
    createHash('sha256').update(secretKey.toPublicKey().toBytes()).digest(),
  );
  withdrawalCredentials[0] = BLS_WITHDRAWAL_PREFIX;
  addDeposit(secretKey, withdrawalCredentials);
}

const ours = [];
for (const [g, group] of input.keyGroups.entries()) {
  const credentials = new Uint8Array(32);
  credentials[0] = ETH1_ADDRESS_WITHDRAWAL_PREFIX;
  credentials.set(Buffer.from(group.withdrawalAddress.slice(2), 'hex'), 12);
  let master;
  try {
    master = deriveKeyFromMnemonic(group.mnemonic.trim().split(/\s+/).join(' '));
  } catch {
    fail(`keyGroups[${g}].mnemonic is not a valid BIP-39 mnemonic (words not shown)`);
  }
  for (const keyIndex of group.indices) {
    const secret = deriveKeyFromMaster(master, eth2ValidatorPaths(keyIndex).signing);
    const pubkey = addDeposit(bls.SecretKey.fromBytes(secret), credentials);
    secret.fill(0);
    ours.push({
      group: g,
      keyIndex,
      index: deposits.length - 1,
      pubkey: hex(pubkey),
      withdrawalCredentials: hex(credentials),
    });
  }
  master.fill(0);
}

const seen = new Set();
for (const v of ours) {
  if (seen.has(v.pubkey)) fail(`key index ${v.keyIndex} of keyGroups[${v.group}] is listed twice (pubkey ${v.pubkey})`);
  seen.add(v.pubkey);
}

const immutableData = createEmptyEpochContextImmutableData(config, { genesisValidatorsRoot: ZERO_HASH });
const state = initializeBeaconStateFromEth1(
  config,
  immutableData,
  Buffer.alloc(32, 0x0b),
  input.genesisTime,
  deposits,
  depositRoots,
);
state.genesisTime = input.genesisTime;
state.commit();

// processDeposit skips a deposit whose proof or signature is wrong instead of failing: check.
if (state.validators.length !== deposits.length) {
  fail(
    `only ${state.validators.length} of ${deposits.length} deposits became validators (a proof or signature was rejected)`,
  );
}
for (const v of ours) {
  const validator = state.validators.getReadonly(v.index);
  if (hex(validator.pubkey) !== v.pubkey || validator.activationEpoch !== 0)
    fail(`validator ${v.index} is not our active key ${v.pubkey}`);
}

// Written atomically: the node never reads half a state.
writeFileSync(`${input.outFile}.tmp`, state.serialize());
renameSync(`${input.outFile}.tmp`, input.outFile);

process.stdout.write(
  `${JSON.stringify({
    genesisValidatorsRoot: hex(state.genesisValidatorsRoot),
    genesisForkVersion: hex(state.fork.currentVersion),
    genesisTime: state.genesisTime,
    validatorCount: state.validators.length,
    validators: ours,
  })}\n`,
);
