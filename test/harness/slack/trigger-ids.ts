/**
 * Trigger ids in Slack's shape (`<digits>.<digits>.<hex>`). Both the stand-in
 * and the signed-request helpers make them: the helpers cannot ask the
 * stand-in for one, so the stand-in takes any well-formed id once, and times
 * out (3 s, as Slack documents) only the ids it issued itself.
 */
import { randomBytes, randomInt } from 'node:crypto';

export const TRIGGER_ID = /^\d+\.\d+\.[0-9a-f]+$/;

/** Slack lets a trigger id open a view within 3 seconds of the interaction. */
export const TRIGGER_ID_LIFETIME_MS = 3_000;

export function newTriggerId(): string {
  return `${randomInt(1_000_000_000, 9_999_999_999)}.${randomInt(100_000_000, 999_999_999)}.${randomBytes(16).toString('hex')}`;
}
