// fast-check arbitraries for inbound payloads: raw text and bytes, any JSON, and valid messages of
// each kind with one or two fields deleted, retyped or wrapped. Counts per engine: the XS build
// runs 10x fewer cases (it is ~5x slower per case and the suite shares 2 cores).
import "../xs-timers";
import fc from "fast-check";
import { type InboundKind, validMessage } from "../malformed-catalog";

export { fc };

const onXs = typeof (globalThis as { print?: unknown }).print === "function";
/** Cases per inbound kind: 10^4 on Node, 10^3 on XS. */
export const RUNS = onXs ? 1_000 : 10_000;
export const ENGINE = onXs ? "xs" : "node";
/** One seed per run of the suite, printed, so a failure can be replayed with `FUZZ_SEED`. */
export const SEED = 20261130;

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, true, false, "", [], {}, "\u0000", "a/b", "#", "+", "x".repeat(300)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
);

type Json = Record<string, unknown>;

/** One mutation of a message object: delete, replace or add a field, at the top or in `value`. */
function mutate(msg: Json): fc.Arbitrary<Json> {
  const keys = Object.keys(msg);
  const inner = msg.value && typeof msg.value === "object" && !Array.isArray(msg.value) ? (msg.value as Json) : undefined;
  const innerKeys = inner ? Object.keys(inner) : [];
  const options: fc.Arbitrary<Json>[] = [
    fc.constantFrom(...keys).map((k) => { const { [k]: _g, ...rest } = msg; return rest; }),
    fc.tuple(fc.constantFrom(...keys), wrongValue).map(([k, v]) => ({ ...msg, [k]: v })),
    fc.tuple(fc.string({ maxLength: 12 }), wrongValue).map(([k, v]) => ({ ...msg, [k]: v })),
  ];
  if (inner && innerKeys.length) {
    options.push(
      fc.constantFrom(...innerKeys).map((k) => { const { [k]: _g, ...rest } = inner; return { ...msg, value: rest }; }),
      fc.tuple(fc.constantFrom(...innerKeys), wrongValue).map(([k, v]) => ({ ...msg, value: { ...inner, [k]: v } })),
    );
  }
  return fc.oneof(...options);
}

/** Text of a mutated valid message: 1–2 mutations, sometimes cut, sometimes with a char inserted. */
export function mutatedText(kind: InboundKind, did: string): fc.Arbitrary<string> {
  const base = validMessage(kind, did);
  const once = mutate(base);
  const twice = once.chain((m) => mutate(m));
  return fc.tuple(fc.oneof(once, twice), fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: "binary", minLength: 1, maxLength: 2 })).map(([m, at, edit, ch]) => {
    const text = JSON.stringify(m);
    const i = at % (text.length + 1);
    if (edit === 1) return text.slice(0, i);
    if (edit === 2) return text.slice(0, i) + ch + text.slice(i);
    return text;
  });
}

/** Any payload a broker could deliver on a topic of `kind`. */
export function inboundPayload(kind: InboundKind, did: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedText(kind, did) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ timestamp: 1, type: validMessage(kind, did).type, value: v })) },
    { weight: 1, arbitrary: fc.nat({ max: 3000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
  );
}
