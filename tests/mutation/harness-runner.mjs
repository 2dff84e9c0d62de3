// A StrykerJS test runner for the core tests' own harness (tests/harness.ts), in process:
// the test files are imported once (through tsx) and every mutant re-runs only the tests that
// cover it, switching the mutant through Stryker's global namespace. One process per file and
// mutant (the tap runner) costs a Node start-up per run: hours for src/core on two shared cores.
// Static mutants (run while modules load) get a fresh process from Stryker, since an imported
// ES module cannot be unloaded (reloadEnvironment: false); they are activated before loading.
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { INSTRUMENTER_CONSTANTS } from "@stryker-mutator/api/core";
import { PluginKind, commonTokens, declareClassPlugin, tokens } from "@stryker-mutator/api/plugin";
import { DryRunStatus, TestStatus, determineHitLimitReached, toMutantRunResult } from "@stryker-mutator/api/test-runner";

const TEST_DIR = "tests/core";

function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (p.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

class HarnessTestRunner {
  static inject = tokens(commonTokens.logger);
  #log;
  #namespace;
  /** @type {{ id: string, name: string, fileName: string, fn: () => unknown }[] | undefined} */
  #tests;
  #stray = null; // an exception thrown outside a test's own promise chain (timer callback, rejection)

  constructor(log) {
    this.#log = log;
    this.#namespace = INSTRUMENTER_CONSTANTS.NAMESPACE;
  }

  capabilities() {
    return { reloadEnvironment: false };
  }

  get #ns() {
    return (globalThis[this.#namespace] ??= {});
  }

  async #load() {
    if (this.#tests) return;
    const onStray = (e) => { this.#stray ??= e; };
    process.on("uncaughtException", onStray);
    process.on("unhandledRejection", onStray);
    const { register } = await import("tsx/esm/api");
    register();
    const root = process.cwd();
    const harness = await import(pathToFileURL(resolve(root, "tests/harness.ts")).href);
    const tests = [];
    for (const file of testFiles(resolve(root, TEST_DIR))) {
      const before = harness.registered().length;
      await import(pathToFileURL(file).href);
      const fileName = relative(root, file);
      for (const t of harness.registered().slice(before)) tests.push({ id: `${fileName} › ${t.name}`, name: t.name, fileName, fn: t.fn });
    }
    this.#tests = tests;
    this.#log.debug(`${tests.length} core tests loaded`);
  }

  async #runTests(filter, bail) {
    const ns = this.#ns;
    const wanted = filter ? new Set(filter) : null;
    const results = [];
    for (const t of this.#tests) {
      if (wanted && !wanted.has(t.id)) continue;
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
      await this.#load();
      const ns = this.#ns;
      ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
      if (options.coverageAnalysis === "perTest") ns[INSTRUMENTER_CONSTANTS.MUTATION_COVERAGE_OBJECT] ??= { static: {}, perTest: {} };
      const tests = await this.#runTests(null, false);
      const mutantCoverage = options.coverageAnalysis === "off" ? undefined : ns[INSTRUMENTER_CONSTANTS.MUTATION_COVERAGE_OBJECT];
      return { status: DryRunStatus.Complete, tests, mutantCoverage };
    } catch (e) {
      return { status: DryRunStatus.Error, errorMessage: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
  }

  async mutantRun(options) {
    const ns = this.#ns;
    const id = String(options.activeMutant.id);
    if (options.mutantActivation === "static") ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = id;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = options.hitLimit;
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = options.hitLimit === undefined ? undefined : 0;
    try {
      await this.#load();
    } catch (e) {
      // a static mutant that breaks a module while it loads fails every test
      ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
      return toMutantRunResult({ status: DryRunStatus.Complete, tests: [{ id: "load", name: "load the core tests", timeSpentMs: 0, status: TestStatus.Failed, failureMessage: String(e) }] });
    }
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = id;
    const tests = await this.#runTests(options.testFilter, !options.disableBail);
    ns[INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT] = undefined;
    const hit = determineHitLimitReached(ns[INSTRUMENTER_CONSTANTS.HIT_COUNT], ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT]);
    ns[INSTRUMENTER_CONSTANTS.HIT_COUNT] = undefined;
    ns[INSTRUMENTER_CONSTANTS.HIT_LIMIT] = undefined;
    return toMutantRunResult(hit ?? { status: DryRunStatus.Complete, tests });
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, "core-harness", HarnessTestRunner)];
