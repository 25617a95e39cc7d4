/**
 * The key that encrypts sensitive outputs: what a person sees when it is
 * missing or malformed, and the key file the embedded engine makes.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AesOutputCipher, KEY_FILE, loadOutputCipher, parseKey } from '../src/secrets-at-rest.ts';

const VALUE = 'postgres://app:s3cret-7c1d@db/app';

describe('the output cipher', () => {
  it('writes an enc:v1 envelope with a fresh 12-byte IV and a tag, and reads it back', () => {
    const cipher = new AesOutputCipher({ bytes: randomBytes(32), source: 'BATON_ENCRYPTION_KEY' });
    const one = cipher.encrypt(VALUE);
    const two = cipher.encrypt(VALUE);
    expect(one).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    expect(one).not.toBe(two);
    expect(Buffer.from(one.slice('enc:v1:'.length), 'base64url')).toHaveLength(12 + 16 + Buffer.byteLength(VALUE));
    expect(one).not.toContain('s3cret');
    expect(cipher.decrypt(one)).toBe(VALUE);
    expect(cipher.decrypt(two)).toBe(VALUE);
  });

  it('says which key is wrong when a value was written with another', () => {
    const written = new AesOutputCipher({ bytes: randomBytes(32), source: 'BATON_ENCRYPTION_KEY' }).encrypt(VALUE);
    const other = new AesOutputCipher({ bytes: randomBytes(32), source: 'BATON_ENCRYPTION_KEY' });
    expect(() => other.decrypt(written)).toThrow(/^BATON_ENCRYPTION_KEY is not the key it was written with/);
  });

  it('refuses a value that was tampered with', () => {
    const cipher = new AesOutputCipher({ bytes: randomBytes(32), source: 'BATON_ENCRYPTION_KEY' });
    const envelope = cipher.encrypt(VALUE);
    const packed = Buffer.from(envelope.slice('enc:v1:'.length), 'base64url');
    packed[packed.length - 1] = (packed[packed.length - 1] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`enc:v1:${packed.toString('base64url')}`)).toThrow(/not the key it was written with/);
  });
});

describe('BATON_ENCRYPTION_KEY', () => {
  it('accepts 32 bytes as base64, base64url or hex', () => {
    const bytes = randomBytes(32);
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('hex'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      expect(parseKey(text, 'BATON_ENCRYPTION_KEY').equals(bytes)).toBe(true);
    }
  });

  it('refuses a key of the wrong length or form, naming the variable and how to make one, without echoing it', () => {
    for (const text of [
      randomBytes(16).toString('base64'),
      'correct horse battery staple',
      randomBytes(31).toString('hex'),
    ]) {
      let message = '';
      try {
        parseKey(text, 'BATON_ENCRYPTION_KEY');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('BATON_ENCRYPTION_KEY is not a 32-byte key');
      expect(message).toContain('openssl rand -base64 32');
      expect(message).not.toContain(text);
    }
  });
});

describe('the key Baton finds at start', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-key-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('on the embedded engine without the variable: makes <data>/encryption.key once, readable by its owner only, and keeps using it', async () => {
    const first = await loadOutputCipher({ dataDir, withoutKey: 'create' });
    const path = join(dataDir, KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    const second = await loadOutputCipher({ dataDir, withoutKey: 'create' });
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(second.decrypt(first.encrypt(VALUE))).toBe(VALUE);
  });

  it('prefers the variable to the key file', async () => {
    await loadOutputCipher({ dataDir, withoutKey: 'create' });
    const key = randomBytes(32).toString('base64');
    const fromVariable = await loadOutputCipher({ key, dataDir, withoutKey: 'create' });
    expect((await loadOutputCipher({ key, dataDir, withoutKey: 'require' })).decrypt(fromVariable.encrypt(VALUE))).toBe(
      VALUE,
    );
  });

  it('refuses a key file others may read, saying how to fix it', async () => {
    await loadOutputCipher({ dataDir, withoutKey: 'create' });
    const path = join(dataDir, KEY_FILE);
    await chmod(path, 0o644);
    await expect(loadOutputCipher({ dataDir, withoutKey: 'create' })).rejects.toThrow(
      `other users may read it (mode 0644): run \`chmod 600 ${path}\``,
    );
  });

  it('refuses a key file that does not hold a 32-byte key', async () => {
    const path = join(dataDir, KEY_FILE);
    await writeFile(path, `${randomBytes(20).toString('base64')}\n`, { mode: 0o600 });
    await expect(loadOutputCipher({ dataDir, withoutKey: 'create' })).rejects.toThrow(
      `${path} does not hold a 32-byte key`,
    );
  });

  it('on Redis: refuses to start without the variable, saying how to set it', async () => {
    const refused = loadOutputCipher({ key: '', dataDir, withoutKey: 'require' });
    await expect(refused).rejects.toThrow(
      /^BATON_ENCRYPTION_KEY is not set\. .*openssl rand -base64 32.*set BATON_ENCRYPTION_KEY for every bot and worker/,
    );
  });
});
