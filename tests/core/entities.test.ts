import { test, assert, equal, deepEqual, throws } from "../harness";
import { EntityModel, normaliseValue, RESERVED_ENTITY_NAMES, type EntityDriver, type EntitySpec } from "../../src/core/entities";
import type { Command, CommandType, EntityValue } from "../../src/core/entity-types";

interface Spy extends EntityDriver {
  state: EntityValue;
  reads: number;
  writes: EntityValue[];
}

/** A driver holding state in memory; `apply` decides what the hardware actually takes. */
function spy(initial: EntityValue, apply: (v: EntityValue) => EntityValue = (v) => v): Spy {
  const d: Spy = {
    state: initial,
    reads: 0,
    writes: [],
    read() {
      d.reads++;
      return d.state;
    },
    write(v) {
      d.writes.push(v);
      d.state = apply(v);
      return d.state;
    },
  };
  return d;
}

function show(v: unknown): string {
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

function cmd(type: CommandType, value?: unknown): Command {
  return { type, value, timestamp: undefined };
}

function switchSpec(driver: EntityDriver): EntitySpec {
  return { descriptor: { name: "switch", unit: "", type: "s" }, commands: ["set", "query"], options: ["on", "off"], driver };
}

function levelSpec(driver: EntityDriver, type: "f" | "i" = "f"): EntitySpec {
  return { descriptor: { name: "level", unit: "%", type }, commands: ["set", "query"], range: { min: 0, max: 100 }, driver };
}

function colorSpec(driver: EntityDriver): EntitySpec {
  return { descriptor: { name: "color", unit: "rgb", type: "rgb" }, commands: ["color", "query"], driver };
}

function flagSpec(driver: EntityDriver): EntitySpec {
  return { descriptor: { name: "flag", unit: "", type: "b" }, commands: ["set", "query"], driver };
}

function sensorSpec(driver: EntityDriver, name = "temperature"): EntitySpec {
  return { descriptor: { name, unit: "C", type: "f" }, commands: ["query"], driver, reportEveryMs: 60_000 };
}

test("descriptors: profile order, {name, unit, type} only, fresh copies", () => {
  const m = new EntityModel([switchSpec(spy("off")), sensorSpec(spy(21)), colorSpec(spy({ r: 0, g: 0, b: 0 }))]);
  const d = m.descriptors();
  deepEqual(d, [
    { name: "switch", unit: "", type: "s" },
    { name: "temperature", unit: "C", type: "f" },
    { name: "color", unit: "rgb", type: "rgb" },
  ]);
  d[0].name = "mutated";
  equal(m.descriptors()[0].name, "switch");
  deepEqual(m.names(), ["switch", "temperature", "color"]);
  assert(m.has("switch") && m.has("temperature") && !m.has("humidity") && !m.has("Switch"));
  equal(m.unit("temperature"), "C");
  equal(m.unit("nope"), undefined);
});

test("constructor rejects duplicate, invalid and reserved names", () => {
  throws(() => new EntityModel([switchSpec(spy("off")), switchSpec(spy("off"))]), "duplicate accepted");
  for (const name of ["", "a/b", "+", "#", "a b", "x".repeat(65), "a\u0000b", "é"]) {
    throws(() => new EntityModel([sensorSpec(spy(1), name)]), `name ${JSON.stringify(name)} accepted`);
  }
  equal(RESERVED_ENTITY_NAMES.length, 3);
  for (const name of ["status", "about", "remove"]) {
    throws(() => new EntityModel([sensorSpec(spy(1), name)]), `reserved ${name} accepted`);
  }
  // the boundaries of the identifier syntax are fine
  const ok = new EntityModel([sensorSpec(spy(1), "x".repeat(64)), sensorSpec(spy(1), "a.b-c_D9")]);
  equal(ok.names().length, 2);
});

test("constructor rejects inconsistent specs", () => {
  const read = { read: () => 1 };
  const bad: EntitySpec[] = [
    { descriptor: { name: "a", unit: "", type: "x" as "f" }, commands: ["query"], driver: read },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: [], driver: read },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["stream" as CommandType], driver: read },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["query", "query"], driver: read },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["set", "query"], driver: read }, // set without write
    { descriptor: { name: "a", unit: "", type: "s" }, commands: ["query"], driver: read, range: { min: 0, max: 1 } },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["query"], driver: read, range: { min: 2, max: 1 } },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["query"], driver: read, range: { min: NaN, max: 1 } },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["query"], driver: read, options: ["on"] },
    { descriptor: { name: "a", unit: "", type: "s" }, commands: ["query"], driver: read, options: [] },
    { descriptor: { name: "a", unit: "", type: "f" }, commands: ["query"], driver: read, reportEveryMs: 0 },
    { descriptor: { name: "a", unit: 5 as unknown as string, type: "f" }, commands: ["query"], driver: read },
  ];
  bad.forEach((spec, i) => throws(() => new EntityModel([spec]), `bad spec #${i} accepted`));
});

