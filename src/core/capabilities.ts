/** Small capabilities the core is given rather than reaching for globals. */
import type { LinkedGroup } from './model.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Logger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** A chat platform's user groups (Slack user groups), for policy groups linked to one. */
export interface UserGroupDirectory {
  /** The user ids in `group`; throws a BatonError saying why when it cannot tell (a group of another platform among them). */
  membersOf(group: LinkedGroup): Promise<string[]>;
}

/** Where `${secret:NAME}` values come from (environment variables by default). */
export interface SecretSource {
  get(name: string): string | undefined;
}

export const environmentSecrets: SecretSource = { get: (name) => process.env[name] };

/** Encrypts sensitive outputs before they are stored, and decrypts them for the steps that take them as inputs. */
export interface OutputCipher {
  /** An envelope (`enc:v1:…`) that says nothing of the value. */
  encrypt(value: string): string;
  /** Throws an error that names the key it tried when the envelope was written with another. */
  decrypt(envelope: string): string;
}

/** Files that hold archived promotions' evidence bundles. */
export interface EvidenceFiles {
  /** Writes `content` as `name` in `folder` (made if missing), whole or not at all; returns the file's absolute path. */
  write(folder: string, name: string, content: string): Promise<string>;
  /** The bytes of the file at `path`, or undefined when there is none. */
  read(path: string): Promise<Buffer | undefined>;
}
