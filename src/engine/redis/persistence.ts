/**
 * Whether Redis keeps what Baton writes across its own restart: Baton's
 * records live there, so an instance with neither AOF nor a strict enough
 * fsync policy can lose promotions people were told about.
 */
import type { Redis } from 'ioredis';

/** Fsync policies that lose at most about a second of writes. */
const DURABLE_FSYNC = ['always', 'everysec'];

/** What is wrong with Redis' persistence, in words for an operator; undefined when it is on. */
export async function persistenceWarning(redis: Redis): Promise<string | undefined> {
  let settings: Record<string, string>;
  try {
    const reply = (await redis.config('GET', 'appendonly')) as string[];
    const fsync = (await redis.config('GET', 'appendfsync')) as string[];
    settings = Object.fromEntries([...pairs(reply), ...pairs(fsync)]);
  } catch {
    // Managed Redis often disables CONFIG: Baton cannot tell, and says so.
    return "Baton cannot read Redis' persistence settings (CONFIG GET is refused here); make sure AOF is on with appendfsync everysec or always, or records written in the last moments before a Redis restart are lost.";
  }
  if (settings.appendonly !== 'yes') {
    return 'Redis persistence is off (appendonly no): a Redis restart loses every promotion and audit record. Turn on AOF: appendonly yes, appendfsync everysec (or always).';
  }
  if (!DURABLE_FSYNC.includes(settings.appendfsync ?? '')) {
    return `Redis syncs its AOF only when the OS decides (appendfsync ${settings.appendfsync ?? 'unknown'}): a power cut can lose minutes of records. Set appendfsync everysec (or always).`;
  }
  return undefined;
}

function pairs(flat: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i] ?? '', flat[i + 1] ?? '']);
  return result;
}
