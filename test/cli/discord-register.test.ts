/** `baton discord register` as an operator runs it, against the Discord stand-in. */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn } from '../harness/discord/discord-stand-in.ts';

function baton(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/baton.js', ...args], {
      env: { ...process.env, DISCORD_TOKEN: '', DISCORD_PUBLIC_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let standIn: DiscordStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('baton discord register', () => {
  it('puts /promote on the server, with its one text option completed as it is typed, and running it again changes nothing', async () => {
    standIn = await startDiscordStandIn();
    const env = { DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.url };
    for (let run = 0; run < 2; run += 1) {
      const result = await baton(env, 'discord', 'register', '--guild', standIn.guildId);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(
        new RegExp(`^Registered /promote for .* on server ${standIn.guildId}; it is usable there now\\.\\n$`),
      );
    }
    expect(standIn.commands(standIn.guildId)).toMatchObject([
      { name: 'promote', options: [{ name: 'command', type: 3, required: true, autocomplete: true }] },
    ]);
  });

  it('says what to set without a token, and what went wrong with a token Discord refuses', async () => {
    const missing = await baton({}, 'discord', 'register');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Set DISCORD_TOKEN to the bot token/);
    standIn = await startDiscordStandIn();
    const refused = await baton(
      { DISCORD_TOKEN: 'not-the-token', DISCORD_API_URL: standIn.url },
      'discord',
      'register',
      '--guild',
      standIn.guildId,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Discord refused to register \/promote \(.*401.*\)\. Check DISCORD_TOKEN/);
  });
});