test("set confirms the state the driver applied", () => {
  const d = spy("off");
  const m = new EntityModel([switchSpec(d)]);
  deepEqual(m.execute("switch", cmd("set", "on")), { ok: true, applied: "on" });
  deepEqual(d.writes, ["on"]);
  deepEqual(m.execute("switch", cmd("set", "off")), { ok: true, applied: "off" });
  equal(d.state, "off");
});

test("applied differs from the request: a clamping driver and a refusing driver", () => {
  const clamp = spy(10, (v) => Math.min(v as number, 80));
  const m = new EntityModel([levelSpec(clamp)]);
  deepEqual(m.execute("level", cmd("set", 95)), { ok: true, applied: 80 });
  deepEqual(clamp.writes, [95]);
  deepEqual(m.execute("level", cmd("query")), { ok: true, applied: 80 });

  const stuck = spy("off", () => "off"); // relay welded open
  const s = new EntityModel([switchSpec(stuck)]);
  deepEqual(s.execute("switch", cmd("set", "on")), { ok: true, applied: "off" });
});

test("duplicate set re-confirms the same state", () => {
  const d = spy("off");
  const m = new EntityModel([switchSpec(d)]);
  const first = m.execute("switch", cmd("set", "on"));
  const second = m.execute("switch", cmd("set", "on"));
  deepEqual(first, { ok: true, applied: "on" });
  deepEqual(second, first);
  equal(d.state, "on");
});

test("query returns the current value and writes nothing", () => {
  const d = spy("on");
  const t = spy(21.5);
  const m = new EntityModel([switchSpec(d), sensorSpec(t)]);
  deepEqual(m.execute("switch", cmd("query")), { ok: true, applied: "on" });
  deepEqual(m.execute("temperature", cmd("query", "temperature")), { ok: true, applied: 21.5 });
  deepEqual(m.execute("temperature", cmd("query", null)), { ok: true, applied: 21.5 });
  deepEqual(m.execute("temperature", cmd("query", "")), { ok: true, applied: 21.5 });
  t.state = 22;
  deepEqual(m.execute("temperature", cmd("query")), { ok: true, applied: 22 });
  equal(d.writes.length, 0);
});

test("query naming another quantity is invalid_value", () => {
  const t = spy(21.5);
  const m = new EntityModel([sensorSpec(t)]);
  for (const v of ["humidity", 1, true, {}])
    deepEqual(m.execute("temperature", cmd("query", v)), { ok: false, reason: "invalid_value" }, JSON.stringify(v));
  equal(t.reads, 0);
});

test("switch: strict values, driver untouched on rejection", () => {
  const d = spy("off");
  const m = new EntityModel([switchSpec(d)]);
  for (const v of [1, 0, true, false, "ON", "Off", "toggle", "", null, undefined, {}, [], ["on"], NaN])
    deepEqual(m.execute("switch", cmd("set", v)), { ok: false, reason: "invalid_value" }, show(v));
  equal(d.writes.length, 0);
  equal(d.state, "off");
});

test("float entity: finite and within range only", () => {
  const d = spy(50);
  const m = new EntityModel([levelSpec(d)]);
  for (const v of [NaN, Infinity, -Infinity, "50", -1, 100.01, 101, 255, 1e9, -1e-9, null, undefined, true, { value: 5 }])
    deepEqual(m.execute("level", cmd("set", v)), { ok: false, reason: "invalid_value" }, show(v));
  equal(d.writes.length, 0);
  equal(d.state, 50);
  deepEqual(m.execute("level", cmd("set", 0)), { ok: true, applied: 0 });
  deepEqual(m.execute("level", cmd("set", 100)), { ok: true, applied: 100 });
  deepEqual(m.execute("level", cmd("set", 50.5)), { ok: true, applied: 50.5 });
});

