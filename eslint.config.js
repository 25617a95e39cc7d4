import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

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
              regex: '(^|/)adapters/(?!kit/)',
              message:
                "The core imports no adapter implementation: it takes adapters through the registry it is handed and the kit's contract.",
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
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!errors\\.ts$)',
              message:
                "An adapter imports only the kit (adapters/kit/) and Baton's errors (src/errors.ts): what it needs of the core comes through its context.",
            },
            {
              regex: '^(\\.\\./)+(script|ssh|terraform|http|lambda|kubernetes|sql-migrations|registry\\.ts)(/|$)',
              message: 'An adapter imports no other adapter: what two adapters share belongs in adapters/kit/.',
            },
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
