/**
 * The console page's files. Only the paths listed here are served, so no
 * request path ever reaches the file system.
 */
import { readFile } from 'node:fs/promises';
import type { BodyResult } from '../../http/server.ts';

const publicDir = new URL('./public/', import.meta.url);

const assets: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', contentType: 'text/javascript; charset=utf-8' },
  '/page-kit.js': { file: 'page-kit.js', contentType: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', contentType: 'text/css; charset=utf-8' },
  '/dashboard': { file: 'dashboard.html', contentType: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', contentType: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', contentType: 'text/css; charset=utf-8' },
};

export const consoleAssetPaths = Object.keys(assets);

/** The pages themselves: a browser not signed in is sent to sign in. Scripts and styles hold nothing private. */
export const consolePagePaths: readonly string[] = ['/', '/dashboard'];

/** The page loads nothing from elsewhere; say so, so an injected script could not either. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function readConsoleAsset(path: string): Promise<BodyResult> {
  const asset = assets[path];
  if (!asset) {
    throw new Error(`${path} is not a console asset`);
  }
  return {
    status: 200,
    body: await readFile(new URL(asset.file, publicDir)),
    contentType: asset.contentType,
    headers: { 'cache-control': 'no-cache', 'content-security-policy': contentSecurityPolicy },
  };
}
