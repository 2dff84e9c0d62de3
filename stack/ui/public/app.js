// The controller page: adds units from their label (camera, photo/PNG decoded with jsQR, or the
// pasted payload), shows each unit's onboarding timeline and state as the server pushes them over
// a WebSocket, and builds the controls from the unit's entities. Values shown are only what the
// unit confirmed or reported; a control waits for the confirmation, it never shows the request.

const $ = (sel, root = document) => root.querySelector(sel);
const units = new Map();
const cards = new Map();

// ---- server ------------------------------------------------------------------------------

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data = {};
  try { data = await res.json(); } catch { /* an empty or non-JSON answer */ }
  if (!res.ok || data.ok !== true) throw new Error(data.error || `The server answered ${res.status}.`);
  return data;
}

function connect() {
  const live = $("#live");
  const ws = new WebSocket(`ws://${location.host}/events`);
  ws.addEventListener("open", () => { live.textContent = "Live: changes appear as they happen."; live.dataset.live = "open"; });
  ws.addEventListener("message", (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "hello") {
      $("#where").textContent = `home ${m.home} · gateway ${m.gateway} · ${m.broker}`;
      for (const id of [...cards.keys()]) if (!m.units.some((u) => u.deviceId === id)) drop(id);
      for (const u of m.units) show(u);
    } else if (m.type === "unit") show(m.unit);
    else if (m.type === "gone") drop(m.deviceId);
  });
  ws.addEventListener("close", () => {
    live.textContent = "Not connected to the stack; retrying…";
    live.dataset.live = "closed";
    setTimeout(connect, 2000);
  });
}

// ---- adding a unit -----------------------------------------------------------------------

function addMessage(status, error) {
  $("#add-status").textContent = status || "";
  $("#add-error").textContent = error || "";
}

async function addPayload(payload, how) {
  addMessage(`Adding the unit from ${how}…`, "");
  try {
    const r = await post("/api/units", { payload });
    addMessage(`Add request sent for ${r.deviceId}; its onboarding timeline is below.`, "");
    $("#payload").value = "";
    const card = cards.get(r.deviceId);
    if (card) card.el.scrollIntoView({ block: "nearest" });
  } catch (err) {
    addMessage("", err.message);
  }
}

/** The QR payload in an image's pixels (jsQR), or null. */
function decodePixels(ctx, width, height) {
  const img = ctx.getImageData(0, 0, width, height);
  const code = window.jsQR(img.data, width, height, { inversionAttempts: "attemptBoth" });
  return code ? code.data : null;
}

async function decodeFile(file) {
  if (!file.type.startsWith("image/")) throw new Error(`${file.name} is not an image: upload a photo or PNG of the label.`);
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { throw new Error(`${file.name} could not be read as an image.`); }
  // Big photos are scaled down: jsQR needs the code, not the megapixels.
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale)), h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const payload = decodePixels(ctx, w, h);
  if (payload === null) throw new Error(`No QR code found in ${file.name}. Try a sharper, closer photo of the label, or paste its payload.`);
  return payload;
}

$("#label-file").addEventListener("change", async (ev) => {
  const input = ev.target;
  const file = input.files && input.files[0];
  if (!file) return;
  try {
    const payload = await decodeFile(file);
    await addPayload(payload, `the label in ${file.name}`);
  } catch (err) {
    addMessage("", err.message);
  } finally {
    input.value = "";
  }
});

$("#paste-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  void addPayload($("#payload").value, "the pasted payload");
});

let camera = null;

function stopCamera() {
  if (!camera) return;
  camera.stream.getTracks().forEach((t) => t.stop());
  cancelAnimationFrame(camera.frame);
  camera = null;
  $("#camera").hidden = true;
  $("#camera-stop").hidden = true;
  $("#camera-start").hidden = false;
  $("#camera-start").focus();
}

$("#camera-start").addEventListener("click", async () => {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    addMessage("", "This browser gives the page no camera; upload a photo of the label or paste its payload instead.");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (err) {
    addMessage("", `The camera is not available (${err.name}); upload a photo of the label or paste its payload instead.`);
    return;
  }
  const video = $("#camera");
  video.srcObject = stream;
  video.hidden = false;
  $("#camera-start").hidden = true;
  $("#camera-stop").hidden = false;
  $("#camera-stop").focus();
  await video.play();
  addMessage("Hold the label's QR code in front of the camera.", "");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  camera = { stream, frame: 0 };
  const scan = () => {
    if (!camera) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const payload = decodePixels(ctx, canvas.width, canvas.height);
      if (payload !== null) {
        stopCamera();
        void addPayload(payload, "the camera");
        return;
      }
    }
    camera.frame = requestAnimationFrame(scan);
  };
  camera.frame = requestAnimationFrame(scan);
});
$("#camera-stop").addEventListener("click", () => { stopCamera(); addMessage("", ""); });

