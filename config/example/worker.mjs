// Pretend background worker. A version containing "broken" crashes on start,
// so the example can show a failed step and its rollback.
import { environment, pause, readState, version, writeState } from './state.mjs';

const state = readState();
const [action] = process.argv.slice(2);
if (action === 'current') {
  if (state.version) console.log(state.version);
} else if (action === 'deploy') {
  console.log(`deploying worker ${version} to ${environment}, reading ${process.env.QUEUE_URL}`);
  await pause(300);
  if (version.includes('broken')) {
    console.error(`worker ${version} crashed on start: health check failed`);
    process.exit(1);
  }
  writeState({ version });
} else if (action === 'rollback') {
  const target = process.env.BATON_ROLLBACK_TO || undefined;
  console.log(`rolling worker back to ${target ?? 'nothing'} in ${environment}`);
  writeState(target ? { version: target } : {});
} else {
  console.error(`usage: worker.mjs current|deploy|rollback (got ${action})`);
  process.exit(64);
}
