import { test, equal } from "../harness";
import { isPemCertificate, MAX_CERT_CHARS } from "../../src/core/pem";
import { PEM } from "./message-fixtures";

const body = PEM.split("\n").slice(1, -2).join("\n");
const wrap = (b: string): string => `-----BEGIN CERTIFICATE-----\n${b}\n-----END CERTIFICATE-----\n`;

test("isPemCertificate accepts a PEM certificate", () => {
  equal(isPemCertificate(PEM), true);
  equal(isPemCertificate(PEM.trim()), true, "without the final newline");
  equal(isPemCertificate(PEM.replace(/\n/g, "\r\n")), true, "CRLF line ends");
  equal(isPemCertificate(`\n  ${PEM}  \n`), true, "surrounding whitespace");
  equal(isPemCertificate(wrap(body.replace(/\n/g, ""))), true, "one long body line");
});

test("isPemCertificate rejects everything else", () => {
  const long = wrap(("MIIB" + "A".repeat(3496)).replace(/(.{64})/g, "$1\n"));
  const rows: unknown[] = [
    "", "not a certificate", body, `-----BEGIN CERTIFICATE-----\n${body}`, `${body}\n-----END CERTIFICATE-----`,
    PEM.replace("BEGIN CERTIFICATE", "BEGIN " + "PRIVATE KEY").replace("END CERTIFICATE", "END " + "PRIVATE KEY"),
    PEM.replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE"),
    wrap(""), wrap("\n\n"), wrap(body.replace("M", "!")), wrap(body.replace("A", "-")), wrap(body + "A"), wrap(body + "=="),
    wrap(body.slice(0, -1) + "=A"), wrap("AAAA"), wrap(body.replace("MII", "MJI")), `${PEM}${PEM}`, `x${PEM}`, `${PEM}x`,
    PEM.replace(/\n/g, "\u0000"), wrap(body.replace("\n", " \u00a0")), long, 5, null, undefined, [PEM], { pem: PEM },
  ];
  equal(long.length > MAX_CERT_CHARS, true);
  for (const [i, s] of rows.entries()) equal(isPemCertificate(s), false, `row ${i}`);
});

test("isPemCertificate: tabs count as whitespace; every base64 range edge; padding only at the end, at most two", () => {
  equal(isPemCertificate(`\t${PEM.replace(/\n/g, "\t\n")}\t`), true, "tabs around and inside");
  equal(isPemCertificate(wrap("MIAZaz09+/AA")), true, "A Z a z 0 9 + / are base64");
  for (const c of ["@", "[", "`", "{", "~", "_", ":", "?", ",", ".", "-", "\u00c0"])
    equal(isPemCertificate(wrap(`MIAA${c}AAA`)), false, JSON.stringify(c));
  equal(isPemCertificate(wrap("MIAAAA==")), true, "two padding characters");
  equal(isPemCertificate(wrap("MIAAA===")), false, "three padding characters");
  equal(isPemCertificate(wrap("MIAA=AAA")), false, "data after padding");
  equal(isPemCertificate(wrap("MIAA==AA")), false, "data after two padding characters");
  equal(isPemCertificate("   \n\t "), false, "whitespace only");
  equal(isPemCertificate("-----BEGIN CERTIFICATE-----END CERTIFICATE-----"), false, "markers overlapping");
  equal(isPemCertificate("-----BEGIN CERTIFICATE----------END CERTIFICATE-----"), false, "markers only");
});

test(`isPemCertificate: up to ${MAX_CERT_CHARS} characters inclusive`, () => {
  const at = (n: number): string => {
    const text = wrap(body);
    return text + " ".repeat(n - text.length);
  };
  equal(at(MAX_CERT_CHARS).length, 3500);
  equal(isPemCertificate(at(MAX_CERT_CHARS)), true);
  equal(isPemCertificate(at(MAX_CERT_CHARS + 1)), false);
});
