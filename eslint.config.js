import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["build/", "node_modules/", "types/", "**/*.d.ts", ".state/", "certs/", "hosts/esp32/**/*.js", "hosts/qemu/**/*.js", "hosts/sim/**/*.js"]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "scripts/*.mjs", "hosts/node/*.mjs", "bench/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // node:test's describe()/test() return promises the runner itself awaits.
    files: ["tests/e2e/**/*.test.ts", "tests/faults/**/*.test.ts"],
    rules: { "@typescript-eslint/no-floating-promises": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", performance: "readonly" } },
  },
  {
    // The controller page's script runs in the browser.
    files: ["stack/ui/public/**/*.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
);
