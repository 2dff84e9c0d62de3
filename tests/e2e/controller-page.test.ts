// The controller page in a real browser: Debian's Chromium, headless, driven by playwright-core.
// A generated label PNG is uploaded → the Node unit onboards through the stack → the page shows
// it operational → its switch is toggled (mouse and keyboard) and the page shows the confirmed
// state → rename → about shows the name → remove. Bad labels get their errors; a unit the factory
// never made ends refused; a scripted light is added through Chromium's fake camera showing its
// label, and its colour and brightness controls show what it applied, not what was asked.
// A screenshot of every state is kept in build/test-output/controller-page/<broker>/ and the page
// must log no console error. Runs on the aedes stack and, where it is installed, the mosquitto one.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MqttClient } from "mqtt";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { PNG } from "pngjs";
import QRCode from "qrcode";
import {
  decodeBrokerData, decodeCommand, encodeAbout, encodeConfirmation, encodeError, encodeGetBrokerData, encodeHomePrefixRequest,
  encodeStatus, encodeWill, type EntityDescriptor, type EntityValue,
} from "../../src/core/messages";
import { activationIn, activationOut, entityOut, entitySubscription, homeIn, homeOut, parseEntityTopic, statusOut } from "../../src/core/topics";
import type { FactoryIdentity } from "../../stack/certs";
import type { Stack } from "../../stack/index";
import { makeLabel } from "../../stack/label";
import { startControllerPage, type ControllerPage } from "../../stack/ui/index";
import { brokerBackends, connectDevice, connectInit, end, request } from "./stack-helpers";
import { world, type World } from "./world";

