/** Thrown when a matcher is called wrongly: a malformed path, a bad argument, the wrong receiver. */
export class MatcherUsageError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherUsageError';
  }
}
