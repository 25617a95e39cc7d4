import type { Logger } from '../../src/core/ports.ts';

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
