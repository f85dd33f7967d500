// Which store holds the transaction journal (and, when shared, the nonce stream), by config:
// - transactions.journalFile: the append-only file of one worker (the default);
// - transactions.dynamodb: a DynamoDB table shared by several workers, every write fenced by the
//   chain-writer lease of the bot account (activities/chain/writer-lease.ts).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FileTxJournal } from '../activities/chain/tx-journal-file';
import type { TxJournal } from '../activities/chain/tx-journal';
import type { FencedNonceStore, WriterLease } from '../activities/chain/writer-lease';
import { DynamoWriterLease } from '../activities/chain/dynamo/lease';
import { DynamoTxJournal } from '../activities/chain/dynamo/tx-journal';
import { streamOf } from '../activities/chain/dynamo/table';
import { ConfigError, type WorkerConfig } from './config';

export interface TxStore {
  journal: TxJournal;
  nonceStore?: FencedNonceStore;
  /** The chain-writer lease (shared store only): hold it to send; gate the writer task queue on it. */
  lease?: WriterLease;
}

export function createTxStore(config: WorkerConfig, botAddress: string): TxStore {
  const transactions = config.transactions;
  if (transactions?.journalFile) return { journal: new FileTxJournal(transactions.journalFile) };
  if (!transactions?.dynamodb)
    throw new ConfigError('invalid config:\n  transactions: expected journalFile or dynamodb');
  if (!config.aws)
    throw new ConfigError('invalid config:\n  aws: expected region (and endpoint) for the DynamoDB transaction store');
  const client = new DynamoDBClient({ region: config.aws.region, endpoint: config.aws.endpoint });
  const { table, leaseTtlSeconds } = transactions.dynamodb;
  const stream = streamOf(botAddress);
  const lease = new DynamoWriterLease({
    client,
    table,
    stream,
    ttlMs: leaseTtlSeconds * 1000,
    holder: `${config.workerName}:${process.pid}`,
  });
  const journal = new DynamoTxJournal({ client, table, stream, lease });
  return { journal, nonceStore: journal, lease };
}