// ---- a unit's card -----------------------------------------------------------------------

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const hex = (rgb) => "#" + [rgb.r, rgb.g, rgb.b].map((c) => c.toString(16).padStart(2, "0")).join("");

/** The headline: what a person wants to know about the unit first. */
function headline(u) {
  const s = u.onboarding.state;
  if (s === "success") return u.status === "offline" ? ["offline", "offline"] : u.status === "online" ? ["operational", "operational"] : ["set up, waiting for its status", "onboarding"];
  if (s === "onboarding") return ["onboarding…", "onboarding"];
  if (s === "refused") return [`refused: ${u.onboarding.reason}`, "failed"];
  if (s === "activation_expired") return ["activation_expired", "failed"];
  return ["removed", "removed"];
}

/** How an entity is shown and controlled, from its descriptor (and its confirmed value). */
function controlKind(e, reading) {
  if (e.type === "rgb") return "color";
  if (e.type === "s" && (e.name === "switch" || (reading && (reading.value === "on" || reading.value === "off")))) return "switch";
  if ((e.type === "i" || e.type === "f") && e.name === "brightness") return "brightness";
  return "reading";
}

function formatValue(v, unit) {
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return `${Number.isInteger(v) ? v : v.toFixed(2)}${unit ? ` ${unit}` : ""}`;
  if (typeof v === "object" && v) return hex(v);
  return `${v}${unit ? ` ${unit}` : ""}`;
}

function newCard(u) {
  const el = $("#unit-template").content.firstElementChild.cloneNode(true);
  const key = u.deviceId.replace(/[^A-Za-z0-9_-]/g, "_");
  el.id = `unit-${key}`;
  el.dataset.deviceId = u.deviceId;
  const title = $(".unit-title", el);
  title.id = `unit-${key}-title`;
  el.setAttribute("aria-labelledby", title.id);
  const card = { el, entitiesKey: "", controls: new Map(), renameFilled: "" };
  const say = (status, error) => { $(".unit-status", el).textContent = status || ""; $(".unit-error", el).textContent = error || ""; };
  card.say = say;

  $(".rename", el).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const groups = form.groups.value.split(",").map((g) => g.trim()).filter((g) => g !== "");
    say("Sending the new name…", "");
    try {
      await post(`/api/units/${encodeURIComponent(u.deviceId)}/rename`, { name: form.name.value, groups });
      say("Rename sent; the unit's About shows it once stored.", "");
    } catch (err) { say("", err.message); }
  });
  $(".about-button", el).addEventListener("click", async () => {
    say("Asking the unit…", "");
    try {
      await post(`/api/units/${encodeURIComponent(u.deviceId)}/about`, {});
      $(".about", el).hidden = false;
      say("About received.", "");
      $(".about h4", el).setAttribute("tabindex", "-1");
      $(".about h4", el).focus();
    } catch (err) { say("", err.message); }
  });
  const removeButtons = (confirming) => {
    $(".remove-button", el).hidden = confirming;
    $(".confirm-remove", el).hidden = !confirming;
    $(".cancel-remove", el).hidden = !confirming;
  };
  $(".remove-button", el).addEventListener("click", () => {
    removeButtons(true);
    say("Removing erases the unit's credentials: it leaves this home and has to be onboarded again.", "");
    $(".confirm-remove", el).focus();
  });
  $(".cancel-remove", el).addEventListener("click", () => { removeButtons(false); say("", ""); $(".remove-button", el).focus(); });
  $(".confirm-remove", el).addEventListener("click", async () => {
    removeButtons(false);
    say("Removing…", "");
    try {
      await post(`/api/units/${encodeURIComponent(u.deviceId)}/remove`, {});
      say("Removed: the unit erased its credentials.", "");
    } catch (err) { say("", err.message); }
  });
  $(".forget-button", el).addEventListener("click", async () => {
    try { await post(`/api/units/${encodeURIComponent(u.deviceId)}/forget`, {}); } catch (err) { say("", err.message); }
  });
  $("#unit-list").prepend(el);
  cards.set(u.deviceId, card);
  return card;
}

