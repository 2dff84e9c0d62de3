// Value types shared by the entity model and the message codecs (PROTOCOL §7–§8).

/** `home_prefix` type codes: float, integer, string/enumeration, boolean, `{r,g,b}` object. */
export type ValueType = "f" | "i" | "s" | "b" | "rgb";

export interface EntityDescriptor { name: string; unit: string; type: ValueType }

export interface Rgb { r: number; g: number; b: number }

export type EntityValue = number | string | boolean | Rgb;

export type CommandType = "set" | "query" | "color" | "brightness" | "color_temp" | "control";

export interface Command { type: CommandType; value: unknown; timestamp: number | undefined }

export type ErrorReason = "malformed_json" | "invalid_value" | "unsupported_command" | "payload_too_large" | "busy" | "hardware_fault";

export const VALUE_TYPES: readonly ValueType[] = Object.freeze(["f", "i", "s", "b", "rgb"]);

export const COMMAND_TYPES: readonly CommandType[] = Object.freeze(["set", "query", "color", "brightness", "color_temp", "control"]);
