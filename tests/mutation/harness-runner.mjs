// A StrykerJS test runner for the core tests' own harness (tests/harness.ts), in process:
// the test files are one esbuild bundle, compiled once per process, and every mutant runs only the
// tests that cover it, switching the mutant through Stryker's global namespace. One process per file
// and mutant (the tap runner, tried first) costs a Node start-up and a TypeScript compile per run:
// hours for src/core on two shared cores.
// State a module fills on first use (the CRC table, RegExps made lazily) must be built while the
// mutant in it is active, and no mutant may leave such state behind for the next one. The initial
// run finds that code: each test runs once more on a fresh evaluation of the bundle (new module
// instances), and a mutant it reaches only there is a first-use mutant. Those, and static mutants
// (run while modules load), run on a fresh evaluation of their own; every other mutant runs on one
// shared evaluation whose caches every test already filled with unmutated code, and again on a
// fresh one if it survives there (a fresh evaluation runs its tests cold, ~1.5x slower, so it is
// kept to the mutants that need it).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Script } from "node:vm";
import { setImmediate } from "node:timers";
import { dirname, join, relative, resolve } from "node:path";
import { INSTRUMENTER_CONSTANTS } from "@stryker-mutator/api/core";
import { PluginKind, commonTokens, declareClassPlugin, tokens } from "@stryker-mutator/api/plugin";
import { DryRunStatus, MutantRunStatus, TestStatus, determineHitLimitReached, toMutantRunResult } from "@stryker-mutator/api/test-runner";

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
const FIRST_USE_FILE = "build/mutation/first-use-mutants.json";

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
  /** The evaluation every test has run on with no mutant active (its caches filled by unmutated code). */
  #shared;
  #stray = null; // an exception thrown outside a test's own promise chain (timer callback, rejection)
  /** Tests over BUDGET_MS in the initial run, by id: not run per mutant. */
  #slow = new Set();
  /** Mutants reached only on fresh modules (code that fills a cache on first use), by id. */
  #firstUse = new Set();
  #listsRead = false;

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

  #readLists() {
    if (this.#listsRead) return;
    this.#listsRead = true;
    for (const [file, set] of [[SLOW_FILE, this.#slow], [FIRST_USE_FILE, this.#firstUse]]) {
      try {
        for (const id of JSON.parse(readFileSync(resolve(process.cwd(), file), "utf8"))) set.add(id);
      } catch {
        // no initial run recorded in this sandbox yet
      }
    }
  }

  /**
   * A runner process made after the initial run fills its shared evaluation's caches here, with no
   * mutant active (init has no timeout; a mutant run does). The initial run's process makes its own.
   */
  async init() {
    if (!existsSync(resolve(process.cwd(), FIRST_USE_FILE))) return;
    this.#readLists();
    const all = await this.#fresh();
    this.#ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
    await this.#runTests(all.filter((t) => !this.#slow.has(t.id)), false);
    this.#shared = all;
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
      // a new object: the evaluation below records into the one present when it first covers code
      const coverage = { static: {}, perTest: {} };
      if (perTest) ns[INSTRUMENTER_CONSTANTS.MUTATION_COVERAGE_OBJECT] = coverage;
      const all = await this.#fresh();
      this.#log.debug(`${all.length} core tests loaded`);
      const tests = await this.#runTests(all, false);
      this.#shared = all;
      if (BUDGET_MS > 0) for (const t of tests) if (t.timeSpentMs > BUDGET_MS) this.#slow.add(t.id);
      // other runner processes (and restarted ones) read the lists from the sandbox
      writeFileSync(resolve(process.cwd(), SLOW_FILE), JSON.stringify([...this.#slow]));
      if (this.#slow.size) this.#log.info(`${this.#slow.size} tests over ${BUDGET_MS} ms are left out of mutant runs: ${[...this.#slow].join("; ")}`);
      if (perTest) {
        // What each test reaches on shared modules, then on fresh modules of its own (the counts
        // only grow, so a mutant new to a test's map was reached only on fresh modules). Its result
        // is that of the run above; one that fails only on its own is reported.
        const seen = new Map(Object.entries(coverage.perTest).map(([id, hits]) => [id, new Set(Object.keys(hits))]));
        const alone = [];
        for (const t of all) {
          if (this.#slow.has(t.id)) continue;
          const [r] = await this.#runTests((await this.#fresh()).filter((x) => x.id === t.id), false);
          if (r?.status === TestStatus.Failed && tests.find((x) => x.id === t.id)?.status === TestStatus.Success) alone.push(`${t.id} (${r.failureMessage})`);
        }
        if (alone.length) this.#log.warn(`${alone.length} tests fail when run on their own (a mutant run may count them as killing): ${alone.join("; ")}`);
        for (const [id, hits] of Object.entries(coverage.perTest)) {
          const before = seen.get(id);
          for (const m of Object.keys(hits)) if (!before?.has(m)) this.#firstUse.add(m);
        }
        this.#log.info(`${this.#firstUse.size} mutants are in code run on first use only: each runs on fresh modules`);
      }
      writeFileSync(resolve(process.cwd(), FIRST_USE_FILE), JSON.stringify([...this.#firstUse]));
      this.#listsRead = true;
      return { status: DryRunStatus.Complete, tests, mutantCoverage: perTest ? coverage : undefined };
    } catch (e) {
      return { status: DryRunStatus.Error, errorMessage: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
  }

  async mutantRun(options) {
    this.#readLists();
    const ns = this.#ns;
    const id = String(options.activeMutant.id);
    const isStatic = options.mutantActivation === "static";
    // a static mutant acts while the modules load; any other from the first test on
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = isStatic ? id : undefined;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = options.hitLimit;
    const fresh = isStatic || this.#firstUse.has(id) || !this.#shared;
    let result = await this.#runMutant(id, options, fresh);
    // A survivor on the shared modules may sit in code the shared caches make it skip (a `??=` that
    // no longer assigns): it gets fresh modules too before it counts as survived.
    if (!fresh && result.status === MutantRunStatus.Survived) result = await this.#runMutant(id, options, true);
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = undefined;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = undefined;
    return result;
  }

  async #runMutant(id, options, fresh) {
    const ns = this.#ns;
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = options.hitLimit === undefined ? undefined : 0;
    let all = this.#shared;
    if (fresh) {
      try {
        all = await this.#fresh();
      } catch (e) {
        // a mutant that breaks a module while it loads fails every test
        ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
        return toMutantRunResult({ status: DryRunStatus.Complete, tests: [{ id: "load", name: "load the core tests", timeSpentMs: 0, status: TestStatus.Failed, failureMessage: String(e) }] });
      }
    }
    const wanted = options.testFilter ? new Set(options.testFilter) : null;
    const tests = wanted ? all.filter((t) => wanted.has(t.id) && !this.#slow.has(t.id)) : all;
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = id;
    const results = await this.#runTests(tests, !options.disableBail);
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
    const hit = determineHitLimitReached(ns[INSTRUMENTER_CONSTANTS.HIT_COUNT], ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT]);
    return toMutantRunResult(hit ?? { status: DryRunStatus.Complete, tests: results });
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, "core-harness", HarnessTestRunner)];
