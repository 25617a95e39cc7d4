import { RECORDS_MIGRATION } from './0001-records.ts';
import { ARCHIVE_MIGRATION } from './0002-archive.ts';
import { THREADS_MIGRATION } from './0003-threads.ts';

/** One schema change of Baton's PostgreSQL records: applied once, in order, never edited once shipped. */
export interface SchemaMigration {
  name: string;
  sql: string;
}

/** Every migration this Baton knows, oldest first; a new one goes at the end. */
export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [RECORDS_MIGRATION, ARCHIVE_MIGRATION, THREADS_MIGRATION];
