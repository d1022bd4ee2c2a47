/**
 * vsctl's errors carry the exit status INTERFACES.md promises (1 user error, 2 unreachable),
 * like cli-kit's, without loading cli-kit (and oclif) on every short-lived invocation.
 */
export class UserError extends Error {
  readonly exitCode = 1;
}

export class UnreachableError extends Error {
  readonly exitCode = 2;
}
