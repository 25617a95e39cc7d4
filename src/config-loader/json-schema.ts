import { z } from 'zod';
import { pipelineSchema } from './schema.ts';

/** The config's JSON Schema for editors; draft-07 is what YAML language servers read best. */
export function pipelineJsonSchema(): object {
  return z.toJSONSchema(pipelineSchema, { io: 'input', target: 'draft-7' });
}
