// The keyshares registration activities, one key or a request's keys in one activity, mnemonic
// (keyshares built here for the current owner nonce) or DKG (keyshares signed for one nonce by the
// ceremony); and the registrar's halted/resumed report. Secrets stay inside the activity
// (invariant 3): a mnemonic key is derived again for its keyshares and wiped after.
import { Context } from '@temporalio/activity';
import type { RegisteredKeyshares } from './interface';
import type { KeysharesPayload } from './types';
import { readClusterOperators } from './chain/operators';
import { withHeartbeat } from './activity-helpers';
import { deriveSigningKeys, wipeKeys } from './keys/derivation';
import { buildKeyshares } from './keys/keyshares';
import { registerBatch, type RegistrationBatchResult } from './registration-batch';
import { failure } from './typed-failure';
import { sharesPipeline, type SharesPipelineDeps } from './registration-pipeline-ops';
import type { RegistrationView } from '../protocol/registration-landing';
import type { CreationContext } from './creation-context';
import { keysharesTransactions } from './keyshares-transactions';

/** A mnemonic key to register: its index re-derives it (the pubkey is checked against it). */
interface MnemonicKeyInput {
  pubkey: string;
  keyIndex: number;
}

/** What a mnemonic key's keyshares need besides the key: read once per single-key activity, or per batch. */
interface MnemonicMaterial {
  operators(): ReturnType<typeof readClusterOperators>;
  mnemonic(): Promise<string>;
}

