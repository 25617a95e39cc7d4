/**
 * SSH runs a command *string* through the login shell of the remote user, so
 * an argv list has to be turned into shell words that the shell turns back
 * into exactly the same list. Every word is single-quoted: inside single
 * quotes a POSIX shell (sh, dash, bash, ksh, zsh) interprets nothing, and a
 * quote itself is written as `'\''` (close, escaped quote, reopen).
 */

export function quoteForShell(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface RemoteCommandLine {
  line: string;
  /**
   * The prologue prints this word and the shell's process id on stderr
   * before anything else of ours runs; that id is the process group of
   * everything the command starts, which is what an abort has to stop.
   */
  marker: string;
}

/**
 * `printf … "$$" >&2; export NAME='value' …; exec 'program' 'arg' …`
 * sshd starts the shell in a new session, so `$$` is the session's process
 * group; `exec` keeps that process id for the program and makes the exit
 * status the program's own.
 */
export function remoteCommandLine(
  argv: readonly string[],
  environment: Readonly<Record<string, string>>,
  marker: string,
): RemoteCommandLine {
  const assignments = Object.entries(environment).map(([name, value]) => `${name}=${quoteForShell(value)}`);
  const parts = [
    `printf '%s %s\\n' ${quoteForShell(marker)} "$$" >&2`,
    ...(assignments.length > 0 ? [`export ${assignments.join(' ')}`] : []),
    `exec ${argv.map(quoteForShell).join(' ')}`,
  ];
  return { line: parts.join('; '), marker };
}

/** The command kills a process group: `kill -s TERM -- -1234`. */
export function killGroupCommandLine(processGroup: number, signal: 'TERM' | 'KILL'): string {
  return `kill -s ${signal} -- -${processGroup}`;
}
