// Pretend database migrations: the schema version per environment.
import { environment, pause, readState, writeState } from './state.mjs';

const state = readState();
const [action] = process.argv.slice(2);
if (action === 'current') {
  if (state.version) console.log(state.version);
} else if (action === 'migrate') {
  const target = process.env.BATON_VERSION;
  if (state.version === target) {
    console.log(`schema already at migration ${target}`);
  } else {
    console.log(`migrating ${environment} from ${state.version ?? 'empty'} to ${target}`);
    await pause(300);
    writeState({ version: target });
  }
} else if (action === 'revert') {
  const target = process.env.BATON_ROLLBACK_TO || undefined;
  console.log(`reverting ${environment} to ${target ?? 'empty'}`);
  writeState(target ? { version: target } : {});
} else {
  console.error(`usage: schema.mjs current|migrate|revert (got ${action})`);
  process.exit(64);
}
