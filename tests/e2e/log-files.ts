// Every log the e2e and fault tests write goes to a file under build/test-logs (or
// $MQTT2GO_TEST_LOGS), beside a `.secrets` file listing the secrets that run handled, so that
// scripts/scan-logs.ts can prove none of them reached a log.
import { appendFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const TEST_LOG_DIR = resolve(process.env.MQTT2GO_TEST_LOGS ?? join(import.meta.dirname, "..", "..", "build", "test-logs"));

let seq = 0;

export interface TestLog {
  readonly path: string;
  line(text: string): void;
  /** A secret this run handled (never written to the log itself). */
  secret(value: string | undefined): void;
}

export function openTestLog(name: string): TestLog {
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  const base = join(TEST_LOG_DIR, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${process.pid}-${++seq}`);
  const seen = new Set<string>();
  return {
    path: `${base}.log`,
    line: (text) => appendFileSync(`${base}.log`, text + "\n"),
    secret: (value) => {
      if (!value || seen.has(value)) return;
      seen.add(value);
      appendFileSync(`${base}.secrets`, JSON.stringify(value) + "\n", { mode: 0o600 });
    },
  };
}
