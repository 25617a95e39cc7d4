/**
 * The `response_url`s the stand-in hands out for slash-command and interaction
 * payloads. Slack lets an app use one up to 5 times within 30 minutes; past
 * either, the URL is spent. Each URL remembers whom and where it answers: the
 * user (for ephemeral answers), the channel, and for a button click the
 * message it came from (what `replace_original` / `delete_original` act on).
 */
import { randomBytes } from 'node:crypto';

export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;

export interface ResponseUrlTarget {
  /** Who ran the command or clicked. */
  user: string;
  channel: string;
  /** The message the interaction came from, if any. */
  messageTs?: string;
  /** Whether that message was an ephemeral one. */
  messageIsEphemeral?: boolean;
  /** Thread the command ran in, if any. */
  threadTs?: string;
}

export interface ResponseUrlRecord extends ResponseUrlTarget {
  id: string;
  issuedAt: number;
  uses: number;
  /** Set by a test to make it spent early. */
  expired: boolean;
}

export type ResponseUrlUse = { ok: true; record: ResponseUrlRecord } | { ok: false; error: 'expired_url' | 'used_url' };

export class ResponseUrls {
  private readonly records = new Map<string, ResponseUrlRecord>();

  constructor(private readonly clock: () => number) {}

  issue(target: ResponseUrlTarget): ResponseUrlRecord {
    const record: ResponseUrlRecord = {
      ...target,
      id: randomBytes(12).toString('hex'),
      issuedAt: this.clock(),
      uses: 0,
      expired: false,
    };
    this.records.set(record.id, record);
    return record;
  }

  get(id: string): ResponseUrlRecord | undefined {
    return this.records.get(id);
  }

  /** Whether the URL still has a use left; does not count one. */
  check(id: string): ResponseUrlUse {
    const record = this.records.get(id);
    if (!record || record.expired || this.clock() - record.issuedAt > RESPONSE_URL_LIFETIME_MS)
      return { ok: false, error: 'expired_url' };
    if (record.uses >= RESPONSE_URL_USES) return { ok: false, error: 'used_url' };
    return { ok: true, record };
  }

  consume(record: ResponseUrlRecord): void {
    record.uses += 1;
  }
}
