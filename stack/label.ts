// A unit's printable label (PROTOCOL §1): the QR code of `MQTT2GO:<device_id>:<activation_code>:<device_type>`
// with the device id and type in text beside it. The activation code is only in the QR code, never
// in clear text. QR encoding by `qrcode`; the SVG label is rendered to PNG by resvg (system fonts).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import QRCode from "qrcode";
import { isActivationCode, isId } from "../src/core/ids";
import type { LabelIds } from "../src/core/label";
import { qrPayload, type FactoryIdentity } from "./certs";

export const LABEL_SVG = "label.svg";
export const LABEL_PNG = "label.png";

/** Label units per QR module; the PNG has `PNG_ZOOM` pixels per unit, so a module is a whole number of pixels. */
const MODULE = 6;
const PNG_ZOOM = 2;
const PAD = 16;
const WIDTH = 560;
const SANS = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
const MONO = "DejaVu Sans Mono, Liberation Mono, Courier New, monospace";
const FONT_OPTIONS: ResvgRenderOptions["font"] = { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans", monospaceFamily: "DejaVu Sans Mono" };

export interface Label {
  svg: string;
  png: Buffer;
  /** The QR payload (it holds the activation code: print it, never log it). */
  payload: string;
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const MONO_ADVANCE = 0.61;
const MIN_TEXT = 14;

/** Monospace lines for `text` in `width` units: one line as large as fits (≤ max), else wrapped at MIN_TEXT. */
function monoLines(text: string, width: number, max: number): { size: number; lines: string[] } {
  const size = Math.min(max, Math.floor(width / (MONO_ADVANCE * text.length)));
  if (size >= MIN_TEXT) return { size, lines: [text] };
  const per = Math.max(1, Math.floor(width / (MONO_ADVANCE * MIN_TEXT)));
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += per) lines.push(text.slice(i, i + per));
  return { size: MIN_TEXT, lines };
}

/** The QR symbol (quiet zone of 4 modules included) as `qrcode` draws it, and its size in modules. */
async function qrSymbol(payload: string): Promise<{ svg: string; modules: number }> {
  const svg = await QRCode.toString(payload, { type: "svg", margin: 4, errorCorrectionLevel: "M" });
  const m = /viewBox="0 0 (\d+) \1"/.exec(svg);
  if (!m) throw new Error("label: unexpected SVG from the QR encoder");
  return { svg, modules: Number(m[1]) };
}

export async function labelSvg(ids: LabelIds): Promise<string> {
  if (!isId(ids.deviceId) || !isId(ids.deviceType) || !isActivationCode(ids.activationCode)) throw new Error("label: the identity's ids are not valid (PROTOCOL §1)");
  const qr = await qrSymbol(qrPayload(ids.deviceId, ids.activationCode, ids.deviceType));
  const size = qr.modules * MODULE;
  const x = PAD + size + 20;
  const textWidth = WIDTH - x - PAD;
  const inner = qr.svg.replace(/^<svg [^>]*>/, "").replace(/<\/svg>\s*$/, "");
  const text: string[] = [];
  let y = PAD + 30;
  const put = (t: string, fontSize: number, attrs = ""): void => { text.push(`<text x="${x}" y="${y}" font-size="${fontSize}"${attrs}>${escapeXml(t)}</text>`); };
  put("MQTT2GO", 28, ` font-weight="bold"`);
  for (const [caption, value] of [["Device ID", ids.deviceId], ["Type", ids.deviceType]]) {
    y += 42;
    put(caption, 15, ` fill="#444"`);
    const m = monoLines(value, textWidth, 22);
    y += 4;
    for (const line of m.lines) { y += Math.round(m.size * 1.15); put(line, m.size, ` font-family="${MONO}"`); }
  }
  y = Math.max(y + 34, PAD + size - 4);
  put("Scan to add this unit", 13, ` fill="#444"`);
  const height = Math.max(size + 2 * PAD, y + PAD);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH / 8}mm" height="${height / 8}mm" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<rect x="1" y="1" width="${WIDTH - 2}" height="${height - 2}" rx="10" fill="none" stroke="#999" stroke-width="2"/>`,
    `<svg x="${PAD}" y="${PAD}" width="${size}" height="${size}" viewBox="0 0 ${qr.modules} ${qr.modules}" shape-rendering="crispEdges">${inner}</svg>`,
    `<g fill="#000" font-family="${SANS}">`,
    ...text,
    `</g>`,
    `</svg>`,
  ].join("\n") + "\n";
}

/** Fails clearly when resvg finds no font: a PNG without its text would look fine and be useless. */
function checkFonts(): void {
  const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><text x="2" y="20" font-size="16" font-family="${SANS}">Type</text></svg>`;
  if (!new Resvg(probe, { font: FONT_OPTIONS }).getBBox()) {
    throw new Error("label: no font found for the label text (install one, e.g. Debian's fonts-dejavu-core)");
  }
}

export function labelPng(svg: string): Buffer {
  checkFonts();
  return new Resvg(svg, { font: FONT_OPTIONS, fitTo: { mode: "width", value: WIDTH * PNG_ZOOM }, background: "#fff" }).render().asPng();
}

export async function makeLabel(ids: LabelIds): Promise<Label> {
  const svg = await labelSvg(ids);
  return { svg, png: labelPng(svg), payload: qrPayload(ids.deviceId, ids.activationCode, ids.deviceType) };
}

/** Writes `label.svg` and `label.png` into an identity folder; returns their paths. */
export async function writeLabel(identityDir: string, id: Pick<FactoryIdentity, "deviceId" | "activationCode" | "deviceType">): Promise<{ svg: string; png: string }> {
  const label = await makeLabel(id);
  const paths = { svg: join(identityDir, LABEL_SVG), png: join(identityDir, LABEL_PNG) };
  writeFileSync(paths.svg, label.svg);
  writeFileSync(paths.png, label.png);
  return paths;
}
