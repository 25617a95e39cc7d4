import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const otherAdapter = {
  regex: '^(\\.\\./)+(script|ssh|terraform|http|lambda|kubernetes|sql-migrations|registry\\.ts)(/|$)',
  message: 'An adapter imports no other adapter: what two adapters share belongs in adapters/kit/.',
};

export default defineConfig(
  { ignores: ['node_modules/', 'coverage/', '.baton/', 'dist/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  // The layers (docs/architecture.md): imports point from the edges inwards, never back.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['ioredis', 'bullmq', 'pg', '@slack/bolt', '@slack/web-api', 'discord.js'].map((name) => ({
            name,
            message: 'The core sees contracts only: no queue, database or chat library.',
          })),
          patterns: [
            {
              regex: '(^|/)chat/',
              message: 'The core imports no chat platform: it speaks through the outbox and the audit log.',
            },
            {
              regex: '(^|/)engine/(memory|redis|postgres)/',
              message:
                'The core imports no engine implementation: it takes the Store and JobQueue contracts (engine/contract.ts).',
            },
            { regex: '(^|/)commands/', message: 'The core imports no chat command: commands call the core.' },
            {
              regex: '(^|/)adapters/',
              message:
                'The core imports nothing from adapters/: the adapter contract it calls lives in src/core/adapter-contract.ts, and it takes adapters through the registry it is handed.',
            },
          ],
        },
      ],
    },
  },
  ...['slack', 'discord', 'console'].map((platform) => ({
    files: [`src/chat/${platform}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(engine|commands|adapters)/',
              message:
                'A chat platform imports no engine, command or adapter: it receives and posts through the chat contract (chat/contract.ts).',
            },
            {
              regex: `(^|/)chat/(?!${platform}/)(slack|discord|console)/|^\\.\\./(?!${platform}/)(slack|discord|console)/`,
              message: 'A chat platform imports no other platform.',
            },
            {
              regex: '(^|/)core/(?!model\\.ts$|capabilities\\.ts$|dashboard/|dora-query\\.ts$)',
              message:
                "A chat platform takes from the core only the model, the capabilities it is handed and the dashboard's read queries.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['adapters/*/**/*.ts'],
    ignores: ['adapters/kit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!errors\\.ts$)',
              message:
                "An adapter imports only the kit (adapters/kit/) and Baton's errors (src/errors.ts): the kit hands it the contract the core defines, and what it needs of the core at run time comes through its context.",
            },
            otherAdapter,
          ],
        },
      ],
    },
  },
  // The kit hands adapters the contract and step errors the core defines, and durations: it alone takes those from src/.
  {
    files: ['adapters/kit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!errors\\.ts$|durations\\.ts$|core/adapter-contract\\.ts$|core/step-errors\\.ts$)',
              message:
                "The kit imports from src/ only Baton's errors, durations (src/durations.ts), and the adapter contract and step errors the core defines (src/core/adapter-contract.ts, src/core/step-errors.ts).",
            },
            otherAdapter,
          ],
        },
      ],
    },
  },
  {
    files: ['bin/*.js', 'config/**/*.mjs', 'src/chat/console/public/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        URL: 'readonly',
      },
    },
  },
);
