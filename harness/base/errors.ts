// Exit codes of every CLI and the error types that map to them: the bottom of the program, so
// planning, scoring and reports can name a usage error without importing the CLI above them.
export const EXIT = { pass: 0, verdictFailed: 1, usage: 2, infrastructure: 3 } as const;

/** Bad flag, bad value, unknown name: the message names it and lists the valid choices. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "unknown scenario 'x'; valid: a, b, c" */
export function unknownChoice(what: string, given: string, valid: readonly string[]): UsageError {
  return new UsageError(`unknown ${what} '${given}'; valid: ${valid.join(', ')}`);
}
