// npm run test:mutation [-- <stryker options>]: StrykerJS over src/core (stryker.config.json), then
// the score and every survivor, marked where tests/mutation/EQUIVALENT.md explains it.
// Not part of npm test (it is long). Faster on a busy machine: -- --checkers "" --ignoreStatic
// (no TypeScript check per mutant; module-load mutants left out). One file: -- --mutate src/core/mask.ts
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const r = spawnSync(process.execPath, ["node_modules/@stryker-mutator/core/bin/stryker.js", "run", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
process.argv.length = 2; // the Stryker options are not a report file for the summary
await import("./mutation-summary.mjs");
