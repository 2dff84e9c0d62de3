// A StrykerJS test runner for the core tests' own harness (tests/harness.ts), in process:
// the test files are one esbuild bundle, compiled once per process, and every mutant runs only the
// tests that cover it, switching the mutant through Stryker's global namespace. One process per file
// and mutant (the tap runner, tried first) costs a Node start-up and a TypeScript compile per run:
// hours for src/core on two shared cores.
// Every mutant runs in a fresh evaluation of the bundle (new module instances, a few ms): state a
// module fills on first use (the CRC table, RegExps made lazily) is built while the mutant is
// active, as in a process of its own, and no mutant leaves such state behind for the next one.
// Static mutants (run while modules load) are active during that evaluation as well.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Script } from "node:vm";
import { setImmediate } from "node:timers";
import { dirname, join, relative, resolve } from "node:path";
import { INSTRUMENTER_CONSTANTS } from "@stryker-mutator/api/core";
import { PluginKind, commonTokens, declareClassPlugin, tokens } from "@stryker-mutator/api/plugin";
import { DryRunStatus, TestStatus, determineHitLimitReached, toMutantRunResult } from "@stryker-mutator/api/test-runner";

const TEST_DIR = "tests/core";
// The fast-check files (10^4 cases per kind) would run in full for every mutant they cover, and their
// invariants (no throw, no state change on refused input) are not what pins behaviour: left out
// unless MUTATION_FUZZ=1, so the score is that of the example-based tests.
const SKIP = process.env.MUTATION_FUZZ === "1" ? null : /(^|\/)fuzz-[^/]*\.test\.ts$/;
// Sweep tests (every write index, every malformed payload, a 2,000-unit fleet) take seconds each
// under instrumentation and cover most of the reducer, so every surviving reducer mutant would pay
// for all of them: tests slower than this in the initial run are left out of the mutant runs
// (which can only lower the score). MUTATION_TEST_BUDGET_MS=0 keeps every test.
const BUDGET_MS = Number(process.env.MUTATION_TEST_BUDGET_MS ?? 1000);
const SLOW_FILE = "build/mutation/slow-tests.json";

function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (p.endsWith(".test.ts") && !SKIP?.test(p)) out.push(p);
  }
  return out;
}

/**
 * One CommonJS bundle of every test file and the (instrumented) sources, built once per sandbox:
 * Stryker switches mutants at run time, so all runs share it, and a fresh runner process (after a
 * timeout or for a static mutant) loads one file instead of compiling TypeScript again.
 * Files are require()d in order, so each one's tests are the slice it added to the harness.
 */
async function bundle(root) {
  const out = resolve(root, "build/mutation/core-tests.cjs");
  if (existsSync(out)) return out;
  const { build } = await import("esbuild");
  const files = testFiles(resolve(root, TEST_DIR)).map((f) => relative(root, f));
  const lines = ['const { registered } = require("./tests/harness.ts");', "const files = [];"];
  for (const f of files) lines.push(`require(${JSON.stringify(`./${f}`)}); files.push([${JSON.stringify(f)}, registered().length]);`);
  lines.push("module.exports = { files, registered };");
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await build({
    stdin: { contents: lines.join("\n"), resolveDir: root, sourcefile: "mutation-entry.ts", loader: "ts" },
    bundle: true, format: "cjs", platform: "node", target: "es2022", outfile: tmp, logLevel: "warning",
  });
  renameSync(tmp, out); // two runners may build at once: each renames a whole file
  return out;
}

/** The bundle compiled once per process; each call of `evaluate` makes new module instances. */
class Bundle {
  #script;
  #require;
  #file;

  constructor(file) {
    this.#file = file;
    this.#require = createRequire(file);
    const source = readFileSync(file, "utf8");
    this.#script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file });
  }

  /** The tests of a new evaluation, each named by its file. */
  evaluate() {
    const module = { exports: {} };
    this.#script.runInThisContext()(module.exports, this.#require, module, this.#file, dirname(this.#file));
    const { files, registered } = module.exports;
    const all = registered();
    const tests = [];
    let from = 0;
    for (const [fileName, to] of files) {
      for (const t of all.slice(from, to)) tests.push({ id: `${fileName} › ${t.name}`, name: t.name, fileName, fn: t.fn });
      from = to;
    }
    return tests;
  }
}

class HarnessTestRunner {
  static inject = tokens(commonTokens.logger);
  #log;
  #namespace;
  /** @type {Bundle | undefined} */
  #bundle;
  #stray = null; // an exception thrown outside a test's own promise chain (timer callback, rejection)
  /** Tests over BUDGET_MS in the initial run, by id: not run per mutant. */
  #slow = new Set();
  #slowRead = false;

  constructor(log) {
    this.#log = log;
    this.#namespace = INSTRUMENTER_CONSTANTS.NAMESPACE;
  }

  capabilities() {
    return { reloadEnvironment: true };
  }

