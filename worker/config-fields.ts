// The field forms of the worker configuration (worker/config-schema.ts): each says what it
// expects, so that an error names the form as well as the field.
import { isAddress } from 'ethers';
import { z } from 'zod';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/** host:port, as the Temporal address is written (the CLI's --address is checked with it too). */
export const HOST_PORT_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
export const hostPort = z.string().regex(HOST_PORT_PATTERN, 'expected host:port, e.g. 127.0.0.1:7233');
export const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL, e.g. http://127.0.0.1:8545');
export const wsUrl = z
  .string()
  .regex(/^wss?:\/\/[^\s/]+(\/\S*)?$/, 'expected a websocket URL (ws:// or wss://), e.g. ws://127.0.0.1:8545');
export const address = z.string().refine((v) => isAddress(v), 'expected a 0x-prefixed 20-byte hex address');
export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region, e.g. eu-west-1');
/** A duration as Temporal writes them ("30 seconds", "5m"), within bounds. */
export const duration = (minMs: number, maxMs: number, bounds: string) =>
  z.string().refine((v) => {
    const ms = durationMs(v);
    return ms >= minMs && ms <= maxMs;
  }, `expected a duration such as "30 seconds" or "5m", ${bounds}`);
/** Milliseconds of a duration, or NaN (a comparison with NaN is false: the field's own check reports it). */
export function durationMs(value: string): number {
  try {
    return msToNumber(value as Duration);
  } catch {
    return Number.NaN;
  }
}
export const SECOND = 1_000;
export const DAY = 24 * 3_600 * SECOND;
