// The --report flag of the example scripts, defined once: `--report run.html` writes tunenet's
// HTML report of the run there (writeReport: learning curves, diagnosis, confusion matrix or
// predicted-vs-true; for a search, the dev metric against each hyperparameter).
import { writeReport } from 'tunenet';

/** The flag's default: no report. Not a value a user can give, since paths must end in .html. */
export const NO_REPORT = 'none';

/** A path ending in .html (or .htm), as given. */
const htmlPath = Object.freeze({
  kind: 'value',
  metavar: 'PATH',
  expected: 'a file path ending in .html',
  read: (raw) => (/\.html?$/i.test(raw) && raw.trim() === raw ? raw : undefined),
});

/** The flag's row in a parseFlags table: `report: REPORT_FLAG`. */
export const REPORT_FLAG = Object.freeze({
  type: htmlPath,
  default: NO_REPORT,
  description: 'write an HTML report of the run to this file (self-contained: open it in any browser)',
});

/** Writes the report when the flag was given, and says where. */
export async function writeRunReport(path, result, options) {
  if (path === NO_REPORT) return;
  await writeReport(result, path, options);
  console.log(`report: ${path}`);
}
