// Identifier syntax (PROTOCOL §1): every id and entity name is one topic level.

export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const ACTIVATION_CODE_MIN_LENGTH = 8;

export function isId(s: unknown): s is string {
  return typeof s === "string" && ID_PATTERN.test(s);
}

/** Activation codes double as the guest Wi-Fi WPA2 passphrase, hence the minimum length. */
export function isActivationCode(s: unknown): s is string {
  return isId(s) && s.length >= ACTIVATION_CODE_MIN_LENGTH;
}
