/**
 * The `$BATON_OUTPUT` file format, the same as GitHub Actions' `$GITHUB_OUTPUT`:
 *
 *     name=value
 *     name<<DELIMITER
 *     a value
 *     over several lines
 *     DELIMITER
 *
 * so scripts written for one work with the other.
 */
import type { Outputs } from '../kit/contract.ts';

/** The names `${component.outputs.name}` placeholders can refer to. */
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export class OutputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputFileError';
  }
}

function checkName(name: string, lineNumber: number): string {
  if (!OUTPUT_NAME.test(name)) {
    throw new OutputFileError(
      `line ${lineNumber}: "${name}" is not a valid output name: use letters, digits, _ and -, starting with a letter or _`,
    );
  }
  return name;
}

/** Later lines win when a name is written twice, as in GitHub Actions. */
export function parseOutputFile(text: string): Outputs {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const outputs: Outputs = {};
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const lineNumber = index + 1;
    index += 1;
    if (line === '') continue;

    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc >= 0 && (equals < 0 || heredoc < equals)) {
      const name = checkName(line.slice(0, heredoc), lineNumber);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === '') {
        throw new OutputFileError(`line ${lineNumber}: "${name}<<" needs a delimiter after <<, e.g. ${name}<<EOF`);
      }
      const end = lines.indexOf(delimiter, index);
      if (end < 0) {
        throw new OutputFileError(
          `line ${lineNumber}: the value of "${name}" is never closed: write a line with just ${delimiter} after it`,
        );
      }
      outputs[name] = lines.slice(index, end).join('\n');
      index = end + 1;
    } else if (equals >= 0) {
      outputs[checkName(line.slice(0, equals), lineNumber)] = line.slice(equals + 1);
    } else {
      throw new OutputFileError(
        `line ${lineNumber}: expected name=value or name<<DELIMITER, got "${line.slice(0, 80)}"`,
      );
    }
  }
  return outputs;
}