export function createKeysharesRegistrationActivities(ctx: CreationContext) {
  const { provider, txManager, contracts, scan, deps } = ctx;
  const { alreadyRegistered, earlierSharesTransaction, sendShares, sharesKeyFor, landedAfterMining } =
    keysharesTransactions(ctx);

  const pipelineDeps: SharesPipelineDeps = {
    provider,
    txManager,
    nexus: contracts.nexus,
    preflight: ctx.preflight,
    funding: deps.funding,
    depth: deps.pipelineDepth ?? 1,
    ownerNonce: (view) => ctx.currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock),
    sharesKeyFor: (pubkey, ownerNonce) => sharesKeyFor(pubkey, ownerNonce),
    landedAfterMining: (pubkey, mined) => landedAfterMining(pubkey, mined),
  };

  return {
    /**
     * The registrar halted (or resumed) SSV registrations: an ERROR line to alert on, naming the
     * mismatch, and the gauge nexus_ssv_registrations_halted.
     */
    async reportRegistrationsHalted(input: { halted: boolean; reason: string }): Promise<void> {
      deps.metrics?.ssvRegistrationsHalted?.(input.halted);
      if (input.halted)
        Context.current().log.error(
          `SSV registrations halted for every rollup: ${input.reason}; resume with \`nexus-bot registrar resume --reason …\` once an operator has acted`,
          { halted: true },
        );
      else Context.current().log.info(`SSV registrations resumed: ${input.reason}`, { halted: false });
    },

    async registerMnemonicKeyshares(
      input: MnemonicKeyInput & { rollupAdmin: string; operatorCluster: number } & RegistrationView,
    ): Promise<RegisteredKeyshares> {
      return withHeartbeat(async () => {
        const { vault } = ctx.mnemonicPath();
        const material: MnemonicMaterial = {
          operators: () => readClusterOperators(provider, contracts, input.operatorCluster, scan),
          mnemonic: () => vault.readMnemonic(input.rollupAdmin),
        };
        return registerMnemonicKey(input.rollupAdmin, input, input, material);
      });
    },

    async registerDkgKeyshares({
      rollupAdmin,
      keyshares,
      ...view
    }: { rollupAdmin: string; keyshares: KeysharesPayload } & RegistrationView): Promise<RegisteredKeyshares> {
      return withHeartbeat(() => registerDkgKey(rollupAdmin, keyshares, view));
    },

    /**
     * A request's mnemonic keys, in order, in one activity (registration-batch.ts): the vault and
     * the cluster's operators are read once, when the first key needs them.
     */
    async registerMnemonicKeysharesBatch(
      input: { rollupAdmin: string; operatorCluster: number; keys: MnemonicKeyInput[] } & RegistrationView,
    ): Promise<RegistrationBatchResult> {
      const { vault } = ctx.mnemonicPath();
      let operators: ReturnType<MnemonicMaterial['operators']> | undefined;
      let mnemonic: Promise<string> | undefined;
      const material: MnemonicMaterial = {
        operators: () => (operators ??= readClusterOperators(provider, contracts, input.operatorCluster, scan)),
        mnemonic: () => (mnemonic ??= vault.readMnemonic(input.rollupAdmin)),
      };
      const view = { minOwnerNonce: input.minOwnerNonce, lastRegistrationBlock: input.lastRegistrationBlock };
      const pipeline = sharesPipeline(
        pipelineDeps,
        input.rollupAdmin,
        async () => (await material.operators()).map((o) => o.id),
        (k: MnemonicKeyInput) => k.pubkey,
        (key, ownerNonce) => mnemonicShares(input.rollupAdmin, key, ownerNonce, material),
      );
      try {
        return await registerBatch(
          input.keys,
          (k) => k.pubkey,
          view,
          (key, at) => registerMnemonicKey(input.rollupAdmin, key, at, material),
          pipeline,
        );
      } finally {
        mnemonic = undefined; // the words are dropped with the batch (a string cannot be wiped)
      }
    },

    /** A ceremony's keyshares, in nonce order, in one activity (registration-batch.ts). */
    async registerDkgKeysharesBatch(
      input: { rollupAdmin: string; keyshares: KeysharesPayload[] } & RegistrationView,
    ): Promise<RegistrationBatchResult> {
      const view = { minOwnerNonce: input.minOwnerNonce, lastRegistrationBlock: input.lastRegistrationBlock };
      const [first] = input.keyshares;
      const pipeline = sharesPipeline(
        pipelineDeps,
        input.rollupAdmin,
        () => Promise.resolve(first?.operatorIds ?? []),
        (k: KeysharesPayload) => k.publicKey,
        // A ceremony's keyshares are signed for one nonce: sent only when the run predicts that one.
        (keyshares, ownerNonce) =>
          Promise.resolve(
            keyshares.ownerNonce === ownerNonce && sameIds(keyshares.operatorIds, first.operatorIds)
              ? keyshares
              : undefined,
          ),
      );
      return registerBatch(
        input.keyshares,
        (k) => k.publicKey,
        view,
        (keyshares, at) => registerDkgKey(input.rollupAdmin, keyshares, at),
        pipeline,
      );
    },
  };

  /**
   * One mnemonic key: its keyshares built for the current owner nonce (never below the view's
   * floor) and registered, unless it is registered already or an earlier transaction may land.
   */
  async function registerMnemonicKey(
    rollupAdmin: string,
    key: MnemonicKeyInput,
    view: RegistrationView,
    material: MnemonicMaterial,
  ): Promise<RegisteredKeyshares> {
    const done = await alreadyRegistered(key.pubkey, view.lastRegistrationBlock);
    if (done) return done;
    const ownerNonce = await ctx.currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock);
    // A retry after a crash: an earlier transaction for this key and nonce may still be pending.
    // Keyshares are random (Shamir split, RSA padding): never build new ones while it may land.
    const earlier = await earlierSharesTransaction(key.pubkey, ownerNonce);
    if (earlier) return earlier;
    return sendShares(rollupAdmin, await mnemonicShares(rollupAdmin, key, ownerNonce, material));
  }

  /** The key's keyshares for `ownerNonce`, its secret key derived again and wiped after. */
  async function mnemonicShares(
    rollupAdmin: string,
    key: MnemonicKeyInput,
    ownerNonce: number,
    material: MnemonicMaterial,
  ): Promise<KeysharesPayload> {
    const operators = await material.operators();
    const [signing] = await deriveSigningKeys(await material.mnemonic(), [key.keyIndex]);
    try {
      if (signing.pubkeyHex.toLowerCase() !== key.pubkey.toLowerCase()) {
        throw failure(
          'KeyIndexMismatch',
          `key index ${key.keyIndex} of rollup ${rollupAdmin} derives ${signing.pubkeyHex}, not ${key.pubkey}`,
        );
      }
      const payload = await buildKeyshares({
        secretKey: signing.secretKey,
        validatorPubkey: signing.pubkey,
        operators,
        owner: contracts.nexus,
        ownerNonce,
      });
      return { ...payload, ownerNonce };
    } finally {
      wipeKeys([signing]);
    }
  }

  /** One DKG key: registered only when its keyshares' nonce is the owner's next one. */
  async function registerDkgKey(
    rollupAdmin: string,
    keyshares: KeysharesPayload,
    view: RegistrationView,
  ): Promise<RegisteredKeyshares> {
    const done = await alreadyRegistered(keyshares.publicKey, view.lastRegistrationBlock);
    if (done) return done;
    // This attempt's or an earlier one's transaction (journaled under the signed nonce): waited
    // for, even if a backend that lags still shows the key unregistered.
    const earlier = await earlierSharesTransaction(keyshares.publicKey, keyshares.ownerNonce);
    if (earlier) return earlier;
    // A lagging read is retried; only a nonce the chain has really passed makes the keyshares stale.
    const ownerNonce = await ctx.currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock);
    if (ownerNonce !== keyshares.ownerNonce) {
      throw failure(
        'StaleKeyshares',
        `keyshares of ${keyshares.publicKey} are signed for owner nonce ${keyshares.ownerNonce} but the owner is at ${ownerNonce}: SSV nodes would ignore them; produce them again (resign)`,
      );
    }
    return sendShares(rollupAdmin, keyshares);
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => Number(id) === Number(b[i]));
}