async function command(card, deviceId, entity, type, value, busyEl) {
  busyEl.setAttribute("aria-busy", "true");
  busyEl.classList.add("pending");
  card.say(`Waiting for ${entity} to confirm…`, "");
  try {
    const { reply } = await post(`/api/units/${encodeURIComponent(deviceId)}/command`, { entity, type, value });
    if (reply.ok) card.say(`${entity}: confirmed ${formatValue(reply.value, "")}.`, "");
    else card.say("", `${entity}: the unit refused (${reply.reason}).`);
  } catch (err) {
    card.say("", err.message);
  } finally {
    busyEl.removeAttribute("aria-busy");
    busyEl.classList.remove("pending");
  }
}

function buildControls(card, u, entities) {
  const box = $(".controls", card.el);
  box.replaceChildren();
  card.controls.clear();
  const id = u.deviceId;
  for (const e of entities) {
    const kind = controlKind(e, u.values[e.name]);
    const row = document.createElement("div");
    row.className = `control ${kind}`;
    row.dataset.entity = e.name;
    const name = document.createElement("span");
    name.className = "entity-name";
    name.id = `${card.el.id}-${e.name}`;
    name.textContent = e.name;
    row.append(name);
    const out = document.createElement("output");
    out.setAttribute("aria-labelledby", name.id);
    row.append(out);
    const c = { kind, row, out };
    if (kind === "switch") {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "switch");
      b.setAttribute("aria-labelledby", name.id);
      b.addEventListener("click", () => {
        const now = units.get(id)?.values[e.name]?.value;
        void command(card, id, e.name, "set", now === "on" ? "off" : "on", b);
      });
      row.append(b);
      c.button = b;
    } else if (kind === "color") {
      const input = document.createElement("input");
      input.type = "color";
      input.setAttribute("aria-label", `${e.name}: colour to set`);
      const set = document.createElement("button");
      set.type = "button";
      set.textContent = "Set colour";
      set.addEventListener("click", () => {
        const v = input.value;
        void command(card, id, e.name, "color", { r: parseInt(v.slice(1, 3), 16), g: parseInt(v.slice(3, 5), 16), b: parseInt(v.slice(5, 7), 16) }, set);
      });
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("role", "img");
      row.append(swatch, input, set);
      Object.assign(c, { input, swatch });
    } else if (kind === "brightness") {
      const input = document.createElement("input");
      input.type = "range";
      input.min = "0";
      input.max = e.unit === "%" ? "100" : "255";
      input.setAttribute("aria-label", `${e.name}: level to set`);
      const set = document.createElement("button");
      set.type = "button";
      set.textContent = "Set";
      set.addEventListener("click", () => void command(card, id, e.name, "brightness", Number(input.value), set));
      row.append(input, set);
      c.input = input;
    }
    if (kind === "reading") {
      const q = document.createElement("button");
      q.type = "button";
      q.textContent = "Refresh";
      q.setAttribute("aria-label", `Refresh ${e.name}`);
      q.addEventListener("click", () => void command(card, id, e.name, "query", null, q));
      row.append(q);
    }
    const err = document.createElement("span");
    err.className = "entity-error error";
    row.append(err);
    c.err = err;
    c.entity = e;
    card.controls.set(e.name, c);
    box.append(row);
  }
}

function updateControls(card, u) {
  for (const [name, c] of card.controls) {
    const r = u.values[name];
    const shown = r ? formatValue(r.value, c.entity.unit) : "unknown";
    const when = r ? `${r.from === "confirmation" ? "confirmed" : "reported"} ${clock(r.at)}` : "no value from the unit yet";
    c.out.textContent = shown;
    c.out.title = when;
    c.out.dataset.from = r ? r.from : "none";
    if (c.kind === "switch") {
      c.button.setAttribute("aria-checked", r && r.value === "on" ? "true" : "false");
      c.button.textContent = r && r.value === "on" ? "Turn off" : "Turn on";
    } else if (c.kind === "color" && r && typeof r.value === "object") {
      c.swatch.style.backgroundColor = hex(r.value);
      c.swatch.setAttribute("aria-label", `confirmed colour ${hex(r.value)}`);
    } else if (c.kind === "brightness" && r && typeof r.value === "number" && document.activeElement !== c.input) {
      c.input.value = String(r.value);
    }
    const e = u.errors[name];
    c.err.textContent = e ? `last error: ${e.reason}` : "";
  }
}

