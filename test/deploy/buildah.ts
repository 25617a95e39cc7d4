/**
 * buildah, daemonless, as root: the image tests build and run Baton's real
 * Dockerfile with it. Its storage is kept under /var/tmp so a second run reuses
 * the stand-in base and the cached layers. A missing buildah fails the test with
 * how to install it: CI must have it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';

const STORAGE = [
  '--root',
  '/var/tmp/baton-image-tests/storage',
  '--runroot',
  '/run/baton-image-tests',
  '--storage-driver',
  'overlay',
];

const BUILDAH_MISSING =
  'buildah is not installed, and the image tests build and run the Dockerfile with it. Install the Debian package (apt-get install buildah) and run the tests again.';

export interface BuildahResult {
  stdout: string;
  stderr: string;
}

/** Runs `buildah <args>` with the tests' storage; rejects with buildah's own words when it fails. */
export function buildah(args: readonly string[], timeoutMs = 600_000): Promise<BuildahResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'buildah',
      [...STORAGE, ...args],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error(BUILDAH_MISSING));
        else if (error) reject(new Error(`buildah ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** `buildah run` in the background, for a server the test talks to and then stops. */
export function buildahRunInBackground(args: readonly string[]): ChildProcess {
  return spawn('buildah', [...STORAGE, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

/** The Docker-format config of a local image, or undefined when there is no such image. */
export async function imageConfig(name: string): Promise<ImageConfig | undefined> {
  let inspected: BuildahResult;
  try {
    inspected = await buildah(['inspect', '--type', 'image', name]);
  } catch (error) {
    if (/image not known|not found|no such image/i.test(String(error))) return undefined;
    throw error;
  }
  const parsed = JSON.parse(inspected.stdout) as { Docker?: { config?: ImageConfig } };
  return parsed.Docker?.config ?? {};
}
