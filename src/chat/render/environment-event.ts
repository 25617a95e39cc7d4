import type { AuditRecord } from '../../core/audit-record.ts';
import type { ChatMessage } from '../message.ts';

/** Environment-level events (freezes) go to the environment's channel. */
export function renderEnvironmentEvent(record: AuditRecord): ChatMessage | undefined {
  if (record.type !== 'environment.frozen' && record.type !== 'environment.unfrozen') return undefined;
  return {
    text: record.summary,
    tone: record.type === 'environment.frozen' ? 'warning' : 'good',
    blocks: [
      { type: 'text', text: record.summary },
      { type: 'context', text: `${record.actor} · ${record.at}` },
    ],
  };
}
