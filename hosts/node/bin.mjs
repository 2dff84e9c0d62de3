#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `mqtt2go-device` works straight from a clone.
import { register } from "tsx/esm/api";
register();
await import("./cli.ts");
