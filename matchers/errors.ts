import { IotestsTypeError } from '../src/common/errors';

/** Thrown when a matcher is called wrongly: a malformed path, a bad argument, the wrong receiver. */
export class MatcherUsageError extends IotestsTypeError {}
