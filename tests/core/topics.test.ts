import { test, equal } from "../harness";
import {
  activationIn, activationOut, controllerAddIn, controllerAddOut, entityIn, entityOut, entitySubscription, homeIn, homeOut,
  commandPrefix, entityOfCommand, parseEntityTopic, statusOut, wifiIn, wifiOut, type Prefix,
} from "../../src/core/topics";

const p: Prefix = { home: "home-1", gateway: "gw-1", device: "dev-0001" };

test("topic builders", () => {
  equal(activationIn("AC123456"), "AC123456/activation/in");
  equal(activationOut("AC123456"), "AC123456/activation/out");
  equal(wifiIn("AC123456"), "AC123456/wifi/in");
  equal(wifiOut("AC123456"), "AC123456/wifi/out");
  equal(homeIn("dev-0001"), "dev-0001/home/in");
  equal(homeOut("dev-0001"), "dev-0001/home/out");
  equal(entityIn(p, "switch"), "home-1/gw-1/dev-0001/switch/in");
  equal(entityOut(p, "switch"), "home-1/gw-1/dev-0001/switch/out");
  equal(statusOut(p), "home-1/gw-1/dev-0001/status/out");
  equal(entitySubscription(p), "home-1/gw-1/dev-0001/+/in");
  equal(controllerAddIn("home-1", "gw-1"), "home-1/gw-1/add_device/in");
  equal(controllerAddOut("home-1", "gw-1"), "home-1/gw-1/add_device/out");
});

test("parseEntityTopic: exact topics parse to their entity", () => {
  for (const e of ["switch", "remove", "about", "power", "a", "x".repeat(64), "in", "out", "status"])
    equal(parseEntityTopic(p, entityIn(p, e)), e, e);
});

test("parseEntityTopic: look-alikes are rejected", () => {
  const tricky: Prefix = { home: "switch", gateway: "remove", device: "dev" };
  equal(parseEntityTopic(tricky, "switch/remove/dev/about/in"), "about", "the tricky prefix itself works");
  const rows: [Prefix, string][] = [
    [p, "home-1/gw-1/dev-0001/switch/out"],
    [p, "home-1/gw-1/dev-0001/switch"],
    [p, "home-1/gw-1/dev-0001/switch/in/"],
    [p, "home-1/gw-1/dev-0001/switch/in/x"],
    [p, "/home-1/gw-1/dev-0001/switch/in"],
    [p, "home-1/gw-1/dev-0001//in"],
    [p, "home-1//dev-0001/switch/in"],
    [p, "home-1/gw-1/dev-0001/+/in"],
    [p, "home-1/gw-1/dev-0001/#"],
    [p, "home-1/gw-1/dev-0001/sw#/in"],
    [p, "home-1/gw-1/dev-0001/sw itch/in"],
    [p, "home-1/gw-1/dev-0001/sw\u0000/in"],
    [p, "home-1/gw-1/dev-00012/switch/in"],
    [p, "home-1/gw-1/dev-000/switch/in"],
    [p, "home-1/gw-1/DEV-0001/switch/in"],
    [p, "home-1/gw-2/dev-0001/switch/in"],
    [p, "home-11/gw-1/dev-0001/switch/in"],
    [p, "xhome-1/gw-1/dev-0001/switch/in"],
    [p, "home-1/gw-1/dev-0001/switch/IN"],
    [p, "home-1/gw-1/dev-0001/switch/in "],
    [p, "home-1/gw-1/other/dev-0001/switch/in"],
    [p, "home-1/gw-1/dev-0001/a/b/in"],
    [p, `home-1/gw-1/dev-0001/${"x".repeat(65)}/in`],
    [p, "dev-0001/home/in"],
    [p, "home-1/gw-1/dev-0001/remove/out"],
    [p, ""],
    [p, "////"],
    [tricky, "switch/remove/dev/about/out"],
    [tricky, "home/switch/remove/dev/about/in"],
    [tricky, "switch/remove/dev2/about/in"],
    [{ home: "", gateway: "", device: "" }, "////in"],
    [{ home: "h", gateway: "g", device: "+" }, "h/g/+/switch/in"],
  ];
  for (const [i, [prefix, topic]] of rows.entries()) equal(parseEntityTopic(prefix, topic), undefined, `row ${i} ${JSON.stringify(topic)}`);
});

test("entityOfCommand (precomputed prefix) answers exactly as parseEntityTopic", () => {
  const p = { home: "home1", gateway: "gw1", device: "dev-1" };
  const pre = commandPrefix(p);
  const topics = [
    "home1/gw1/dev-1/switch/in", "home1/gw1/dev-1/switch/out", "home1/gw1/dev-1//in", "home1/gw1/dev-1/a/b/in",
    "home1/gw1/dev-10/switch/in", "home1/gw1/dev-1/switch/in/", "home1/gw1/dev-1/+/in", "home1/gw1/dev-1/#/in",
    "home1/gw1/dev-1/in", "xhome1/gw1/dev-1/switch/in", "home1/gw1/dev-1/sw itch/in", "home1/gw1/dev-1/" + "e".repeat(64) + "/in",
    "home1/gw1/dev-1/" + "e".repeat(65) + "/in", "home1/gw1/dev-1/status/in", "", "home1/gw1/dev-1/switch/inn",
  ];
  for (const t of topics) equal(entityOfCommand(pre, t), parseEntityTopic(p, t), t);
});
