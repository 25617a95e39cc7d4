/**
 * The layer rules in eslint.config.js, tried on planted imports that point the
 * wrong way: each must fail lint with the rule's words, and the right way passes.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** The layer rule's messages for `source` as if it were the file at `path`. */
async function refusals(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = imported;\n`, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('keep chat platforms, engine implementations, commands, adapters and their libraries out of the core', async () => {
    expect(await refusals('src/core/planted.ts', "import { imported } from '../chat/slack/slack-chat.ts';")).toEqual([
      expect.stringContaining('The core imports no chat platform'),
    ]);
    expect(await refusals('src/core/planted.ts', "import { imported } from '../engine/redis/redis-store.ts';")).toEqual(
      [expect.stringContaining('The core imports no engine implementation')],
    );
    expect(
      await refusals('src/core/dashboard/planted.ts', "import { imported } from '../../../commands/status.ts';"),
    ).toEqual([expect.stringContaining('The core imports no chat command')]);
    expect(await refusals('src/core/planted.ts', "import { imported } from '../../adapters/script/run.ts';")).toEqual([
      expect.stringContaining('The core imports nothing from adapters/'),
    ]);
    expect(await refusals('src/core/planted.ts', "import { imported } from '../../adapters/kit/contract.ts';")).toEqual(
      [expect.stringContaining('The core imports nothing from adapters/')],
    );
    expect(await refusals('src/core/planted.ts', "import { imported } from 'ioredis';")).toEqual([
      expect.stringContaining('The core sees contracts only'),
    ]);
    expect(await refusals('src/core/planted.ts', "import { imported } from '../engine/contract.ts';")).toEqual([]);
  });

  it('keep the core, engines and other adapters out of an adapter: it takes the kit', async () => {
    expect(await refusals('adapters/terraform/planted.ts', "import { imported } from '../script/command.ts';")).toEqual(
      [expect.stringContaining('An adapter imports no other adapter')],
    );
    expect(
      await refusals('adapters/kubernetes/gitops/planted.ts', "import { imported } from '../../ssh/failures.ts';"),
    ).toEqual([expect.stringContaining('An adapter imports no other adapter')]);
    expect(
      await refusals('adapters/lambda/planted.ts', "import { imported } from '../../src/core/intents.ts';"),
    ).toEqual([expect.stringContaining('An adapter imports only the kit')]);
    expect(
      await refusals('adapters/lambda/planted.ts', "import { imported } from '../../src/core/adapter-contract.ts';"),
    ).toEqual([expect.stringContaining('An adapter imports only the kit')]);
    expect(await refusals('adapters/lambda/planted.ts', "import { imported } from '../kit/process.ts';")).toEqual([]);
    expect(
      await refusals('adapters/kubernetes/gitops/planted.ts', "import { imported } from '../cluster/failures.ts';"),
    ).toEqual([]);
  });

  it('let the kit take from src/ only what it hands adapters: the contract, the step errors and durations', async () => {
    expect(
      await refusals('adapters/kit/planted.ts', "import { imported } from '../../src/core/adapter-contract.ts';"),
    ).toEqual([]);
    expect(
      await refusals('adapters/kit/planted.ts', "import { imported } from '../../src/core/step-errors.ts';"),
    ).toEqual([]);
    expect(await refusals('adapters/kit/planted.ts', "import { imported } from '../../src/durations.ts';")).toEqual([]);
    expect(await refusals('adapters/kit/planted.ts', "import { imported } from '../../src/core/intents.ts';")).toEqual([
      expect.stringContaining('The kit imports from src/ only'),
    ]);
    expect(await refusals('adapters/kit/planted.ts', "import { imported } from '../script/command.ts';")).toEqual([
      expect.stringContaining('An adapter imports no other adapter'),
    ]);
  });

  it('keep engines, commands, adapters and other platforms out of a chat platform', async () => {
    expect(
      await refusals('src/chat/slack/planted.ts', "import { imported } from '../../engine/redis/redis-store.ts';"),
    ).toEqual([expect.stringContaining('A chat platform imports no engine, command or adapter')]);
    expect(
      await refusals('src/chat/discord/planted.ts', "import { imported } from '../slack/slack-errors.ts';"),
    ).toEqual([expect.stringContaining('A chat platform imports no other platform')]);
    expect(await refusals('src/chat/console/planted.ts', "import { imported } from '../../core/intents.ts';")).toEqual([
      expect.stringContaining('A chat platform takes from the core only'),
    ]);
    expect(await refusals('src/chat/slack/planted.ts', "import { imported } from '../contract.ts';")).toEqual([]);
    expect(await refusals('src/chat/slack/planted.ts', "import { imported } from '../../core/model.ts';")).toEqual([]);
  });
});