  get #ns() {
    return (globalThis[this.#namespace] ??= {});
  }

  /** A new evaluation of the bundle (built and compiled on first use). */
  async #fresh() {
    if (!this.#bundle) {
      const onStray = (e) => { this.#stray ??= e; };
      process.on("uncaughtException", onStray);
      process.on("unhandledRejection", onStray);
      this.#bundle = new Bundle(await bundle(process.cwd()));
    }
    return this.#bundle.evaluate();
  }

  /** Runs `tests` in order; returns one result per test run (up to the first failure when `bail`). */
  async #runTests(tests, bail) {
    const ns = this.#ns;
    const results = [];
    for (const t of tests) {
      ns[INSTRUMENTER_CONSTANTS.CURRENT_TEST_ID] = t.id;
      this.#stray = null;
      const t0 = performance.now();
      let error = null;
      try {
        await t.fn();
        // let callbacks the test scheduled, but did not await, throw into this test
        await new Promise((r) => setImmediate(r));
      } catch (e) {
        error = e;
      }
      error ??= this.#stray;
      const timeSpentMs = performance.now() - t0;
      const base = { id: t.id, name: t.id, fileName: t.fileName, timeSpentMs };
      if (error) {
        results.push({ ...base, status: TestStatus.Failed, failureMessage: `${error?.name ?? "Error"}: ${error?.message ?? String(error)}` });
        if (bail) break;
      } else results.push({ ...base, status: TestStatus.Success });
    }
    ns[INSTRUMENTER_CONSTANTS.CURRENT_TEST_ID] = undefined;
    return results;
  }

  async dryRun(options) {
    try {
      const ns = this.#ns;
      ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
      const perTest = options.coverageAnalysis === "perTest";
      if (perTest) ns[INSTRUMENTER_CONSTANTS.MUTATION_COVERAGE_OBJECT] ??= { static: {}, perTest: {} };
      const all = await this.#fresh();
      this.#log.debug(`${all.length} core tests loaded`);
      const tests = await this.#runTests(all, false);
      if (BUDGET_MS > 0) for (const t of tests) if (t.timeSpentMs > BUDGET_MS) this.#slow.add(t.id);
      // other runner processes (and restarted ones) read the list from the sandbox
      writeFileSync(resolve(process.cwd(), SLOW_FILE), JSON.stringify([...this.#slow]));
      if (this.#slow.size) this.#log.info(`${this.#slow.size} tests over ${BUDGET_MS} ms are left out of mutant runs: ${[...this.#slow].join("; ")}`);
      // Above, code a module runs once and caches (a table made on first call) counted only for
      // the first test to call it. A mutant there acts in every later test of its run (each mutant
      // gets fresh modules), so each test runs once more on its own fresh modules to record all it
      // reaches. Its result is that of the run above; one that fails only on its own is reported.
      if (perTest) {
        const alone = [];
        for (const t of all) {
          if (this.#slow.has(t.id)) continue;
          const [r] = await this.#runTests((await this.#fresh()).filter((x) => x.id === t.id), false);
          if (r?.status === TestStatus.Failed && tests.find((x) => x.id === t.id)?.status === TestStatus.Success) alone.push(`${t.id} (${r.failureMessage})`);
        }
        if (alone.length) this.#log.warn(`${alone.length} tests fail when run on their own (a mutant run may count them as killing): ${alone.join("; ")}`);
      }
      const mutantCoverage = options.coverageAnalysis === "off" ? undefined : ns[INSTRUMENTER_CONSTANTS.MUTATION_COVERAGE_OBJECT];
      return { status: DryRunStatus.Complete, tests, mutantCoverage };
    } catch (e) {
      return { status: DryRunStatus.Error, errorMessage: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
  }

  async mutantRun(options) {
    if (!this.#slowRead) {
      this.#slowRead = true;
      try {
        for (const id of JSON.parse(readFileSync(resolve(process.cwd(), SLOW_FILE), "utf8"))) this.#slow.add(id);
      } catch {
        // no initial run recorded: every covering test runs
      }
    }
    const ns = this.#ns;
    const id = String(options.activeMutant.id);
    // a static mutant acts while the modules load; any other from the first test on
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = options.mutantActivation === "static" ? id : undefined;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = options.hitLimit;
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = options.hitLimit === undefined ? undefined : 0;
    let all;
    try {
      all = await this.#fresh();
    } catch (e) {
      // a mutant that breaks a module while it loads fails every test
      ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
      return toMutantRunResult({ status: DryRunStatus.Complete, tests: [{ id: "load", name: "load the core tests", timeSpentMs: 0, status: TestStatus.Failed, failureMessage: String(e) }] });
    }
    const wanted = options.testFilter ? new Set(options.testFilter) : null;
    const tests = wanted ? all.filter((t) => wanted.has(t.id) && !this.#slow.has(t.id)) : all;
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = id;
    const results = await this.#runTests(tests, !options.disableBail);
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
    const hit = determineHitLimitReached(ns[INSTRUMENTER_CONSTANTS.HIT_COUNT], ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT]);
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = undefined;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = undefined;
    return toMutantRunResult(hit ?? { status: DryRunStatus.Complete, tests: results });
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, "core-harness", HarnessTestRunner)];
