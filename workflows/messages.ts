// Signals, queries and updates, shared by workflows and the client (one definition, one wire name).
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Self-check: a note delivered by any client (`temporal workflow signal --name ping`). */
export const pingSignal = defineSignal<[PingInput]>('ping');
export const receivedPingsQuery = defineQuery<string[]>('receivedPings');

export interface PingInput {
  note: string;
}
