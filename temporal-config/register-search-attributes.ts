// Registering the bot's search attributes on a Temporal server (not workflow code).
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { status } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { BOT_SEARCH_ATTRIBUTES } from './search-attributes';

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--search-attribute Name=Type` arguments for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return BOT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

const PROTO_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the bot's search attributes on any Temporal server through the operator service
 * (the Java test server has no flag for it). Attributes that already exist are left alone.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let missing = BOT_SEARCH_ATTRIBUTES;
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    missing = BOT_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  } catch (err) {
    // The Java test server implements only AddSearchAttributes: add them all there.
    if (!isGrpcStatus(err, status.UNIMPLEMENTED)) throw err;
  }
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, PROTO_TYPES[key.type]])),
    });
  } catch (err) {
    if (!isGrpcStatus(err, status.ALREADY_EXISTS)) throw err;
  }
  return missing.map((key) => key.name);
}

function isGrpcStatus(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
