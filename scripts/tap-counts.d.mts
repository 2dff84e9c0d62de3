export interface E2eCounts {
  /** false when the report has no "# pass"/"# fail" summary (the run stopped early) */
  summary: boolean;
  pass: number;
  /** failed plus cancelled (timed out) tests */
  fail: number;
  /** one line per skipped or todo test: "SKIP name — reason", "TODO name", "TODO (fails) name" */
  notRun: string[];
}
export function e2eCounts(tap: string): E2eCounts;
