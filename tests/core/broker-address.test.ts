import { test, deepEqual, equal } from "../harness";
import { DEFAULT_BROKER_PORT, formatBrokerAddress, isHostname, isIpv4, isIpv6, parseBrokerAddress } from "../../src/core/broker-address";

test("parseBrokerAddress: accepted forms", () => {
  const rows: [string, string, number][] = [
    ["broker", "broker", DEFAULT_BROKER_PORT],
    ["broker.example.com", "broker.example.com", 8883],
    ["MQTT2GO.local:8884", "MQTT2GO.local", 8884],
    ["a-b.c-d.e", "a-b.c-d.e", 8883],
    ["x1", "x1", 8883],
    ["1host", "1host", 8883],
    ["host.123abc", "host.123abc", 8883],
    [`${"a".repeat(63)}.com`, `${"a".repeat(63)}.com`, 8883],
    ["192.168.1.10", "192.168.1.10", 8883],
    ["0.0.0.0:1", "0.0.0.0", 1],
    ["255.255.255.255:65535", "255.255.255.255", 65535],
    ["[::1]:8883", "::1", 8883],
    ["[::1]", "::1", 8883],
    ["[fe80::1:2:3:4]:1883", "fe80::1:2:3:4", 1883],
    ["[2001:db8:0:0:0:0:0:1]:9000", "2001:db8:0:0:0:0:0:1", 9000],
    ["[::ffff:192.0.2.1]:8883", "::ffff:192.0.2.1", 8883],
    ["[::]:8883", "::", 8883],
    ["2001:db8::7", "2001:db8::7", 8883],
    ["host:08883", "host", 8883],
  ];
  for (const [s, host, port] of rows) {
    const r = parseBrokerAddress(s);
    deepEqual(r, { ok: true, value: { host, port } }, s);
  }
});

test("parseBrokerAddress: rejected forms", () => {
  const rows: [unknown, string][] = [
    ["", "invalid_value"], [" ", "invalid_value"], ["host name", "invalid_value"], [" host", "invalid_value"], ["host ", "invalid_value"],
    ["a/b", "invalid_value"], ["mqtt://host", "invalid_value"], ["host/", "invalid_value"], ["host:0", "invalid_value"],
    ["host:65536", "invalid_value"], ["host:-1", "invalid_value"], ["host:+80", "invalid_value"], ["host:", "invalid_value"],
    ["host:80x", "invalid_value"], ["host:123456", "invalid_value"], [":8883", "invalid_value"], ["host:8883:1", "invalid_value"],
    ["-host", "invalid_value"], ["host-", "invalid_value"], ["a..b", "invalid_value"], [".host", "invalid_value"], ["host.", "invalid_value"],
    [`${"a".repeat(64)}.com`, "invalid_value"], [`${"a.".repeat(127)}ab`, "invalid_value"], ["ho_st", "invalid_value"], ["hóst", "invalid_value"],
    ["host#", "invalid_value"], ["host+1", "invalid_value"], ["1.2.3.256", "invalid_value"], ["01.2.3.4", "invalid_value"],
    ["1.2.3", "invalid_value"], ["1.2.3.4.5", "invalid_value"], ["999", "invalid_value"], ["[::1", "invalid_value"], ["[::1]x", "invalid_value"],
    ["[::1]:", "invalid_value"], ["[::1]:0", "invalid_value"], ["[zz::1]:8883", "invalid_value"], ["[1.2.3.4]:8883", "invalid_value"],
    ["[host]:8883", "invalid_value"], ["[]:8883", "invalid_value"], ["[1::2::3]", "invalid_value"], ["[1:2:3:4:5:6:7:8:9]", "invalid_value"],
    ["[12345::1]", "invalid_value"], ["[::1%eth0]", "invalid_value"], ["host\u0000", "invalid_value"], ["host\n", "invalid_value"],
    ["x".repeat(300), "invalid_value"],
    [5, "wrong_type"], [null, "wrong_type"], [["host"], "wrong_type"], [{ host: "h" }, "wrong_type"],
  ];
  for (const [i, [s, reason]] of rows.entries()) {
    const r = parseBrokerAddress(s);
    equal(r.ok ? "ok" : r.error.reason, reason, `row ${i} ${JSON.stringify(s)}`);
  }
});

