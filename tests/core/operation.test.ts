import { test, equal, deepEqual } from "../harness";
import { executeCommand, periodicReports, stateReports } from "../../src/core/operation";
import { EntityModel } from "../../src/core/entities";
import { createEntities } from "../../src/core/profiles";
import { simulatedSocket } from "../../src/core/sim-drivers";
import type { Command, CommandType } from "../../src/core/entity-types";

function cmd(type: CommandType, value?: unknown): Command {
  return { type, value, timestamp: 1700000000 };
}

function dimmer(max: number): { model: EntityModel; writes: number[] } {
  let level = 0;
  const writes: number[] = [];
  const model = new EntityModel([{
    descriptor: { name: "brightness", unit: "%", type: "i" },
    commands: ["brightness", "query"],
    range: { min: 0, max: 100 },
    driver: {
      read: () => level,
      write: (v) => { writes.push(v as number); level = Math.min(v as number, max); return level; },
    },
  }]);
  return { model, writes };
}

test("a command yields one confirmation carrying the applied state", () => {
  const { model, writes } = dimmer(60);
  deepEqual(executeCommand(model, "brightness", cmd("brightness", 90)), { kind: "confirmation", entity: "brightness", value: 60 });
  deepEqual(writes, [90]);
  deepEqual(executeCommand(model, "brightness", cmd("query")), { kind: "confirmation", entity: "brightness", value: 60 });
  deepEqual(writes, [90]);
});

test("duplicate command re-confirms", () => {
  const { model } = dimmer(100);
  const a = executeCommand(model, "brightness", cmd("brightness", 30));
  const b = executeCommand(model, "brightness", cmd("brightness", 30));
  deepEqual(a, { kind: "confirmation", entity: "brightness", value: 30 });
  deepEqual(b, a);
});

test("errors carry the entity and the reason; nothing is written", () => {
  const { model, writes } = dimmer(100);
  deepEqual(executeCommand(model, "brightness", cmd("brightness", 150)), { kind: "error", entity: "brightness", reason: "invalid_value" });
  deepEqual(executeCommand(model, "brightness", cmd("brightness", "50")), { kind: "error", entity: "brightness", reason: "invalid_value" });
  deepEqual(executeCommand(model, "brightness", cmd("set", 50)), { kind: "error", entity: "brightness", reason: "unsupported_command" });
  deepEqual(executeCommand(model, "switch", cmd("set", "on")), { kind: "error", entity: "switch", reason: "unsupported_command" });
  equal(writes.length, 0);
});

test("hardware fault becomes an error outcome", () => {
  const model = new EntityModel([{
    descriptor: { name: "switch", unit: "", type: "s" },
    commands: ["set", "query"],
    options: ["on", "off"],
    driver: { read: () => "off", write: () => { throw new Error("brown-out"); } },
  }]);
  deepEqual(executeCommand(model, "switch", cmd("set", "on")), { kind: "error", entity: "switch", reason: "hardware_fault" });
  deepEqual(executeCommand(model, "switch", cmd("query")), { kind: "confirmation", entity: "switch", value: "off" });
});

test("state reports: every entity with its unit; periodic reports: measured ones only", () => {
  let t = 0;
  const model = createEntities("socket", simulatedSocket(() => 0.5, () => t));
  deepEqual(stateReports(model), [
    { entity: "switch", value: "off", unit: "" },
    { entity: "power", value: 0, unit: "W" },
    { entity: "energy", value: 0, unit: "Ws" },
  ]);
  executeCommand(model, "switch", cmd("set", "on"));
  t += 10_000;
  deepEqual(periodicReports(model), [
    { entity: "power", value: 50, unit: "W" },
    { entity: "energy", value: 500, unit: "Ws" },
  ]);
});

test("reports leave out an entity whose sensor faults", () => {
  const model = createEntities("multi_sensor", {
    power: { get: () => true, set: (on) => on },
    thermometer: { celsius: () => { throw new Error("no sensor"); } },
    hygrometer: { percent: () => 45 },
    motion: { present: () => false },
  });
  deepEqual(periodicReports(model), [
    { entity: "humidity", value: 45, unit: "%" },
    { entity: "motion", value: false, unit: "" },
  ]);
  deepEqual(stateReports(model).map((r) => r.entity), ["switch", "humidity", "motion"]);
});
