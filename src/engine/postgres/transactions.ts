/**
 * One transaction on a pooled connection: committed when `work` resolves,
 * rolled back when it throws. PostgreSQL may end one of two transactions that
 * wait for each other (a deadlock) or cannot be serialized; the loser is
 * tried again from the start, so `work` must be safe to repeat.
 */
import type pg from 'pg';

const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';
const ATTEMPTS = 20;

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection that breaks between two statements says so as an event, which must not end the process; the next statement fails with it.
    const noteBreak = (error: Error) => void (broken = error);
    client.on('error', noteBreak);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // A connection that cannot even roll back is closed rather than handed to the next caller.
        broken = error instanceof Error ? error : new Error(String(error));
      }
      const state = sqlState(error);
      if ((state !== DEADLOCK && state !== SERIALIZATION_FAILURE) || attempt >= ATTEMPTS) throw error;
    } finally {
      client.off('error', noteBreak);
      client.release(broken);
    }
  }
}
