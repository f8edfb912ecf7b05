// How every CLI ends: usage errors exit 2 with their message, anything else 3. CLIs set
// process.exitCode; library code never calls process.exit().
import { EXIT, UsageError } from '../base/errors.ts';

// The codes and error types live in the base layer; the CLIs take them from here too.
export { EXIT, UsageError, unknownChoice } from '../base/errors.ts';

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