test("integer entity: fractions rejected, -0 normalised", () => {
  const d = spy(50);
  const m = new EntityModel([levelSpec(d, "i")]);
  deepEqual(m.execute("level", cmd("set", 50.5)), { ok: false, reason: "invalid_value" });
  equal(d.writes.length, 0);
  const r = m.execute("level", cmd("set", -0));
  assert(r.ok);
  assert(Object.is(d.writes[0], 0), "driver got -0");
  deepEqual(m.execute("level", cmd("set", 7)), { ok: true, applied: 7 });
});

test("rgb entity: integer channels 0–255 only; normalised to a fresh {r,g,b}", () => {
  const d = spy({ r: 0, g: 0, b: 0 });
  const m = new EntityModel([colorSpec(d)]);
  const bad: unknown[] = [
    { r: 300, g: 0, b: 0 }, { r: -1, g: 0, b: 0 }, { r: 1.5, g: 0, b: 0 }, { r: "1", g: 0, b: 0 },
    { r: 1, b: 0 }, { r: NaN, g: 0, b: 0 }, "red", [1, 2, 3], null, undefined, 0xff00ff,
  ];
  for (const v of bad) deepEqual(m.execute("color", cmd("color", v)), { ok: false, reason: "invalid_value" }, JSON.stringify(v));
  equal(d.writes.length, 0);
  const request = { r: 125, g: 0, b: 65, w: 3 };
  const r = m.execute("color", cmd("color", request));
  deepEqual(r, { ok: true, applied: { r: 125, g: 0, b: 65 } });
  assert(d.writes[0] !== request, "driver got the caller's object");
  deepEqual(m.execute("color", cmd("color", { r: 255, g: 255, b: 255 })), { ok: true, applied: { r: 255, g: 255, b: 255 } });
});

test("inherited channels do not count", () => {
  const proto = { r: 1, g: 2, b: 3 };
  equal(normaliseValue("rgb", Object.create(proto) as unknown), undefined);
});

test("boolean entity: booleans only", () => {
  const d = spy(false);
  const m = new EntityModel([flagSpec(d)]);
  for (const v of ["true", 1, 0, null, "on"]) deepEqual(m.execute("flag", cmd("set", v)), { ok: false, reason: "invalid_value" }, String(v));
  equal(d.writes.length, 0);
  deepEqual(m.execute("flag", cmd("set", true)), { ok: true, applied: true });
});

test("unsupported_command: unknown entity, type not offered, unknown type", () => {
  const d = spy("off");
  const t = spy(21);
  const m = new EntityModel([switchSpec(d), sensorSpec(t)]);
  deepEqual(m.execute("humidity", cmd("query")), { ok: false, reason: "unsupported_command" });
  deepEqual(m.execute("status", cmd("query")), { ok: false, reason: "unsupported_command" });
  deepEqual(m.execute("temperature", cmd("set", 25)), { ok: false, reason: "unsupported_command" });
  for (const type of ["color", "brightness", "color_temp", "control", "stream", "SET"] as CommandType[])
    deepEqual(m.execute("switch", cmd(type, "on")), { ok: false, reason: "unsupported_command" }, type);
  equal(d.writes.length, 0);
  equal(d.state, "off");
});

test("hardware_fault: write throws, read throws, or the driver returns a bad value", () => {
  const broken: EntityDriver = {
    read: () => { throw new Error("i2c timeout"); },
    write: () => { throw new Error("relay coil open"); },
  };
  const m = new EntityModel([switchSpec(broken), sensorSpec({ read: () => NaN }), sensorSpec({ read: () => "21" }, "humidity")]);
  deepEqual(m.execute("switch", cmd("set", "on")), { ok: false, reason: "hardware_fault" });
  deepEqual(m.execute("switch", cmd("query")), { ok: false, reason: "hardware_fault" });
  deepEqual(m.execute("temperature", cmd("query")), { ok: false, reason: "hardware_fault" });
  deepEqual(m.execute("humidity", cmd("query")), { ok: false, reason: "hardware_fault" });
  deepEqual(m.read("switch"), { ok: false, reason: "hardware_fault" });

  const garbage = new EntityModel([levelSpec(spy(1, () => NaN))]);
  deepEqual(garbage.execute("level", cmd("set", 5)), { ok: false, reason: "hardware_fault" });
});

