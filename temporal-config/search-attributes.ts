// Custom search attributes of the bot, so that an operator finds a rollup's workflows, or the
// ceremony or exit that holds a validator key, in the Web UI or with `temporal workflow list`.
// They are stored unencrypted by the server: public values only (addresses, phases, pubkeys).
// Workflow code imports this file: it must stay free of Node and gRPC imports.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { RollupAdmin } from '../protocol/identifiers';

export const RollupAdminAttribute = defineSearchAttributeKey('NexusRollupAdmin', SearchAttributeType.KEYWORD);
export const PhaseAttribute = defineSearchAttributeKey('NexusPhase', SearchAttributeType.KEYWORD);
export const KeyPathAttribute = defineSearchAttributeKey('NexusKeyPath', SearchAttributeType.KEYWORD);
export const ValidatorPubkeysAttribute = defineSearchAttributeKey(
  'NexusValidatorPubkeys',
  SearchAttributeType.KEYWORD_LIST,
);

export const BOT_SEARCH_ATTRIBUTES = [
  RollupAdminAttribute,
  PhaseAttribute,
  KeyPathAttribute,
  ValidatorPubkeysAttribute,
];

/** The attributes every workflow of a rollup starts with (monitor and batches: children do not inherit them). */
export function rollupSearchAttributes(rollupAdmin: RollupAdmin, keyPath: string) {
  return [
    { key: RollupAdminAttribute, value: rollupAdmin },
    { key: KeyPathAttribute, value: keyPath },
  ];
}

/**
 * The form of a validator pubkey in NexusValidatorPubkeys: its first 14 hex digits. The server
 * caps a search attribute value at 2 KB (default), which a batch of 100 full pubkeys exceeds; 56
 * bits still find one key among millions: `NexusValidatorPubkeys = "0x" + first 14 hex digits`.
 */
export function pubkeySearchKey(pubkey: string): string {
  const hex = pubkey.toLowerCase().replace(/^0x/, '');
  return `0x${hex.slice(0, 14)}`;
}
