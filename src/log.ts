/**
 * The only logger. Lines are constant strings chosen by the code (house rule
 * 4): no time, no request data, no ids, nothing a person typed.
 */

/** Writes one constant line to standard error. */
export function logLine (line: string): void {
  process.stderr.write(`candour: ${line}\n`)
}
