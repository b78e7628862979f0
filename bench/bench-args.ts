/**
 * The benchmarks' and profiling scripts' command-line values: `--name value` pairs read from
 * process.argv (the first occurrence), with the message every script gives for a bad number.
 */

/** The value after `flag` (e.g. '--clips') on the command line, or `fallback` when the flag or its value is absent. */
export function argValue(flag: string, fallback: string, argv: readonly string[] = process.argv): string {
  const i = argv.indexOf(flag);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

/**
 * An integer option in [min, max], or `fallback` when `flag` is absent.
 * @throws Error `<flag>: expected an integer in [min, max], received <value>`.
 */
export function intArg(flag: string, fallback: number, min: number, max: number, argv: readonly string[] = process.argv): number {
  const i = argv.indexOf(flag);
  if (i === -1) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${flag}: expected an integer in [${min}, ${max}], received ${String(argv[i + 1])}`);
  return v;
}

/**
 * A number >= 0, or `fallback` when `flag` is absent.
 * @throws Error `<flag>: expected a number >= 0, received <value>`.
 */
export function nonNegativeArg(flag: string, fallback: number, argv: readonly string[] = process.argv): number {
  const v = Number(argValue(flag, String(fallback), argv));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${flag}: expected a number >= 0, received ${argValue(flag, '', argv)}`);
  return v;
}
