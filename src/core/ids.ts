// Identifier syntax (PROTOCOL §1): every id and entity name is one topic level.

// Made on first use, never at module load: the module is preloaded (run at build time) and XS 17.7
// crashes in RegExp.prototype.exec on a preloaded RegExp after a few GCs (README).
let idRe: RegExp | undefined;

/** The id syntax: 1–64 of A–Z a–z 0–9 _ . - (not global, so `test` keeps no state). */
export function idPattern(): RegExp {
  return (idRe ??= /^[A-Za-z0-9_.-]{1,64}$/);
}

export const ACTIVATION_CODE_MIN_LENGTH = 8;

export function isId(s: unknown): s is string {
  return typeof s === "string" && idPattern().test(s);
}

/** Activation codes double as the guest Wi-Fi WPA2 passphrase, hence the minimum length. */
export function isActivationCode(s: unknown): s is string {
  return isId(s) && s.length >= ACTIVATION_CODE_MIN_LENGTH;
}
