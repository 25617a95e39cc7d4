/** The JSON path subset conditions, outputs and `${trigger.body.…}` use. */
import { describe, expect, it } from 'vitest';
import { jsonPathProblem, valueAtJsonPath } from '../../../adapters/http/json-path.ts';

const RUN = {
  status: 'completed',
  'content-type': 'json',
  run: { id: 7, conclusion: 'success', draft: false, note: null },
  jobs: [{ name: 'build' }, { name: 'deploy' }],
};

describe('JSON paths', () => {
  it.each([
    ['$', RUN],
    ['$.status', 'completed'],
    ['$.run.id', 7],
    ['$.run.draft', false],
    ['$.run.note', null],
    ['$.jobs[1].name', 'deploy'],
    ['$.jobs[-1].name', 'deploy'],
    ["$['content-type']", 'json'],
    ['$["run"].conclusion', 'success'],
  ])('%s names one value', (path, value) => {
    expect(valueAtJsonPath(RUN, path)).toEqual({ found: true, value });
  });

  it.each(['$.missing', '$.run.id.deeper', '$.jobs[2]', '$.jobs[-3]', '$.status[0]', '$.jobs.name', '$[0]'])(
    '%s finds nothing',
    (path) => {
      expect(valueAtJsonPath(RUN, path)).toEqual({ found: false });
    },
  );

  it('does not reach into inherited properties', () => {
    expect(valueAtJsonPath({}, '$.constructor')).toEqual({ found: false });
    expect(valueAtJsonPath([1, 2], '$.length')).toEqual({ found: false });
  });

  it.each([
    ['status', 'it must start with $'],
    ['$..status', 'recursive descent (..) is not supported'],
    ['$.jobs[*]', "expected [number] or ['name'] at position 7"],
    ['$.jobs.*', 'wildcards are not supported'],
    ['$.run.', 'expected a member name after the "." at position 6, found the end'],
    ['$status', 'unexpected "s" at position 2'],
  ])('rejects %s, saying why', (path, problem) => {
    expect(jsonPathProblem(path)).toContain(problem);
  });

  it('accepts what it documents', () => {
    for (const path of ['$', '$.status', '$.run.conclusion', '$.jobs[0].name', "$['content-type']", '$.jobs[-1]']) {
      expect(jsonPathProblem(path)).toBeUndefined();
    }
  });
});
