/**
 * How migration files are named: `<number><rest>.sql` for up and
 * `<number><rest>.down.sql` for down. The number is the schema version a
 * release names; the name (the file name without `.sql`) is what the
 * bookkeeping table records.
 */

export const UP_SUFFIX = '.sql';
export const DOWN_SUFFIX = '.down.sql';

const LEADING_NUMBER = /^\d+/;

/** The version a migration name starts with (`0003` for `0003_add_index`), or null when it starts with no digit. */
export function versionOf(name: string): string | null {
  return LEADING_NUMBER.exec(name)?.[0] ?? null;
}

export function isDownFile(fileName: string): boolean {
  return fileName.endsWith(DOWN_SUFFIX);
}

/** `0003_add_index` for both `0003_add_index.sql` and `0003_add_index.down.sql`. */
export function migrationNameOf(fileName: string): string {
  const suffix = isDownFile(fileName) ? DOWN_SUFFIX : UP_SUFFIX;
  return fileName.slice(0, -suffix.length);
}

/** Newest first, the order migrations are undone in. */
export function newestFirst(names: readonly string[]): string[] {
  return [...names].sort().reverse();
}
