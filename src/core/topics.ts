// The topic tree (PROTOCOL §4–§8). Builders take ids that were validated on receipt.

import { isId } from "./ids";

export interface Prefix { home: string; gateway: string; device: string }

export const activationIn = (ac: string): string => `${ac}/activation/in`;
export const activationOut = (ac: string): string => `${ac}/activation/out`;
export const wifiIn = (ac: string): string => `${ac}/wifi/in`;
export const wifiOut = (ac: string): string => `${ac}/wifi/out`;
export const homeIn = (did: string): string => `${did}/home/in`;
export const homeOut = (did: string): string => `${did}/home/out`;

export const entityIn = (p: Prefix, entity: string): string => `${p.home}/${p.gateway}/${p.device}/${entity}/in`;
export const entityOut = (p: Prefix, entity: string): string => `${p.home}/${p.gateway}/${p.device}/${entity}/out`;
export const statusOut = (p: Prefix): string => entityOut(p, "status");
export const entitySubscription = (p: Prefix): string => `${p.home}/${p.gateway}/${p.device}/+/in`;

/** Controller ↔ gateway topics (spec digest §1.1 steps 1, 13, 14); never read by a device. */
export const controllerAddIn = (home: string, gateway: string): string => `${home}/${gateway}/add_device/in`;
export const controllerAddOut = (home: string, gateway: string): string => `${home}/${gateway}/add_device/out`;

/**
 * The entity of a command topic, only when `topic` is exactly `<H>/<G>/<DID>/<entity>/in`
 * for this prefix: level by level equality, never substring or prefix matching.
 */
export function parseEntityTopic(p: Prefix, topic: string): string | undefined {
  const levels = topic.split("/");
  if (levels.length !== 5) return undefined;
  const [home, gateway, device, entity, direction] = levels;
  if (direction !== "in" || !isId(home) || !isId(gateway) || !isId(device) || !isId(entity)) return undefined;
  if (home !== p.home || gateway !== p.gateway || device !== p.device) return undefined;
  return entity;
}

/** `<H>/<G>/<DID>/`: what every command topic of this prefix starts with (build once, match many). */
export const commandPrefix = (p: Prefix): string => `${p.home}/${p.gateway}/${p.device}/`;

/**
 * parseEntityTopic against a precomputed `commandPrefix`: the same exact answer (the prefix's
 * levels are ids, so a match is level by level), without splitting the topic.
 */
export function entityOfCommand(prefix: string, topic: string): string | undefined {
  if (!topic.startsWith(prefix) || !topic.endsWith("/in")) return undefined;
  const entity = topic.slice(prefix.length, -3);
  return isId(entity) ? entity : undefined;
}
