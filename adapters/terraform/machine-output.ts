/**
 * Reads Terraform's machine-readable UI (`plan -json`, `apply -json`): one
 * JSON message per line. Baton logs each message's human text, never the raw
 * JSON, whose `outputs` messages carry output values.
 * https://developer.hashicorp.com/terraform/internals/machine-readable-ui
 */
import { z } from 'zod';

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
}

export interface ChangeCounts {
  add: number;
  change: number;
  remove: number;
}

export interface MachineMessage {
  /** What a person reads in the step log. */
  lines: string[];
  diagnostic?: Diagnostic;
  changes?: ChangeCounts;
}

const messageSchema = z.object({
  '@message': z.string(),
  type: z.string().optional(),
  diagnostic: z
    .object({
      severity: z.enum(['error', 'warning']),
      summary: z.string(),
      detail: z.string().default(''),
    })
    .optional(),
  changes: z.object({ add: z.number(), change: z.number(), remove: z.number() }).optional(),
});

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Lines that are not UI messages (a crash, a plugin's stray output) are shown as they are. */
export function readMachineLine(line: string): MachineMessage {
  const parsed = line.startsWith('{') ? messageSchema.safeParse(parseJson(line)) : undefined;
  if (!parsed?.success) return { lines: line.trim() === '' ? [] : [line] };
  const message = parsed.data;
  if (message.type === 'diagnostic' && message.diagnostic) {
    const details = message.diagnostic.detail
      .split('\n')
      .filter((detail) => detail.trim() !== '')
      .map((detail) => `  ${detail}`);
    return { lines: [message['@message'], ...details], diagnostic: message.diagnostic };
  }
  if (message.type === 'change_summary' && message.changes) {
    return { lines: [message['@message']], changes: message.changes };
  }
  return { lines: [message['@message']] };
}
