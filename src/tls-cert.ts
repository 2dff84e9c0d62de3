// The TLS client's certificate manager, mapped by ./manifest_tls.json to the SDK's module name
// "ssl/cert" in place of its own (kept as "ssl/cert-sdk" and extended here, not copied). The
// module runs as "ssl/cert": its relative imports ("../src/…") resolve from there and from this file alike.
// The SDK checks each certificate's dates against one instant, Date.now(). PROTOCOL §9 judges
// them without a valid clock too: never refused as "not yet valid", refused as expired only
// against the last known good time. So while the clock is not valid, the SDK's checks run at
// the instant the WallClock picks for the chain (./clock); signatures, the chain to the factory
// CA and the server name are checked by the SDK exactly as always. Nothing is ever skipped.
import CertificateManager from "ssl/cert-sdk";
import Time from "time";
import X509 from "x509";
import type { Validity } from "../src/core/wall-clock";
import { wallClock } from "../src/moddable/clock";

function validity(der: ArrayBuffer): Validity {
  const v = X509.decodeTBS(X509.decode(new Uint8Array(der)).tbs).validity;
  // The SDK compares from < now < to in milliseconds: whole seconds inside the period keep that true.
  return { fromS: Math.floor(v.from / 1000), toS: Math.floor(v.to / 1000) };
}

/** Runs the SDK's check with the system clock at `atS`, then puts the clock back where it ran on. */
function judgedAt<T>(atS: number | undefined, check: () => T): T {
  if (atS === undefined) return check();
  const wasMs = Date.now();
  const t0 = Time.ticks;
  Time.set(atS);
  try {
    return check();
  } finally {
    Time.set(Math.round((wasMs + Time.delta(t0, Time.ticks)) / 1000));
  }
}

/** undefined: the clock is valid, the SDK judges at Date.now(); else the instant, or why not. */
function instant(chain: readonly ArrayBuffer[]): { atS: number | undefined } | { refused: string } {
  const clock = wallClock();
  let dates: Validity[];
  try {
    dates = chain.map(validity);
  } catch (e) {
    return { refused: `undecodable certificate: ${String(e)}` };
  }
  const v = clock.chainInstant(dates);
  if (!v.ok) return { refused: v.reason };
  return { atS: clock.now() === undefined ? v.atS : undefined };
}

export default class ClockAwareCertificateManager extends CertificateManager {
  #anchors: ArrayBuffer[];

  constructor(options: { certificate?: ArrayBuffer; verify?: boolean } & Record<string, unknown>) {
    // The SDK registers (and date-checks) the trust anchor while it constructs: see register().
    super(options);
    this.#anchors = options.certificate ? [options.certificate] : [];
  }

  override register(cert: ArrayBuffer): void {
    const at = instant([cert]);
    if ("refused" in at) throw new Error(`trust anchor refused: ${at.refused}`);
    judgedAt(at.atS, () => super.register(cert));
  }

  override verify(certs: ArrayBuffer[], options: object): boolean {
    const at = instant([...certs, ...this.#anchors]);
    if ("refused" in at) {
      trace(`tls: certificate chain refused: ${at.refused}\n`);
      return false;
    }
    return judgedAt(at.atS, () => super.verify(certs, options));
  }
}
