// A tiny test harness that runs the same bundle on Node and on xsnap (XS).
// xsnap has print() and no console; Node has console and no print().
// A failed run must exit nonzero on both: Node via process.exitCode, xsnap via an
// exception thrown from setImmediate (its only path to a nonzero exit from async code).

type TestFn = () => void | Promise<void>;
export interface TestCase { name: string; fn: TestFn }

const tests: TestCase[] = [];

declare const setImmediate: (fn: () => void) => void;

export function say(line: string): void {
  const g = globalThis as { print?: (s: string) => void; console?: { log(s: string): void } };
  if (typeof g.print === "function") g.print(line);
  else g.console?.log(line);
}

export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

/** The tests registered so far, in order (tests/mutation/harness-runner.mjs runs them one by one). */
export function registered(): readonly TestCase[] {
  return tests;
}

export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(v: unknown): string {
  try {
    if (v === undefined) return "undefined";
    const json = JSON.stringify(v) as string | undefined;
    return json ?? (typeof v === "function" ? "function" : Object.prototype.toString.call(v));
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message = ""): void {
  if (actual !== expected && !(Number.isNaN(actual) && Number.isNaN(expected)))
    throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
}

function deepEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export function deepEqual(actual: unknown, expected: unknown, message = ""): void {
  if (!deepEq(actual, expected))
    throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
}

export function throws(fn: () => unknown, message = "expected an exception"): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError(message);
}

export async function run(file: string): Promise<{ passed: number; failed: number }> {
  let passed = 0, failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      passed++;
      say(`ok - ${t.name}`);
    } catch (e) {
      failed++;
      const err = e as { name?: string; message?: string; stack?: string };
      say(`not ok - ${t.name}: ${err?.name ?? "Error"}: ${err?.message ?? String(e)}`);
    }
  }
  say(`${file}: ${passed} passed, ${failed} failed`);
  if (failed > 0 || tests.length === 0) {
    const p = (globalThis as { process?: { exitCode?: number } }).process;
    if (p) p.exitCode = 1;
    else setImmediate(() => { throw new Error("tests failed"); });
  }
  return { passed, failed };
}
