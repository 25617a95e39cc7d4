import type { Logger } from '../../src/core/capabilities.ts';

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
