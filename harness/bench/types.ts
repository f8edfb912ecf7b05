// The seam of `npm run bench -- <name>`: each harness/bench/<name>.ts exports one of these.
export interface Bench {
  /** One line for the bench list. */
  description: string;
  /** Its flags in one usage line (`npm run bench -- <name> --help` prints it). */
  usage: string;
  /** Runs the benchmark, prints its figures, returns the exit code. Prints; never asserts timings. */
  run(args: string[], print: (line: string) => void): Promise<number>;
}
