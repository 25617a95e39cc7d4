/**
 * What the adapter remembers in the step's work folder about a trigger it
 * sent, by idempotency key: so an attempt after a crash resumes following the
 * run instead of starting a second one. Written with a rename, so a crash
 * leaves either the old record or the new one, never half of one.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpAnswer } from './send.ts';

export interface TriggerResponse extends HttpAnswer {
  /** Where the trigger was sent: a relative Location is resolved against it. */
  url: string;
  /** ISO time; the poll timeout counts from here, across attempts. */
  receivedAt: string;
}

export type TriggerRecord =
  /** The request was being sent: it may or may not have arrived. */
  | { state: 'sending'; idempotencyKey: string; sentAt: string }
  | { state: 'triggered'; idempotencyKey: string; sentAt: string; response: TriggerResponse };

const FOLDER = 'http-triggers';

function recordFile(workDir: string, idempotencyKey: string): string {
  return join(workDir, FOLDER, `${encodeURIComponent(idempotencyKey)}.json`);
}

function isRecord(value: unknown): value is TriggerRecord {
  if (value === null || typeof value !== 'object') return false;
  const { state, response } = value as { state?: unknown; response?: unknown };
  return state === 'sending' || (state === 'triggered' && typeof response === 'object' && response !== null);
}

export type StoredRecord =
  { kind: 'none' } | { kind: 'unreadable'; file: string } | { kind: 'found'; record: TriggerRecord };

export async function readTriggerRecord(workDir: string, idempotencyKey: string): Promise<StoredRecord> {
  const file = recordFile(workDir, idempotencyKey);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? { kind: 'found', record: parsed } : { kind: 'unreadable', file };
  } catch {
    return { kind: 'unreadable', file };
  }
}

export async function writeTriggerRecord(workDir: string, record: TriggerRecord): Promise<void> {
  const file = recordFile(workDir, record.idempotencyKey);
  await mkdir(join(workDir, FOLDER), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, JSON.stringify(record, null, 2));
  await rename(partial, file);
}

/** After a definite refusal: the next attempt starts afresh. */
export async function forgetTriggerRecord(workDir: string, idempotencyKey: string): Promise<void> {
  await rm(recordFile(workDir, idempotencyKey), { force: true });
}
