// How a skipped test carries its reason to the reporters: Jest's results have no field for it, so
// the reason is appended to the skipped test's title (visible in `--verbose`) and parsed back by
// the summary reporter, which lists every reason at the end of the run like `check`'s "Not run:".
import { NotRunError } from '../iotests/requirements';

const OPEN = ' [not run: ';
const CLOSE = ']';

/** The title of a test skipped for `reason`. */
export function titleWithReason(title: string, reason: string): string {
  if (title.endsWith(CLOSE) && title.includes(OPEN)) return title; // already marked
  return `${title}${OPEN}${oneLine(reason)}${CLOSE}`;
}

/** The reason a skipped test's title carries, if any. */
export function reasonFromTitle(title: string): string | undefined {
  if (!title.endsWith(CLOSE)) return undefined;
  const at = title.lastIndexOf(OPEN);
  return at === -1 ? undefined : title.slice(at + OPEN.length, -CLOSE.length);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Whether an error thrown by a test means "not run" (iotests.requires/notrun), from any module copy. */
export function isNotRun(error: unknown): error is NotRunError {
  return error instanceof NotRunError;
}
