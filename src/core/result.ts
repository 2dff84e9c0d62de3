export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function fail<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
