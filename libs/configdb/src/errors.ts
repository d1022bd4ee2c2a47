/** An RFC 7047 error object: `{"error": <error>, "details": <details>}`. */
export class OvsdbError extends Error {
  constructor(
    readonly error: string,
    readonly details?: string,
    readonly syntax?: string,
  ) {
    super(details ? `${error}: ${details}` : error);
  }

  toJson(): Record<string, string> {
    const o: Record<string, string> = { error: this.error };
    if (this.details !== undefined) o.details = this.details;
    if (this.syntax !== undefined) o.syntax = this.syntax;
    return o;
  }
}

export function syntaxError(json: unknown, details: string, tag = 'syntax error'): OvsdbError {
  let text: string | undefined;
  try {
    text = JSON.stringify(json);
  } catch {
    text = undefined;
  }
  return new OvsdbError(tag, details, text);
}