function show(u) {
  units.set(u.deviceId, u);
  const card = cards.get(u.deviceId) || newCard(u);
  const el = card.el;
  const name = u.about && u.about.deviceName ? u.about.deviceName : u.deviceId;
  $(".unit-title", el).textContent = name;
  $(".ids", el).textContent = `${u.deviceId}${u.deviceType ? ` · ${u.deviceType}` : ""}`;
  const [text, state] = headline(u);
  const st = $(".state", el);
  if (st.textContent !== text) st.textContent = text;
  st.dataset.state = state;
  el.dataset.state = state;
  const groups = u.about ? u.about.groups : [];
  $(".groups", el).textContent = groups.length ? `Groups: ${groups.join(", ")}` : "";
  el.dataset.groups = groups.join(",");

  const ol = $(".timeline ol", el);
  ol.replaceChildren(...u.timeline.map((t) => {
    const li = document.createElement("li");
    li.className = `tone-${t.tone}`;
    const time = document.createElement("time");
    time.dateTime = new Date(t.at).toISOString();
    time.textContent = clock(t.at);
    const src = document.createElement("span");
    src.className = "source";
    src.textContent = t.source;
    const what = document.createElement("span");
    what.textContent = t.text;
    li.append(time, src, what);
    return li;
  }));
  ol.scrollTop = ol.scrollHeight;
  $(".timeline summary", el).textContent = u.onboarding.state === "onboarding" ? "Onboarding timeline (live)" : `Onboarding timeline: ${u.onboarding.state === "refused" ? `refused (${u.onboarding.reason})` : u.onboarding.state}`;

  const operational = u.onboarding.state === "success";
  const entities = u.about ? u.about.entities : [];
  const key = entities.map((e) => `${e.name}:${e.type}:${e.unit}:${controlKind(e, u.values[e.name])}`).join("|");
  if (key !== card.entitiesKey) { card.entitiesKey = key; buildControls(card, u, entities); }
  updateControls(card, u);
  $(".controls", el).hidden = !operational || entities.length === 0;
  $(".rename", el).hidden = !operational;
  $(".about-button", el).hidden = !operational;
  $(".remove-button", el).hidden = !operational || !$(".confirm-remove", el).hidden;
  $(".forget-button", el).hidden = operational || u.onboarding.state === "onboarding";
  if (u.onboarding.state === "removed") $(".about", el).hidden = true;

  if (u.about) {
    const dl = $(".about dl", el);
    const rows = [
      ["Name", u.about.deviceName || "(not named)"], ["Device id", u.deviceId], ["Type", u.deviceType], ["Groups", u.about.groups.join(", ") || "none"],
      ["Firmware", u.about.fwVersion], ["Status", u.about.status], ["Entities", u.about.entities.map((e) => `${e.name} (${e.type}${e.unit ? `, ${e.unit}` : ""})`).join(", ")],
      ["Answered", clock(u.about.at)],
    ];
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k;
      dd.textContent = v;
      return [dt, dd];
    }));
    // Fill the rename form with the stored name once per change, never over what someone is typing.
    const form = $(".rename", el);
    const stored = `${u.about.deviceName}|${u.about.groups.join(",")}`;
    if (stored !== card.renameFilled && !form.contains(document.activeElement)) {
      card.renameFilled = stored;
      form.name.value = u.about.deviceName;
      form.groups.value = u.about.groups.join(", ");
    }
  }
  refreshGroups();
  $("#no-units").hidden = cards.size > 0;
}

function drop(deviceId) {
  const card = cards.get(deviceId);
  if (card) card.el.remove();
  cards.delete(deviceId);
  units.delete(deviceId);
  refreshGroups();
  $("#no-units").hidden = cards.size > 0;
}

function refreshGroups() {
  const select = $("#group-filter");
  const all = new Set();
  for (const u of units.values()) for (const g of (u.about ? u.about.groups : [])) all.add(g);
  const want = ["", ...[...all].sort()];
  const have = [...select.options].map((o) => o.value);
  if (want.join("\n") !== have.join("\n")) {
    const current = select.value;
    select.replaceChildren(...want.map((g) => new Option(g === "" ? "all units" : `group ${g}`, g)));
    select.value = want.includes(current) ? current : "";
  }
  const g = select.value;
  for (const [, card] of cards) card.el.hidden = g !== "" && !card.el.dataset.groups.split(",").includes(g);
}
$("#group-filter").addEventListener("change", refreshGroups);

connect();
