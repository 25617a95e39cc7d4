// Shared by the example scripts: where a component keeps its state, and how
// a step publishes outputs (name=value lines in the file at $BATON_OUTPUT).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const environment = process.env.BATON_ENVIRONMENT ?? 'dev';
export const version = process.env.BATON_VERSION ?? '';

function stateFile() {
  const dir = process.env.BATON_WORK_DIR;
  if (!dir) throw new Error('BATON_WORK_DIR is not set: run this script through Baton.');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${environment}.json`);
}

export function readState() {
  const file = stateFile();
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

export function writeState(state) {
  writeFileSync(stateFile(), `${JSON.stringify(state, null, 2)}\n`);
}

export function publish(name, value) {
  if (process.env.BATON_OUTPUT) appendFileSync(process.env.BATON_OUTPUT, `${name}=${value}\n`);
}

export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
