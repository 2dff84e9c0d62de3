// Counts of a node:test TAP report: passes, failures, and the tests that did not run as tests
// (skip, todo). node:test counts a failing todo in neither "pass" nor "fail" and exits 0 on it:
// here it is listed by name as "TODO (fails)" and counted as skipped, never as passed.

const directive = /^(\s*)(ok|not ok) \d+ - (.*?)(?: # (SKIP|TODO)\b ?(.*))?$/i;

/** @param {string} tap */
export function e2eCounts(tap) {
  const num = (k) => { const m = new RegExp(`^# ${k} (\\d+)$`, "m").exec(tap); return m ? Number(m[1]) : null; };
  const pass = num("pass"), fail = num("fail"), cancelled = num("cancelled");
  const notRun = [];
  for (const line of tap.split("\n")) {
    const m = directive.exec(line);
    if (!m || !m[4]) continue;
    const [, , status, name, kind, reason] = m;
    const what = kind.toUpperCase() === "SKIP" ? "SKIP" : status === "ok" ? "TODO" : "TODO (fails)";
    const plain = (s) => s.replace(/\\#/g, "#");
    notRun.push(`${what} ${plain(name)}${reason ? ` — ${plain(reason)}` : ""}`);
  }
  return {
    summary: pass !== null && fail !== null,
    pass: pass ?? 0,
    fail: (fail ?? 0) + (cancelled ?? 0),
    notRun,
  };
}