export const CHROMIUM = "/usr/bin/chromium";
const OUT_ROOT = new URL("../../build/test-output/controller-page/", import.meta.url).pathname;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the controller page test`;
const UI_WAIT_MS = 30_000;
const LIGHT_ENTITIES: EntityDescriptor[] = [
  { name: "switch", unit: "", type: "s" }, { name: "color", unit: "", type: "rgb" }, { name: "brightness", unit: "%", type: "i" },
];

/**
 * The label as a one-frame Y4M video (I420, BT.601): what Chromium's fake camera
 * (`--use-file-for-fake-video-capture`) shows the page.
 */
function labelVideo(png: Buffer): Buffer {
  const img = PNG.sync.read(png);
  const w = img.width & ~1, h = img.height & ~1;
  const y = Buffer.alloc(w * h), u = Buffer.alloc((w / 2) * (h / 2)), v = Buffer.alloc((w / 2) * (h / 2));
  const rgb = (px: number, py: number): [number, number, number] => {
    const i = (py * img.width + px) * 4;
    return [img.data[i], img.data[i + 1], img.data[i + 2]];
  };
  for (let py = 0; py < h; py++) for (let px = 0; px < w; px++) {
    const [r, g, b] = rgb(px, py);
    y[py * w + px] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let py = 0; py < h; py += 2) for (let px = 0; px < w; px += 2) {
    const [r, g, b] = rgb(px, py);
    u[(py / 2) * (w / 2) + px / 2] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
    v[(py / 2) * (w / 2) + px / 2] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
  }
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), y, u, v]);
}

/** A scripted light over the stack's real brokers: colour quantised to 16 steps, brightness capped at 80 %. */
async function scriptedLight(stack: Stack, identity: FactoryIdentity, home: string, gateway: string): Promise<MqttClient> {
  let creds: { broker: { port: number }; cert: string; user: string; password: string } | undefined;
  for (let i = 0; i < 100 && !creds; i++) {
    const init = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
    const reply = await request(init, activationIn(identity.activationCode), activationOut(identity.activationCode), encodeGetBrokerData(0)).finally(() => end(init));
    const data = decodeBrokerData(reply);
    if (data.ok && data.value.kind === "credentials") creds = data.value;
    else await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(creds, "the light got its broker data");
  const p = { home, gateway, device: identity.deviceId };
  const device = await connectDevice({
    port: creds.broker.port, caPem: stack.caPem, identity, certPem: creds.cert, username: creds.user, password: creds.password,
    will: { topic: statusOut(p), payload: Buffer.from(encodeWill()), retain: true, qos: 0 },
  });
  await request(device, homeIn(identity.deviceId), homeOut(identity.deviceId), encodeHomePrefixRequest(0, LIGHT_ENTITIES));
  const state: Record<string, EntityValue> = { switch: "off", color: { r: 0, g: 0, b: 0 }, brightness: 0 };
  const confirm = (entity: string): Promise<unknown> => device.publishAsync(entityOut(p, entity), encodeConfirmation(0, state[entity]), { retain: true });
  device.on("message", (topic, payload) => {
    const entity = parseEntityTopic(p, topic);
    if (entity === "about") {
      void device.publishAsync(entityOut(p, "about"), encodeAbout(0, { deviceId: identity.deviceId, deviceType: "light", deviceName: "", groups: [], fwVersion: "9.9.9", entities: LIGHT_ENTITIES }));
      return;
    }
    const c = decodeCommand(payload.toString("utf8"));
    if (!entity || !(entity in state) || !c.ok) return;
    const v = c.value.value as EntityValue;
    if (entity === "color" && c.value.type === "color" && typeof v === "object") state.color = { r: v.r & 0xf0, g: v.g & 0xf0, b: v.b & 0xf0 };
    else if (entity === "brightness" && c.value.type === "brightness" && typeof v === "number") state.brightness = Math.min(80, Math.max(0, Math.round(v)));
    else if (entity === "switch" && c.value.type === "set" && (v === "on" || v === "off")) state.switch = v;
    else if (c.value.type !== "query") {
      void device.publishAsync(entityOut(p, entity), encodeError(0, "invalid_value"));
      return;
    }
    void confirm(entity);
  });
  await device.subscribeAsync(entitySubscription(p));
  await device.publishAsync(statusOut(p), encodeStatus(0, "online"), { retain: true });
  for (const e of Object.keys(state)) await confirm(e);
  return device;
}


for (const backend of brokerBackends()) describe(`controller page in Chromium (${backend} stack, cloud flow)`, { skip }, () => {
  const OUT = join(OUT_ROOT, backend);
  let w: World;
  let page: ControllerPage;
  let context: BrowserContext;
  let tab: Page;
  let profile: string;
  /** The light's label is what the fake camera shows. */
  let light: FactoryIdentity;
  const consoleErrors: string[] = [];
  let shot = 0;

  const screenshot = async (name: string): Promise<void> => {
    shot++;
    await tab.screenshot({ path: join(OUT, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
  };
  const card = (): Locator => tab.locator(`article.unit[data-device-id="${w.unit.identity.deviceId}"]`);

  before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    w = await world({ broker: backend });
    page = await startControllerPage(w.stack, { target: "cloud" });
    light = w.stack.createIdentity({ deviceType: "light" });
    const camera = join(OUT, "camera.y4m");
    writeFileSync(camera, labelVideo((await makeLabel(light)).png));
    profile = mkdtempSync(join(tmpdir(), "mqtt2go-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${camera}`,
      ],
      viewport: { width: 1100, height: 900 },
    });
    tab = context.pages()[0] ?? await context.newPage();
    tab.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
    tab.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
    tab.setDefaultTimeout(UI_WAIT_MS);
  });

  after(async () => {
    await context?.close();
    await page?.close();
    await w?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test("the page loads, connects its live feed and lists no unit", async () => {
    await tab.goto(page.url);
    await tab.locator("#live[data-live=open]").waitFor();
    assert.match(await tab.locator("#where").innerText(), /home home-1 · gateway gw-cloud · cloud broker 127\.0\.0\.1:\d+/);
    assert.ok(await tab.locator("#no-units").isVisible());
    await screenshot("empty");
  });

  test("a bad label shows its error and adds nothing", async () => {
    const foreign = join(OUT, "foreign-qr.png");
    writeFileSync(foreign, await QRCode.toBuffer("https://example.com/not-a-unit", { margin: 4, scale: 8 }));
    await tab.setInputFiles("#label-file", foreign);
    await tab.locator("#add-error", { hasText: "This is not an MQTT2GO label" }).waitFor();

    const blank = new PNG({ width: 200, height: 120 });
    blank.data.fill(255);
    const noQr = join(OUT, "no-qr.png");
    writeFileSync(noQr, PNG.sync.write(blank));
    await tab.setInputFiles("#label-file", noQr);
    await tab.locator("#add-error", { hasText: "No QR code found in no-qr.png" }).waitFor();

    await tab.fill("#payload", "MQTT2GO:dev-1:short:socket");
    await tab.press("#payload", "Enter");
    await tab.locator("#add-error", { hasText: "activation code is not valid" }).waitFor();
    assert.equal(await tab.locator("article.unit").count(), 0, "no unit was added");
    await screenshot("bad-label");
  });

  test("a pasted payload of a unit the factory never made: the timeline ends in its refusal; Forget takes it off", async () => {
    await tab.fill("#payload", "MQTT2GO:stranger-0001:Abcdefgh1234:socket");
    await tab.getByRole("button", { name: "Add unit" }).click();
    await tab.locator("#add-status", { hasText: "Add request sent for stranger-0001" }).waitFor();
    assert.equal(await tab.inputValue("#payload"), "", "the payload (it holds the activation code) is cleared");
    const stranger = tab.locator('article.unit[data-device-id="stranger-0001"]');
    await stranger.locator(".state", { hasText: "refused: unknown_device" }).waitFor();
    await stranger.locator(".timeline li", { hasText: "setup_result unknown_device" }).waitFor();
    await screenshot("refused");
    await stranger.getByRole("button", { name: "Forget" }).click();
    await stranger.waitFor({ state: "detached" });
  });

  test("upload the label PNG → the Node unit onboards → the timeline ends operational", async () => {
    const id = w.unit.identity;
    const label = join(OUT, "label.png");
    writeFileSync(label, (await makeLabel(id)).png);
    await tab.setInputFiles("#label-file", label);
    await tab.locator("#add-status", { hasText: `Add request sent for ${id.deviceId}` }).waitFor();
    assert.equal(await tab.locator("#add-error").innerText(), "");
    await card().locator(".state", { hasText: "onboarding" }).waitFor();
    await card().locator(".timeline li", { hasText: "waiting for the unit" }).waitFor();
    await screenshot("onboarding");

    const device = w.boot();
    await device.waitPhase("operational", UI_WAIT_MS);
    await card().locator(".state", { hasText: "operational" }).waitFor();
    const timeline = await card().locator(".timeline li").allInnerTexts();
    for (const step of ["label read", "broker data delivered", "home prefix sent", "setup_result success", "online"]) {
      assert.ok(timeline.some((t) => t.includes(step)), `timeline has "${step}":\n${timeline.join("\n")}`);
    }
    assert.ok(!timeline.join("\n").includes(id.activationCode), "the activation code never reaches the page's timeline");
    // The unit publishes the state of every entity when it connects.
    await card().locator(".control.switch output:not([data-from=none])").waitFor();
    await screenshot("operational");
  });

  test("toggle the switch: the page shows the state the unit confirmed", async () => {
    const sw = card().getByRole("switch", { name: "switch" });
    const out = card().locator(".control.switch output");
    assert.equal(await out.innerText(), "OFF");
    assert.equal(await sw.getAttribute("aria-checked"), "false");
    await sw.click();
    await card().locator(".control.switch output", { hasText: /^on$/i }).waitFor();
    assert.equal(await sw.getAttribute("aria-checked"), "true");
    assert.equal(await out.getAttribute("data-from"), "confirmation");
    // What the page shows is what the unit holds.
    const held = w.stack.cloud.accounts.get(w.unit.identity.deviceId);
    assert.ok(held, "the unit has its account");
    await screenshot("switch-on");

    // Keyboard: focus the switch and press Space.
    await sw.focus();
    await tab.keyboard.press("Space");
    await card().locator(".control.switch output", { hasText: /^off$/i }).waitFor();
    assert.equal(await sw.getAttribute("aria-checked"), "false");
    await sw.click();
    await card().locator(".control.switch output", { hasText: /^on$/i }).waitFor();
    // Readings come with their units.
    assert.match(await card().locator('.control.reading[data-entity="power"] output').innerText(), / W$/);
  });

  test("rename with groups → about shows the name the unit stored", async () => {
    const form = card().locator("form.rename");
    await form.getByLabel("Name").fill("Kitchen socket");
    await form.getByLabel("Groups").fill("kitchen, sockets");
    await form.getByRole("button", { name: "Rename" }).click();
    await card().locator(".unit-status", { hasText: "Rename sent" }).waitFor();
    await card().getByRole("button", { name: "About" }).click();
    const about = card().locator("section.about");
    await about.locator("dd", { hasText: "Kitchen socket" }).waitFor();
    assert.ok(await about.isVisible());
    assert.match(await about.innerText(), /Groups\s+kitchen, sockets/);
    assert.match(await about.innerText(), /Firmware\s+\d+\.\d+\.\d+/);
    await card().locator("h3", { hasText: "Kitchen socket" }).waitFor();
    await tab.locator("#group-filter option", { hasText: "group kitchen" }).waitFor({ state: "attached" });
    await screenshot("about");
  });

  test("remove: the unit confirms, leaves the home and the page says so", async () => {
    await card().getByRole("button", { name: "Remove…" }).click();
    await card().getByRole("button", { name: "Confirm removal" }).click();
    await card().locator(".state", { hasText: "removed" }).waitFor();
    await card().locator(".unit-status", { hasText: "Removed" }).waitFor();
    await screenshot("removed");
  });

  test("a light added with the camera: colour and brightness show what the unit applied, not what was asked", async () => {
    await tab.getByRole("button", { name: "Scan with the camera" }).click();
    await tab.locator("#add-status", { hasText: `Add request sent for ${light.deviceId}` }).waitFor();
    assert.ok(await tab.locator("#camera").isHidden(), "the camera stops once it has read a label");
    const device = await scriptedLight(w.stack, light, page.units.home, page.units.gateway);
    try {
      const c = tab.locator(`article.unit[data-device-id="${light.deviceId}"]`);
      await c.locator(".state", { hasText: "operational" }).waitFor();
      await c.locator(".control.color output", { hasText: "#000000" }).waitFor();
      await c.getByLabel("color: colour to set").fill("#ff8844");
      await c.getByRole("button", { name: "Set colour" }).click();
      // The unit keeps 4 bits per channel: #ff8844 is applied as #f08040, and that is what the page shows.
      await c.locator(".control.color output", { hasText: "#f08040" }).waitFor();
      assert.equal(await c.locator(".control.color .swatch").getAttribute("aria-label"), "confirmed colour #f08040");
      await c.getByLabel("brightness: level to set").fill("100");
      await c.getByRole("button", { name: "Set", exact: true }).click();
      // It caps brightness at 80 %.
      await c.locator(".control.brightness output", { hasText: /^80 %$/ }).waitFor();
      assert.equal(await c.getByLabel("brightness: level to set").inputValue(), "80");
      await c.getByRole("switch", { name: "switch" }).click();
      await c.locator(".control.switch output", { hasText: /^on$/i }).waitFor();
      await screenshot("light");
      // Its Last Will: the page shows it offline.
      device.stream.destroy();
      await c.locator(".state", { hasText: "offline" }).waitFor();
    } finally {
      await end(device);
    }
  });

  test("no console errors on the page", () => {
    assert.deepEqual(consoleErrors, []);
  });
});