test("isIpv6", () => {
  for (const s of ["::", "::1", "1::", "1:2:3:4:5:6:7:8", "1::8", "1:2:3:4:5:6::8", "::2:3:4:5:6:7:8", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4"])
    equal(isIpv6(s), true, s);
  for (const s of ["", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "g::1", "1.2.3.4", "1.2.3.4::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "1::2:3:4:5:6:7:8"])
    equal(isIpv6(s), false, s);
});

test("formatBrokerAddress round-trips through parseBrokerAddress", () => {
  for (const a of [{ host: "h.example", port: 8883 }, { host: "10.1.2.3", port: 1 }, { host: "fd00::1", port: 65535 }]) {
    const text = formatBrokerAddress(a);
    deepEqual(parseBrokerAddress(text), { ok: true, value: a }, text);
  }
  equal(formatBrokerAddress({ host: "::1", port: 8883 }), "[::1]:8883");
});

test("parseBrokerAddress: each refusal names its cause", () => {
  const rows: [unknown, string][] = [
    [5, "wrong_type: broker_ip is not a string"],
    ["", "invalid_value: broker_ip has a bad length"],
    ["a".repeat(260), "invalid_value: broker_ip has a bad length"],
    ["[::1", "invalid_value: broker_ip: unclosed ["],
    ["[::1]x", "invalid_value: broker_ip: junk after ]"],
    ["[zz::1]:8883", "invalid_value: broker_ip: bad IPv6 address"],
    ["1::2::3", "invalid_value: broker_ip: bad address"],
    ["host:8883:1", "invalid_value: broker_ip: bad address"],
    [":8883", "invalid_value: broker_ip: bad host"],
    ["ho_st", "invalid_value: broker_ip: bad host"],
    ["host:80x", "invalid_value: broker_ip: bad port"],
    ["host:008883", "invalid_value: broker_ip: bad port"],
    ["[::1]:", "invalid_value: broker_ip: bad port"],
  ];
  for (const [s, expected] of rows) {
    const r = parseBrokerAddress(s);
    equal(r.ok ? "ok" : `${r.error.reason}: ${r.error.detail}`, expected, JSON.stringify(s));
  }
});

test("the longest broker_ip (a 253-character host name and :65535) is accepted", () => {
  const host = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
  equal(host.length, 253);
  deepEqual(parseBrokerAddress(`${host}:65535`), { ok: true, value: { host, port: 65535 } });
  deepEqual(parseBrokerAddress(host), { ok: true, value: { host, port: 8883 } });
  equal(isHostname(host), true);
  equal(isHostname(`${host}e`), false, "254 characters");
  equal(isHostname(""), false);
  const v6 = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
  equal(v6.length, 45);
  deepEqual(parseBrokerAddress(`[${v6}]:65535`), { ok: true, value: { host: v6, port: 65535 } });
});

test("host names: letters and digits at each end of their ranges", () => {
  for (const h of ["0a", "a9", "A", "Z", "z", "az09AZ", "host.a1", "x-0.y-9"]) deepEqual(parseBrokerAddress(h), { ok: true, value: { host: h, port: 8883 } }, h);
  for (const h of ["/a", ":a", "@a", "[a", "`a", "{a", "a/", "a@", "a`", "a{"]) equal(isHostname(h), false, h);
});

test("isIpv4: four decimal parts of one to three digits, 0-255, no leading zero, nothing around", () => {
  for (const s of ["1.2.3.4", "123.45.6.78", "1.22.3.4", "1.2.33.4", "1.2.3.44", "10.0.0.255"]) equal(isIpv4(s), true, s);
  for (const s of ["x1.2.3.4", "1.2.3.4x", "a.2.3.4", "1.b.3.4", "1.2.c.4", "1.2.3.d", "1.2.3.4 ", " 1.2.3.4", "1234.1.1.1", "1.2.3.04", "1.2.3.256", ""])
    equal(isIpv4(s), false, s);
  equal(isIpv6("::ffff:1.2.3.4x"), false);
  equal(isIpv6("::ffff:x1.2.3.4"), false);
  deepEqual(parseBrokerAddress("x1.2.3.4"), { ok: false, error: { reason: "invalid_value", detail: "broker_ip: bad host" } });
});

test("isIpv6: a dotted quad only as the last part; hex groups are whole", () => {
  for (const s of ["1.2.3.4:1:2:3:4:5:6", "1.2.3.4::1", "::1.2.3.4:1", "xf::1", "fx::1", "::1:fffff", "::12345"]) equal(isIpv6(s), false, s);
  for (const s of ["f::1", "ffff::1", "a:b:c:d:e:f:1:2", "::F:0"]) equal(isIpv6(s), true, s);
});
