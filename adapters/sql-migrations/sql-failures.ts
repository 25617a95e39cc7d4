/**
 * Turns what PostgreSQL reports about a failed statement into text a person
 * can act on: the message, the SQLSTATE, and where in the file it failed.
 */
import pg from 'pg';
import { errorMessage } from '../../src/errors.ts';
import type { SqlFile } from './migration-files.ts';

// 40001 serialization failure, 40P01 deadlock, 55P03 lock not available,
// 57P01-57P03 the server shut down or is starting, 53300 too many connections.
const TRANSIENT_SQL_STATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_LOST = /connection terminated|ECONNRESET|EPIPE|Connection ended/i;

export function sqlStateOf(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** A failure another attempt could get past: a deadlock, a busy lock, a restart, a dropped connection. */
export function isTransientFailure(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined) return TRANSIENT_SQL_STATES.has(state) || state.startsWith('08');
  return CONNECTION_LOST.test(errorMessage(error));
}

interface FilePosition {
  line: number;
  column: number;
  lineText: string;
}

function lineStartingAt(sql: string, lineStart: number): string {
  const lineEnd = sql.indexOf('\n', lineStart);
  return sql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).replace(/\r$/, '');
}

// PostgreSQL counts the position in characters from 1 ("at end of input" is
// one past the last); iterating the string walks code points, as it counts.
function positionIn(sql: string, position: number): FilePosition | undefined {
  let line = 1;
  let column = 1;
  let index = 1;
  let lineStart = 0;
  let offset = 0;
  for (const character of sql) {
    if (index === position) return { line, column, lineText: lineStartingAt(sql, lineStart) };
    offset += character.length;
    index++;
    if (character === '\n') {
      line++;
      column = 1;
      lineStart = offset;
    } else {
      column++;
    }
  }
  return index === position ? { line, column, lineText: lineStartingAt(sql, lineStart) } : undefined;
}

function pointAt(file: SqlFile, error: pg.DatabaseError): string[] {
  const position = Number.parseInt(error.position ?? '', 10);
  if (!Number.isInteger(position)) return [];
  const found = positionIn(file.sql, position);
  if (found === undefined) return [];
  const gutter = String(found.line);
  const caret = `${' '.repeat(Math.max(0, found.column - 1))}^`;
  return [
    `at ${file.shownPath}:${found.line}:${found.column}`,
    `    ${gutter} | ${found.lineText}`,
    `    ${' '.repeat(gutter.length)} | ${caret}`,
  ];
}

/**
 * `relation "orders" does not exist (SQLSTATE 42P01)`, then, when the error
 * came from `file`, where it failed with the line quoted, then PostgreSQL's
 * detail, hint and context.
 */
export function describeSqlFailure(error: unknown, file?: SqlFile): string {
  if (!(error instanceof pg.DatabaseError)) return errorMessage(error);
  const lines = [`${error.message} (SQLSTATE ${error.code ?? 'unknown'})`];
  if (file !== undefined) lines.push(...pointAt(file, error));
  if (error.detail) lines.push(`Detail: ${error.detail}`);
  if (error.hint) lines.push(`Hint: ${error.hint}`);
  if (error.where) lines.push(`Where: ${error.where}`);
  return lines.join('\n');
}
