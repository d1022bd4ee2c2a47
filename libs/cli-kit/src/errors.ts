/** Exit statuses every softswitch tool uses (INTERFACES.md, "Output"). */
export const ExitCode = {
  ok: 0,
  userError: 1,
  unreachable: 2,
} as const;

/** A mistake in what the user asked for: printed as one line, exit status 1. */
export class UserError extends Error {
  readonly exitCode = ExitCode.userError;
}

/** The daemon (or database) could not be reached: exit status 2. */
export class UnreachableError extends Error {
  readonly exitCode = ExitCode.unreachable;
}