test("a custom accepts() validates and normalises", () => {
  const d = spy(0);
  const seen: Array<[CommandType, unknown]> = [];
  const m = new EntityModel([{
    descriptor: { name: "brightness", unit: "%", type: "i" },
    commands: ["brightness", "query"],
    accepts(type, value) {
      seen.push([type, value]);
      return typeof value === "number" && value >= 0 && value <= 100 ? Math.round(value) : undefined;
    },
    driver: d,
  }]);
  deepEqual(m.execute("brightness", cmd("brightness", 74.6)), { ok: true, applied: 75 });
  deepEqual(m.execute("brightness", cmd("brightness", 150)), { ok: false, reason: "invalid_value" });
  deepEqual(d.writes, [75]);
  deepEqual(seen, [["brightness", 74.6], ["brightness", 150]]);
});

test("snapshot: every entity with its unit; faulty drivers left out", () => {
  const m = new EntityModel([
    switchSpec(spy("on")),
    sensorSpec(spy(21.5)),
    sensorSpec({ read: () => { throw new Error("gone"); } }, "humidity"),
  ]);
  deepEqual(m.snapshot(), [
    { name: "switch", value: "on", unit: "" },
    { name: "temperature", value: 21.5, unit: "C" },
  ]);
});

test("reportable: only entities with a report period", () => {
  const m = new EntityModel([
    switchSpec(spy("on")),
    sensorSpec(spy(21.5)),
    { ...sensorSpec(spy(40), "humidity"), reportEveryMs: 15_000 },
  ]);
  deepEqual(m.reportable(), ["temperature", "humidity"]);
  equal(m.reportIntervalMs(), 15_000);
  equal(new EntityModel([switchSpec(spy("on"))]).reportIntervalMs(), undefined);
  deepEqual(new EntityModel([switchSpec(spy("on"))]).reportable(), []);
});

test("normaliseValue", () => {
  equal(normaliseValue("f", 1.5), 1.5);
  equal(normaliseValue("f", "1.5"), undefined);
  equal(normaliseValue("i", 2), 2);
  equal(normaliseValue("i", 2.000001), undefined);
  equal(normaliseValue("i", 7, { range: { min: 0, max: 5 } }), undefined);
  equal(normaliseValue("s", "x"), "x");
  equal(normaliseValue("s", "x", { options: ["a", "b"] }), undefined);
  equal(normaliseValue("b", false), false);
  equal(normaliseValue("rgb", { r: 0, g: 0, b: 256 }), undefined);
  equal(normaliseValue("x" as "f", 1), undefined);
});

test("constructor errors name the entity and the fault (a device maker's profile bug)", () => {
  const read = { read: () => 1 };
  const rw = { read: () => 1, write: (v: EntityValue) => v };
  const message = (specs: unknown[]): string => {
    const e = throws(() => new EntityModel(specs as EntitySpec[]));
    return e instanceof Error && e.constructor === Error ? e.message : `not a plain Error: ${String(e)}`;
  };
  const a = (extra: object, type = "f"): unknown => ({ descriptor: { name: "a", unit: "", type }, commands: ["query"], driver: read, ...extra });
  equal(message([{ commands: ["query"], driver: read }]), "entity undefined: invalid name");
  equal(message([a({ descriptor: { name: "a b", unit: "", type: "f" } })]), `entity "a b": invalid name`);
  equal(message([a({ descriptor: { name: "status", unit: "", type: "f" } })]), `entity "status": reserved name`);
  equal(message([a({}), a({})]), `entity "a": duplicate name`);
  equal(message([a({ descriptor: { name: "a", type: "f" } })]), `entity "a": unit must be a string`);
  equal(message([a({ descriptor: { name: "a", unit: "", type: "x" } })]), `entity "a": unknown type x`);
  equal(message([a({ commands: [] })]), `entity "a": no commands`);
  equal(message([a({ commands: "query" })]), `entity "a": no commands`);
  equal(message([a({ commands: ["toggle"], driver: rw })]), `entity "a": unknown command type toggle`);
  equal(message([a({ commands: ["query", "query"] })]), `entity "a": duplicate command type query`);
  equal(message([a({ commands: ["query", "set"] })]), `entity "a": "set" needs a writable driver`);
  equal(message([a({ commands: ["set"], driver: undefined })]), `entity "a": "set" needs a writable driver`);
  equal(message([a({ driver: undefined })]), `entity "a": driver has no read()`);
  equal(message([a({ driver: { write: (v: EntityValue) => v } })]), `entity "a": driver has no read()`);
  equal(message([a({ range: { min: 2, max: 1 } })]), `entity "a": invalid range`);
  equal(message([a({ range: { min: 0, max: 1 } }, "s")]), `entity "a": invalid range`);
  equal(message([a({ options: ["on", 1] }, "s")]), `entity "a": invalid options`);
  equal(message([a({ options: ["on"] })]), `entity "a": invalid options`);
  equal(message([a({ reportEveryMs: -1 })]), `entity "a": invalid reportEveryMs`);
  // the edges that are fine: a one-value range, a one-option list
  const fine = new EntityModel([
    a({ range: { min: 5, max: 5 } }) as EntitySpec,
    { descriptor: { name: "mode", unit: "", type: "s" }, commands: ["query"], driver: { read: () => "eco" }, options: ["eco"] },
  ]);
  deepEqual(fine.execute("mode", cmd("query")), { ok: true, applied: "eco" });
});

