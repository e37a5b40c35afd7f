// How a skipped test carries its reason to the reporters: Jest's results have no field for it, so
// the reason is appended to the skipped test's title (visible in `--verbose`) and parsed back by
// the summary reporter, which lists every reason at the end of the run like `check`'s "Not run:".
import { NotRunError } from '../iotests/requirements';

const OPEN = ' [not run: ';
const CLOSE = ']';

/** The title of a test skipped for `reason`. */
export function titleWithReason(title: string, reason: string): string {
  if (parseNotRunTitle(title) !== undefined) return title; // already marked
  return `${title}${OPEN}${oneLine(reason)}${CLOSE}`;
}

/** A marked title split into the test's own title and the reason, if it is one. */
export function parseNotRunTitle(marked: string): { title: string; reason: string } | undefined {
  if (!marked.endsWith(CLOSE)) return undefined;
  const at = marked.lastIndexOf(OPEN);
  if (at === -1) return undefined;
  return { title: marked.slice(0, at), reason: marked.slice(at + OPEN.length, -CLOSE.length) };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Whether an error thrown by a test means "not run" (iotests.requires/notrun), from any module copy. */
export function isNotRun(error: unknown): error is NotRunError {
  return error instanceof NotRunError;
}
