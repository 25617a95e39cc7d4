import type { AuditRecord, AuditType } from '../../core/audit-record.ts';
import type { ChatMessage } from '../message.ts';
import { formatTime } from '../../core/time-text.ts';

const POSTED: readonly AuditType[] = [
  'environment.frozen',
  'environment.unfrozen',
  'environment.overridden',
  'environment.drifted',
  'environment.drift_cleared',
];
const GOOD_NEWS: readonly AuditType[] = ['environment.unfrozen', 'environment.drift_cleared'];

/** Environment-level events (freezes, overrides, drift found by a scheduled check) go to the environment's channel; refusals stay in the log. */
export function renderEnvironmentEvent(record: AuditRecord): ChatMessage | undefined {
  if (!POSTED.includes(record.type)) return undefined;
  return {
    text: record.summary,
    tone: GOOD_NEWS.includes(record.type) ? 'good' : 'warning',
    blocks: [
      { type: 'text', text: record.summary },
      { type: 'context', text: `${record.actor} · ${formatTime(record.at)}` },
    ],
  };
}
