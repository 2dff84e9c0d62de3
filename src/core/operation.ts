// Operation (PROTOCOL §8): one command → exactly one outcome (a confirmation of the applied
// state, or an error), and the state/periodic reports. The runtime encodes and publishes them.
import type { Command, EntityValue, ErrorReason } from "./entity-types";
import type { EntityModel } from "./entities";

export type CommandOutcome =
  | { kind: "confirmation"; entity: string; value: EntityValue }
  | { kind: "error"; entity: string; reason: ErrorReason };

export interface StateReport { entity: string; value: EntityValue; unit: string }

export function executeCommand(model: EntityModel, entity: string, command: Command): CommandOutcome {
  const r = model.execute(entity, command);
  return r.ok ? { kind: "confirmation", entity, value: r.applied } : { kind: "error", entity, reason: r.reason };
}

/** The state of every entity, published retained on every (re)connect. Entities whose driver faults are left out. */
export function stateReports(model: EntityModel): StateReport[] {
  return model.snapshot().map((s) => ({ entity: s.name, value: s.value, unit: s.unit }));
}

/** One periodic report per measured entity. Entities whose driver faults are left out. */
export function periodicReports(model: EntityModel): StateReport[] {
  return model.statesOf(model.reportable()).map((s) => ({ entity: s.name, value: s.value, unit: s.unit }));
}
