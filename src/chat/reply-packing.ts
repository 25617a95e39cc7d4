/**
 * Packs a stream's records into as few messages as the platform's limits
 * allow, by rendered size: a reply takes records while the platform says the
 * whole still fits, so a backed-up thread catches up in few messages, and no
 * reply that could have been split is cut short with its text in a file.
 */
import type { AuditRecord } from '../core/audit-record.ts';
import type { ChatMessage } from './message.ts';

/** More lines than this in one reply are hard to read, whatever the platform takes. */
const MOST_RECORDS_PER_REPLY = 40;

export interface ReplyBatch {
  records: AuditRecord[];
  /** Undefined when none of the records is shown (refused clicks): the cursor still moves past them. */
  message: ChatMessage | undefined;
}

/** Several records' messages as one. */
export function combineMessages(messages: ChatMessage[]): ChatMessage | undefined {
  if (messages.length <= 1) return messages[0];
  const tones = messages.map((m) => m.tone);
  const tone = tones.includes('bad') ? 'bad' : tones.includes('warning') ? 'warning' : (tones.at(-1) ?? 'neutral');
  const mentions = [...new Set(messages.flatMap((m) => m.mentions ?? []))];
  return {
    text: messages.map((m) => m.text).join('\n'),
    tone,
    blocks: messages.flatMap((m) => m.blocks),
    ...(mentions.length > 0 ? { mentions } : {}),
  };
}

export function packReplies(
  records: readonly AuditRecord[],
  render: (record: AuditRecord) => ChatMessage | undefined,
  fits: (message: ChatMessage) => boolean,
): ReplyBatch[] {
  const batches: ReplyBatch[] = [];
  let taken: AuditRecord[] = [];
  let messages: ChatMessage[] = [];
  const close = () => {
    if (taken.length > 0) batches.push({ records: taken, message: combineMessages(messages) });
    taken = [];
    messages = [];
  };
  for (const record of records) {
    const message = render(record);
    if (message) {
      const full = messages.length >= MOST_RECORDS_PER_REPLY;
      const joined = combineMessages([...messages, message]);
      if (messages.length > 0 && (full || (joined && !fits(joined)))) close();
      messages.push(message);
    }
    taken.push(record);
  }
  close();
  return batches;
}