test("normaliseValue: strict types, no coercion, inclusive range", () => {
  for (const v of [5, "x", true, null, undefined, {}, ["a"]]) if (typeof v !== "string") equal(normaliseValue("s", v), undefined, show(v));
  for (const v of ["1", true, null, undefined, {}, [1], NaN, Infinity, -Infinity]) {
    equal(normaliseValue("f", v), undefined, show(v));
    equal(normaliseValue("i", v), undefined, show(v));
  }
  equal(normaliseValue("i", 5, { range: { min: 5, max: 5 } }), 5);
  equal(normaliseValue("f", -0), 0);
  equal(Object.is(normaliseValue("f", -0), 0), true, "-0 becomes 0");
  for (const v of ["true", 1, 0, null]) equal(normaliseValue("b", v), undefined, show(v));
  deepEqual(normaliseValue("rgb", { r: 0, g: 128, b: 255, w: 1 }), { r: 0, g: 128, b: 255 });
  for (const v of [{ r: "0", g: 0, b: 0 }, { r: 0.5, g: 0, b: 0 }, { r: -1, g: 0, b: 0 }, { g: 0, b: 0 }, [0, 0, 0], null])
    equal(normaliseValue("rgb", v), undefined, show(v));
});

test("read and statesOf: an unknown entity is unsupported_command and left out of states", () => {
  const m = new EntityModel([switchSpec(spy("on")), sensorSpec(spy(21.5))]);
  deepEqual(m.read("nope"), { ok: false, reason: "unsupported_command" });
  deepEqual(m.statesOf(["nope", "temperature", "switch"]), [
    { name: "temperature", value: 21.5, unit: "C" },
    { name: "switch", value: "on", unit: "" },
  ]);
  deepEqual(m.statesOf([]), []);
});

test("a driver that throws, or loses its write() after start-up, is a hardware fault; the model stays usable", () => {
  const d = spy("off");
  const m = new EntityModel([switchSpec(d)]);
  delete (d as { write?: unknown }).write;
  deepEqual(m.execute("switch", cmd("set", "on")), { ok: false, reason: "hardware_fault" });
  deepEqual(m.execute("switch", cmd("query")), { ok: true, applied: "off" });
});

test("reportIntervalMs: the shortest period in any order", () => {
  const withPeriod = (name: string, ms: number): EntitySpec => ({ ...sensorSpec(spy(1), name), reportEveryMs: ms });
  equal(new EntityModel([withPeriod("a", 15_000), withPeriod("b", 60_000)]).reportIntervalMs(), 15_000);
  equal(new EntityModel([withPeriod("a", 60_000), withPeriod("b", 15_000), switchSpec(spy("on"))]).reportIntervalMs(), 15_000);
  equal(new EntityModel([switchSpec(spy("on")), withPeriod("b", 30_000)]).reportIntervalMs(), 30_000);
  equal(new EntityModel([]).reportIntervalMs(), undefined);
});
