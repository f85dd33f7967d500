// What bench/creation.ts measures on a run's network: the bot's mined transactions and their gas,
// the workflow histories with their activity durations, and the key-material steps timed directly.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KeySharesItem, SSVKeys } from 'ssv-keys';
import { nexusInterface } from '../activities/chain/abi';
import { readTxJournalRecords } from '../activities/chain/tx-manager';
import { deriveMasterKey, deriveSigningKeys, wipe, wipeKeys } from '../activities/keys/derivation';
import {
  genesisForkVersionOf,
  signDepositData,
  VALIDATOR_DEPOSIT_GWEI,
  withdrawalCredentialsFor,
} from '../activities/keys/deposit-data';
import { loadBls, loadLodestarParams, loadLodestarStateTransition, loadLodestarTypes } from '../activities/esm/loaders';
import { buildKeyshares, type KeysharesPayload } from '../activities/keys/keyshares';
import type { CreationNetwork } from '../test/harness/creation-network';

/** Direct key-material measurements: keys per step. */
const DIRECT_KEYS = 20;

export interface TxGas {
  label: string;
  validators: number;
  gasUsed: bigint;
}

export interface ActivityTime {
  type: string;
  ms: number;
  /** Validators the call covered. */
  validators: number;
}

export interface DirectTimes {
  keys: number;
  readMnemonicMs: number[];
  masterKeyMs: number[];
  deriveMs: number[];
  signMs: number[];
  buildKeysharesMs: number[];
  ssvKeysMs: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** google.protobuf.Timestamp (seconds may be a Long) → epoch milliseconds. */
function tsMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return NaN;
  const s = ts.seconds;
  const seconds = typeof s === 'number' ? s : s === null || s === undefined ? 0 : Number(String(s));
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** Every mined transaction of the bot, from the worker's journal, with its gas and batch size. */
export async function botTransactions(net: CreationNetwork): Promise<TxGas[]> {
  const records = readTxJournalRecords(join(net.dir, 'tx-journal.json'));
  const out: TxGas[] = [];
  for (const record of records) {
    if (!record.minedHash)
      throw new Error(`journal record ${record.idempotencyKey} (${record.label}) is ${record.status}, not mined`);
    const [receipt, tx] = await Promise.all([
      net.provider.getTransactionReceipt(record.minedHash),
      net.provider.getTransaction(record.minedHash),
    ]);
    if (!receipt || !tx) throw new Error(`transaction ${record.minedHash} not found`);
    if (receipt.status !== 1) throw new Error(`transaction ${record.minedHash} (${record.label}) reverted`);
    const parsed = nexusInterface.parseTransaction({ data: tx.data });
    const validators =
      parsed?.name === 'depositValidatorRollup'
        ? (parsed.args[1] as unknown[]).length
        : parsed?.name === 'depositValidatorShares'
          ? 1
          : 0;
    out.push({ label: parsed?.name ?? record.label, validators, gasUsed: receipt.gasUsed });
  }
  return out;
}

/** History lengths and activity durations of every workflow run on the task queue. */
export async function collectHistories(net: CreationNetwork, taskQueue: string, expectedCreationRuns: number) {
  type Execution = { workflowId: string; runId: string; type: string };
  const listAll = async () => {
    const out: Execution[] = [];
    for await (const e of net.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      out.push({ workflowId: e.workflowId, runId: e.runId, type: e.type });
    }
    return out;
  };
  // Visibility is eventually consistent: wait (up to 10 s) until every creation run is listed.
  let executions = await listAll();
  for (
    let attempt = 0;
    attempt < 50 && executions.filter((e) => e.type === 'createValidatorsWorkflow').length < expectedCreationRuns;
    attempt++
  ) {
    await sleep(200);
    executions = await listAll();
  }
  const histories: { type: string; events: number }[] = [];
  const activities: ActivityTime[] = [];
  let firstDepositAt = Infinity;
  for (const e of executions) {
    const handle = net.client.workflow.getHandle(e.workflowId, e.runId);
    const description = await handle.describe();
    histories.push({ type: e.type, events: description.historyLength });
    const history = await handle.fetchHistory();
    const scheduled = new Map<string, { type: string; validators: number }>();
    const started = new Map<string, number>();
    for (const event of history.events ?? []) {
      const id = String(event.eventId);
      const s = event.activityTaskScheduledEventAttributes;
      if (s) {
        const type = s.activityType?.name ?? '?';
        // prepareMnemonicValidators covers its keyIndices, a batch registration its keys; the others one validator (or none).
        let validators = 1;
        if (
          type === 'prepareMnemonicValidators' ||
          type === 'allocateAndPrepareMnemonicValidators' ||
          type === 'registerMnemonicKeysharesBatch'
        ) {
          const payload = s.input?.payloads?.[0]?.data;
          const input = payload
            ? (JSON.parse(Buffer.from(payload).toString('utf8')) as {
                keyIndices?: number[];
                keys?: unknown[];
                count?: number;
              })
            : {};
          validators = (input.keyIndices ?? input.keys)?.length ?? input.count ?? NaN;
        }
        scheduled.set(id, { type, validators });
      }
      const st = event.activityTaskStartedEventAttributes;
      if (st) started.set(String(st.scheduledEventId), tsMs(event.eventTime));
      const c = event.activityTaskCompletedEventAttributes;
      if (c) {
        const key = String(c.scheduledEventId);
        const what = scheduled.get(key);
        const at = tsMs(event.eventTime);
        if (what) activities.push({ type: what.type, ms: at - (started.get(key) ?? NaN), validators: what.validators });
        if (what?.type === 'submitDeposits') firstDepositAt = Math.min(firstDepositAt, at);
      }
    }
  }
  return { histories, activities, firstDepositAt };
}

/** The key-material steps of the two activities, measured here on this network's vault and operators. */
export async function measureDirect(net: CreationNetwork, admin: string, bridge: string): Promise<DirectTimes> {
  await Promise.all([loadBls(), loadLodestarTypes(), loadLodestarParams(), loadLodestarStateTransition()]);
  const operators = net.operators.map((o) => ({ id: o.id, publicKeyBase64: o.publicKeyBase64 }));
  const ssvOps = operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 }));
  const owner = net.system.addresses.nexus;
  const wc = withdrawalCredentialsFor(bridge);
  const fork = await genesisForkVersionOf('holesky'); // the harness worker's keys.depositNetwork
  const times: DirectTimes = {
    keys: DIRECT_KEYS,
    readMnemonicMs: [],
    masterKeyMs: [],
    deriveMs: [],
    signMs: [],
    buildKeysharesMs: [],
    ssvKeysMs: [],
  };
  // Indices far above the ones the run used: these keys are never deposited.
  const base = 1_000_000;
  let mnemonic = await net.vault.readMnemonic(admin); // warm-up (SDK client, JIT)
  {
    const [k] = await deriveSigningKeys(mnemonic, [base - 1]);
    await buildKeyshares({ secretKey: k.secretKey, operators, owner, ownerNonce: 0 });
    wipeKeys([k]);
  }
  for (let i = 0; i < DIRECT_KEYS; i++) {
    let t = performance.now();
    mnemonic = await net.vault.readMnemonic(admin);
    times.readMnemonicMs.push(performance.now() - t);

    t = performance.now();
    wipe(deriveMasterKey(mnemonic));
    times.masterKeyMs.push(performance.now() - t);

    t = performance.now();
    const [key] = await deriveSigningKeys(mnemonic, [base + i]);
    times.deriveMs.push(performance.now() - t - times.masterKeyMs[i]); // deriveSigningKeys derives the master too

    t = performance.now();
    await signDepositData({
      secretKey: key.secretKey,
      withdrawalCredentials: wc,
      amountGwei: VALIDATOR_DEPOSIT_GWEI,
      genesisForkVersion: fork,
    });
    times.signMs.push(performance.now() - t);

    t = performance.now();
    const payload = await buildKeyshares({ secretKey: key.secretKey, operators, owner, ownerNonce: i });
    times.buildKeysharesMs.push(performance.now() - t);

    // ssv-keys' own cost: the same calls bench/keyshares.ts times.
    const skHex = `0x${Buffer.from(key.secretKey).toString('hex')}`;
    t = performance.now();
    const ssvKeys = new SSVKeys();
    const threshold = await ssvKeys.createThreshold(skHex, ssvOps);
    const encrypted = await ssvKeys.encryptShares(ssvOps, threshold.shares);
    const raw = (await new KeySharesItem().buildPayload(
      { publicKey: threshold.publicKey, operators: ssvOps, encryptedShares: encrypted },
      { ownerAddress: owner, ownerNonce: i, privateKey: skHex },
    )) as KeysharesPayload;
    times.ssvKeysMs.push(performance.now() - t);
    if (raw.sharesData.length !== payload.sharesData.length)
      throw new Error('ssv-keys payload length differs from buildKeyshares');
    wipeKeys([key]);
  }
  return times;
}
