// Exit codes of every CLI, and the usage error that maps to 2. CLIs set process.exitCode;
// library code never calls process.exit().
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

/** Run a CLI main: usage errors exit 2 with the message, anything else exits 3 (infrastructure). */
export async function runCli(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.infrastructure;
  }
}
