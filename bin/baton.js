#!/usr/bin/env node
// Baton is written in TypeScript; tsx loads it directly, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
