/**
 * Reads the folder of migrations: every `.sql` file is one, sorted by name,
 * each with the SHA-256 of its bytes so an edit after it ran can be caught.
 * A folder whose names and numbers disagree is refused before anything runs.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { DOWN_SUFFIX, UP_SUFFIX, isDownFile, migrationNameOf, versionOf } from './migration-name.ts';
import type { SqlMigrationsConfig } from './schema.ts';

export interface SqlFile {
  /** The path as people see it: `dir` from the settings joined with the file name. */
  shownPath: string;
  sql: string;
}

export interface MigrationFile {
  /** The file name without `.sql`, as the bookkeeping table records it: `0002_add_customers`. */
  name: string;
  /** The number it starts with: `0002`. */
  version: string;
  up: SqlFile;
  /** Hex SHA-256 of the up file's bytes, what `sha256sum` prints. */
  checksum: string;
  down?: SqlFile;
}

export interface MigrationFolder {
  /** `dir` as the settings give it. */
  shownPath: string;
  /** Sorted by name (code point order, the same on every machine), which is also the order of their numbers. */
  migrations: MigrationFile[];
}

function folderError(message: string): TerminalStepError {
  return new TerminalStepError(message);
}

async function listSqlFiles(ctx: AdapterContext<SqlMigrationsConfig>, folder: string): Promise<string[]> {
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw folderError(
      ctx.redact(
        `The migrations folder ${folder} of ${ctx.component} does not exist or is not a folder. ` +
          `\`dir\` is relative to the config folder ${ctx.configDir}: fix it in the component's settings.`,
      ),
    );
  }
  const names = await readdir(folder);
  return names.filter((name) => name.endsWith(UP_SUFFIX));
}

function checkNames(ctx: AdapterContext<SqlMigrationsConfig>, shownFolder: string, fileNames: readonly string[]): void {
  const unnumbered = fileNames.filter((fileName) => versionOf(fileName) === null);
  if (unnumbered.length > 0) {
    throw folderError(
      ctx.redact(
        `Every .sql file in ${shownFolder} is a migration and must start with its number, e.g. 0001_create_orders.sql, ` +
          `but ${unnumbered.join(', ')} ${unnumbered.length === 1 ? 'does' : 'do'} not. Rename ${unnumbered.length === 1 ? 'it' : 'them'}, ` +
          'or move files that are not migrations out of the folder.',
      ),
    );
  }
  const upNames = new Set(fileNames.filter((fileName) => !isDownFile(fileName)).map(migrationNameOf));
  const orphans = fileNames.filter((fileName) => isDownFile(fileName) && !upNames.has(migrationNameOf(fileName)));
  if (orphans.length > 0) {
    throw folderError(
      ctx.redact(
        `${orphans.join(', ')} in ${shownFolder} ${orphans.length === 1 ? 'has' : 'have'} no up migration ` +
          `(${orphans.map((fileName) => `${migrationNameOf(fileName)}${UP_SUFFIX}`).join(', ')}): ` +
          `a ${DOWN_SUFFIX} file undoes the .sql file of the same name. Fix the name or remove the file.`,
      ),
    );
  }
}

// Sorting by name and matching versions by number only agree when numbers
// grow with the names: 10_x.sql sorts before 9_x.sql, and two files numbered
// 0003 would make "version 0003" ambiguous.
function checkOrder(
  ctx: AdapterContext<SqlMigrationsConfig>,
  shownFolder: string,
  migrations: readonly MigrationFile[],
): void {
  for (let index = 1; index < migrations.length; index++) {
    const previous = migrations[index - 1];
    const migration = migrations[index];
    if (previous === undefined || migration === undefined) continue;
    if (BigInt(migration.version) > BigInt(previous.version)) continue;
    const why =
      BigInt(migration.version) === BigInt(previous.version)
        ? `both are numbered ${Number(migration.version)}, so a version cannot name just one of them. Renumber the one that has not run anywhere yet.`
        : 'sorted by name it runs after it, though its number is smaller. Pad the numbers with zeros to the same width (0009_x.sql, 0010_y.sql).';
    throw folderError(
      ctx.redact(`${migration.up.shownPath} and ${previous.up.shownPath} in ${shownFolder} are out of order: ${why}`),
    );
  }
}

async function readSqlFile(
  folder: string,
  shownFolder: string,
  fileName: string,
): Promise<{ file: SqlFile; bytes: Buffer }> {
  const bytes = await readFile(join(folder, fileName));
  return { file: { shownPath: join(shownFolder, fileName), sql: bytes.toString('utf8') }, bytes };
}

export async function readMigrationFolder(ctx: AdapterContext<SqlMigrationsConfig>): Promise<MigrationFolder> {
  const shownFolder = ctx.config.dir;
  const folder = resolve(ctx.configDir, ctx.config.dir);
  const fileNames = await listSqlFiles(ctx, folder);
  checkNames(ctx, shownFolder, fileNames);
  const downFiles = new Set(fileNames.filter(isDownFile));
  const migrations: MigrationFile[] = [];
  for (const fileName of fileNames.filter((name) => !isDownFile(name))) {
    const name = migrationNameOf(fileName);
    const { file: up, bytes } = await readSqlFile(folder, shownFolder, fileName);
    const downFileName = `${name}${DOWN_SUFFIX}`;
    const down = downFiles.has(downFileName) ? (await readSqlFile(folder, shownFolder, downFileName)).file : undefined;
    migrations.push({
      name,
      version: versionOf(name) ?? '',
      up,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      ...(down === undefined ? {} : { down }),
    });
  }
  migrations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkOrder(ctx, shownFolder, migrations);
  return { shownPath: shownFolder, migrations };
}
