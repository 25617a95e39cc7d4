import type { AuditRecord, AuditType } from '../../core/audit-record.ts';
import type { ChatMessage } from '../message.ts';

const POSTED: readonly AuditType[] = ['environment.frozen', 'environment.unfrozen', 'environment.overridden'];

/** Environment-level events (freezes, overrides) go to the environment's channel; refusals stay in the log. */
export function renderEnvironmentEvent(record: AuditRecord): ChatMessage | undefined {
  if (!POSTED.includes(record.type)) return undefined;
  return {
    text: record.summary,
    tone: record.type === 'environment.unfrozen' ? 'good' : 'warning',
    blocks: [
      { type: 'text', text: record.summary },
      { type: 'context', text: `${record.actor} · ${record.at}` },
    ],
  };
}
