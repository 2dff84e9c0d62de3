// scripts/test.mjs counts node:test outcomes from the TAP report: a skip or a todo is never a pass,
// and a failing todo (which node:test reports as neither pass nor fail, exiting 0) is shown by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../../hosts/node/identity";
import { e2eCounts } from "../../scripts/tap-counts.mjs";

test("skip and todo are counted and listed, never passed", () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of printing TAP
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", join(ROOT, "tests/e2e/fixtures/skip-todo.mjs")], { encoding: "utf8", env });
  assert.equal(r.status, 1, "the failing test fails the run");
  const c = e2eCounts(r.stdout);
  assert.equal(c.summary, true);
  assert.equal(c.pass, 2, "passes and nested pass (the suite itself is not a test)");
  assert.equal(c.fail, 1);
  assert.deepEqual(c.notRun, [
    "SKIP skipped by option — no broker here",
    "SKIP skipped at run time — needs # a hash",
    "TODO (fails) todo that fails — not built yet",
    "TODO nested todo",
  ]);
});

test("a run that stops before its summary has no counts", () => {
  const c = e2eCounts("TAP version 13\nok 1 - started\n");
  assert.equal(c.summary, false);
  assert.equal(c.pass, 0);
});
