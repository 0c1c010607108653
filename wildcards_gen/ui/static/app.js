// wildcards-gen web UI: plain JavaScript talking to the server's JSON API (no build step).
"use strict";

const $ = (id) => document.getElementById(id);
const FINISHED = ["done", "failed", "cancelled"];
const current = { generate: null, arrange: null, check: null }; // the job each screen shows
let info = null;

// -- talking to the server ----------------------------------------------------------------------

async function api(method, path, body, query) {
  const url = path + (query ? "?" + new URLSearchParams(query) : "");
  const options = { method, credentials: "same-origin", headers: {} };
  if (method === "POST") {
    options.headers["X-Wildcards-Gen"] = "1";
    if (body instanceof Blob || typeof body === "string") {
      options.body = body;
      options.headers["Content-Type"] = "application/octet-stream";
    } else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    throw new Error("the server does not answer (is wildcards-gen ui still running?)");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    throw new Error(`the server answered HTTP ${response.status} without a readable message`);
  }
  if (!response.ok) throw new Error(data && data.error ? data.error : `HTTP ${response.status}`);
  return data;
}

function showMessage(screen, text) {
  const box = $(`${screen}-message`);
  box.textContent = text || "";
  box.hidden = !text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const fmt = (n) => Number(n).toLocaleString("en-US");

// -- jobs: start, follow (long polling), cancel ---------------------------------------------------

// Requests start one after another (the server cancels a session's older job when a newer one
// arrives, so it must see them in order), and a screen follows only the newest one.
const tickets = { generate: 0, arrange: 0, check: 0 };
let starting = Promise.resolve();

function start(screen, request) {
  const ticket = ++tickets[screen];
  showMessage(screen, "");
  const begun = starting.then(() => (ticket === tickets[screen] ? request() : null));
  starting = begun.catch(() => null);
  begun.then(
    (status) => {
      if (status === null || ticket !== tickets[screen]) return;
      current[screen] = status.id;
      follow(screen, status);
    },
    (err) => {
      if (ticket !== tickets[screen]) return;
      current[screen] = null;
      showStatus(screen, null);
      showMessage(screen, err.message);
    },
  );
}

async function follow(screen, status) {
  while (current[screen] === status.id && !FINISHED.includes(status.state)) {
    showStatus(screen, status);
    try {
      status = await api("GET", `/api/jobs/${status.id}`, undefined, { after: status.version });
    } catch (err) {
      if (current[screen] === status.id) {
        showStatus(screen, null);
        showMessage(screen, err.message);
      }
      return;
    }
  }
  if (current[screen] !== status.id) return; // a newer request took over
  showStatus(screen, null);
  if (status.state === "done") RENDER[screen](status);
  else if (status.state === "failed") showMessage(screen, status.error);
  else showMessage(screen, `Cancelled${status.error && status.error !== "cancelled" ? ": " + status.error : "."}`);
}

function showStatus(screen, status) {
  const box = $(`${screen}-status`);
  if (!status) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const p = status.progress || {};
  let text = p.phase || "Working";
  if (p.total) text += `: ${fmt(p.done)} / ${fmt(p.total)}`;
  else if (p.done) text += `: ${fmt(p.done)}`;
  box.querySelector(".phase").textContent = text + "…";
  const bar = box.querySelector("progress");
  if (p.total) {
    bar.max = p.total;
    bar.value = p.done;
  } else bar.removeAttribute("value");
  box.querySelector(".cancel").onclick = async () => {
    try {
      await api("POST", `/api/jobs/${status.id}/cancel`);
    } catch (err) {
      showMessage(screen, err.message);
    }
  };
}

function downloadLink(id, job, what) {
  $(id).href = `/api/jobs/${job}/download/${what}`;
}

// -- the tree (lazy: a key's children are built when it is opened) -------------------------------

function renderTree(container, nodes) {
  container.replaceChildren(...nodes.map(treeNode));
}

function treeNode(node) {
  const summary = el(
    "summary",
    {},
    el("span", { class: "key", text: node.name }),
    el("span", { class: "n", text: `${fmt(node.count)} item${node.count === 1 ? "" : "s"}` }),
    node.instruction ? el("span", { class: "instruction", text: node.instruction }) : null,
  );
  const details = el("details", { "data-key": node.name }, summary);
  details.node = node;
  details.addEventListener("toggle", () => fill(details));
  return details;
}

function fill(details) {
  if (details.filled) return;
  details.filled = true;
  const node = details.node;
  for (const child of node.children) details.append(treeNode(child));
  if (node.items.length) {
    const list = el("ul", { class: "items" }, ...node.items.map((item) => el("li", { text: item })));
    if (node.more) list.append(el("li", { class: "more", text: `… and ${fmt(node.more)} more` }));
    details.append(list);
  }
}

function setOpen(container, open) {
  const stack = [...container.querySelectorAll(":scope > details")];
  while (stack.length) {
    const details = stack.pop();
    if (open) {
      fill(details);
      stack.push(...details.querySelectorAll(":scope > details"));
    } else if (details.filled) stack.push(...details.querySelectorAll(":scope > details"));
    details.open = open;
  }
}

// -- the WordNet search for roots and categories --------------------------------------------------

function attachSearch(input, onPick) {
  const list = input.parentElement.querySelector(".suggestions");
  const multiple = input.dataset.search === "multiple";
  let timer = null;
  let asked = 0;
  const hide = () => (list.hidden = true);
  const lastPart = () => (multiple ? input.value.split(",").pop() : input.value).trim();
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = lastPart();
      const ticket = ++asked;
      if (!q) return hide();
      let data;
      try {
        data = await api("GET", "/api/wordnet", undefined, { q });
      } catch (err) {
        return hide();
      }
      if (ticket !== asked) return;
      list.replaceChildren(
        ...data.matches.map((m) => {
          const item = el(
            "li",
            { "data-wnid": m.wnid },
            el("b", { text: m.name }),
            ` ${m.wnid} · ${m.lemmas.slice(0, 3).join(", ")}`,
            el("span", { class: "how", text: m.how === "exact" || m.how === "name" ? "" : `(${m.how})` }),
            el("span", { class: "gloss", text: m.gloss }),
          );
          item.addEventListener("mousedown", (event) => {
            event.preventDefault();
            pick(m);
          });
          return item;
        }),
      );
      list.hidden = data.matches.length === 0;
    }, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" || event.key === "Enter") {
      clearTimeout(timer);
      asked++;
      hide();
    }
  });
  input.addEventListener("blur", () => setTimeout(hide, 100));
  function pick(match) {
    if (multiple) {
      const parts = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      parts.pop();
      parts.push(match.wnid);
      input.value = parts.join(", ");
    } else input.value = match.wnid;
    const chosen = input.parentElement.querySelector(".chosen");
    if (chosen) chosen.textContent = `${match.name}: ${match.gloss}`;
    hide();
    onPick();
  }
}

// -- Generate -------------------------------------------------------------------------------------

function dataset() {
  return info.datasets.find((d) => d.name === $("g-dataset").value);
}

function fillSelect(select, values, withDefault) {
  select.replaceChildren(
    ...(withDefault ? [el("option", { value: "", text: withDefault })] : []),
    ...values.map((v) => el("option", { value: v.name || v, text: v.label || v.name || v })),
  );
}

function showDataset() {
  const ds = dataset();
  $("g-dataset-help").textContent = ds ? `${ds.help} (plugin ${ds.plugin})` : "";
  const box = $("g-dataset-options");
  box.replaceChildren();
  if (!ds) return;
  for (const o of ds.options) box.append(optionField(o));
  fillSelect($("g-preset"), ds.presets);
  $("g-preset").value = ds.default_preset;
  showPreset();
  for (const input of box.querySelectorAll("input[data-search]")) attachSearch(input, scheduleGenerate);
}

function optionField(o) {
  const id = `g-opt-${o.name}`;
  const title = `${o.flag}${o.help ? ": " + o.help : ""}`;
  if (o.kind === "flag") {
    const box = el("input", { type: "checkbox", id, "data-option": o.name, "data-kind": "flag" });
    box.checked = o.default === true;
    return el("label", { class: "check", title }, box, ` ${o.flag}`);
  }
  const label = el("label", { for: id, title, text: o.root ? "Root (WNID, synset or name)" : o.flag });
  let field;
  if (o.kind === "choice") {
    field = el("select", { id, "data-option": o.name, "data-kind": "choice" });
    fillSelect(field, o.choices, "(default)");
    if (o.default) field.value = o.default;
  } else {
    field = el("input", {
      type: o.kind === "number" ? "number" : "text",
      id,
      "data-option": o.name,
      "data-kind": o.multiple ? "multiple" : "text",
      placeholder: o.multiple ? "comma-separated" : o.default === null ? "" : String(o.default),
      "data-search": o.root ? (o.multiple ? "multiple" : "single") : null,
    });
  }
  const help = el("p", { class: "help", text: o.help });
  if (o.root) {
    return el("div", {}, label, el("div", { class: "search" }, field, el("ul", { class: "suggestions", hidden: true }), el("div", { class: "chosen" })), help);
  }
  return el("div", {}, label, field, help);
}

function showPreset() {
  const ds = dataset();
  const preset = ds && ds.presets.find((p) => p.name === $("g-preset").value);
  for (const [name, id] of [["min_depth", "g-min-depth"], ["min_hyponyms", "g-min-hyponyms"], ["min_leaf", "g-min-leaf"]]) {
    $(id).placeholder = preset ? String(preset[name]) : "";
  }
  const smart = $("g-smart").checked;
  for (const id of ["g-preset", "g-min-depth", "g-min-hyponyms", "g-min-leaf"]) $(id).disabled = !smart;
}

function numberOrEmpty(id) {
  const value = $(id).value.trim();
  return value === "" ? "" : value;
}

function generateForm() {
  const options = {};
  for (const field of $("g-dataset-options").querySelectorAll("[data-option]")) {
    const kind = field.dataset.kind;
    if (kind === "flag") options[field.dataset.option] = field.checked;
    else if (field.value.trim() !== "") options[field.dataset.option] = field.value.trim();
  }
  return {
    dataset: $("g-dataset").value,
    smart: $("g-smart").checked,
    preset: $("g-preset").value,
    min_depth: numberOrEmpty("g-min-depth"),
    min_hyponyms: numberOrEmpty("g-min-hyponyms"),
    min_leaf: numberOrEmpty("g-min-leaf"),
    depth: numberOrEmpty("g-depth"),
    glosses: $("g-glosses").checked,
    semantic_arrange: $("g-semantic-arrange").checked,
    embedder: $("g-embedder").value,
    target: $("g-target").value,
    key_style: $("g-key-style").value,
    options,
  };
}

function runGenerate() {
  start("generate", () => api("POST", "/api/generate", generateForm()));
}

let generateTimer = null;
function scheduleGenerate() {
  if (!$("g-live").checked) return;
  clearTimeout(generateTimer);
  generateTimer = setTimeout(runGenerate, 350);
}

function renderGenerate(status) {
  const r = status.result;
  $("generate-empty").hidden = true;
  $("generate-result").hidden = false;
  const c = r.counts;
  $("generate-counts").replaceChildren(
    ...[
      [c.categories, "categories"],
      [c.items, "items"],
      [c.removals, "removals"],
      [c.rewrites, "rewrites"],
      [c.collisions, "collisions"],
    ].map(([n, what]) => el("li", { "data-count": what }, el("b", { text: fmt(n) }), ` ${what}`)),
    el("li", { class: "muted", text: `${status.seconds.toFixed(2)} s` }),
  );
  $("generate-cli").textContent = status.cli;
  $("generate-export-cli").textContent = status.notes.export_cli || "";
  for (const what of ["yaml", "jsonl", "zip", "report"]) downloadLink(`generate-download-${what}`, status.id, what);
  renderTree($("generate-tree"), r.tree);
}

// -- Arrange --------------------------------------------------------------------------------------

function runArrange() {
  const file = $("a-file").files[0];
  const text = $("a-text").value;
  const query = {
    name: file ? file.name : `${$("a-name").value.trim() || "items"}.txt`,
    category: $("a-category").value.trim(),
    embedder: $("a-embedder").value,
    target: $("a-target").value,
    key_style: $("a-key-style").value,
  };
  if (!file && !text.trim()) {
    showMessage("arrange", "Paste a list or choose a file first.");
    return;
  }
  start("arrange", () => api("POST", "/api/arrange", file || text, query));
}

function renderArrange(status) {
  const r = status.result;
  const c = r.counts;
  $("arrange-empty").hidden = true;
  $("arrange-result").hidden = false;
  $("arrange-counts").replaceChildren(
    el("li", {}, el("b", { text: fmt(c.terms) }), " terms"),
    el("li", {}, el("b", { text: fmt(c.arranged) }), ` of ${fmt(c.lists)} list${c.lists === 1 ? "" : "s"} arranged`),
    el("li", {}, el("b", { text: fmt(c.groups) }), " groups"),
    el("li", {}, el("b", { text: fmt(c.ambiguous) }), " ambiguous"),
    el("li", {}, el("b", { text: fmt(c.unknown) }), " unknown to WordNet"),
    el("li", { class: "muted", text: `${status.seconds.toFixed(2)} s` }),
  );
  if (c.too_short.length) {
    showMessage("arrange", `${c.too_short.join(", ")}: fewer terms than --semantic-arrange-min-items; written unchanged.`);
  }
  $("arrange-cli").textContent = status.cli;
  downloadLink("arrange-download-yaml", status.id, "yaml");
  renderTree($("arrange-tree"), r.tree);
  const total = r.tree.reduce((sum, node) => sum + node.count, 0);
  if (total <= 300) setOpen($("arrange-tree"), true);
  else for (const d of $("arrange-tree").querySelectorAll(":scope > details")) d.open = true;
  $("arrange-yaml").textContent = r.yaml;
}

// -- Check ----------------------------------------------------------------------------------------

const READERS = {
  dynamicprompts: "Dynamic Prompts",
  impact: "ComfyUI Impact Pack",
  "impact-ondemand": "Impact Pack on-demand mode",
  generator: "wildcards-generator web app",
};

function runCheck() {
  const file = $("c-file").files[0];
  if (!file) {
    showMessage("check", "Choose a file to check first.");
    return;
  }
  start("check", () => api("POST", "/api/check", file, { name: file.name, target: $("c-target").value }));
}

function renderCheck(status) {
  const r = status.result;
  $("check-empty").hidden = true;
  $("check-result").hidden = false;
  const summary = $("check-summary");
  const files = `${r.files.length} file${r.files.length === 1 ? "" : "s"}`;
  summary.textContent =
    r.errors || r.warnings
      ? `${fmt(r.errors)} error${r.errors === 1 ? "" : "s"}, ${fmt(r.warnings)} warning${r.warnings === 1 ? "" : "s"} in ${files}`
      : `${files}: clean for every reader checked`;
  summary.classList.toggle("clean", !r.errors && !r.warnings);
  $("check-cli").textContent = status.cli;
  const sections = Object.entries(r.by_reader).map(([reader, findings]) =>
    el(
      "section",
      { class: "reader", "data-reader": reader },
      el("h3", { text: `${READERS[reader] || reader}: ${fmt(findings.length)} finding${findings.length === 1 ? "" : "s"}` }),
      el(
        "table",
        {},
        ...findings.map((f) =>
          el(
            "tr",
            { "data-code": f.code },
            el("td", { class: "where", text: `${f.file}:${f.line}:${f.column}` }),
            el("td", { class: f.severity, text: f.severity }),
            el("td", {}, el("code", { text: f.code })),
            el("td", { text: (f.path ? f.path + ": " : "") + f.message }),
          ),
        ),
      ),
    ),
  );
  $("check-readers").replaceChildren(...sections);
  $("check-text").textContent = r.text;
}

const RENDER = { generate: renderGenerate, arrange: renderArrange, check: renderCheck };

// -- the page -------------------------------------------------------------------------------------

function showScreen(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.screen === name;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    $(`screen-${tab.dataset.screen}`).hidden = !on;
  }
}

async function init() {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => showScreen(tab.dataset.screen));
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = $(button.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (err) {
        window.getSelection().selectAllChildren($(button.dataset.copy));
        button.textContent = "Selected";
      }
      setTimeout(() => (button.textContent = "Copy"), 1500);
    });
  }
  try {
    info = await api("GET", "/api/info");
  } catch (err) {
    const box = $("global-message");
    box.textContent = err.message;
    box.hidden = false;
    return;
  }
  $("version").textContent = `v${info.version}`;
  if (!info.datasets.length) {
    showMessage("generate", "No datasets installed: install a plugin, e.g. pip install wildcards-gen-imagenet.");
  }
  fillSelect($("g-dataset"), info.datasets);
  const embedders = info.embedders.map((e) => ({ name: e.name, label: e.name }));
  for (const id of ["g-embedder", "a-embedder"]) fillSelect($(id), embedders, "(default)");
  for (const id of ["g-target", "a-target"]) fillSelect($(id), info.targets);
  for (const id of ["g-key-style", "a-key-style"]) fillSelect($(id), info.key_styles);
  fillSelect($("c-target"), info.check_targets);
  for (const id of ["g-target", "a-target", "c-target"]) $(id).value = "all";
  showDataset();

  const form = $("generate-form");
  $("g-dataset").addEventListener("change", showDataset);
  $("g-smart").addEventListener("change", showPreset);
  $("g-preset").addEventListener("change", showPreset);
  form.addEventListener("change", (event) => {
    if (event.target.id !== "g-live") scheduleGenerate();
  });
  form.addEventListener("input", (event) => {
    if (event.target.type === "number") scheduleGenerate();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(generateTimer);
    runGenerate();
  });
  $("generate-expand").addEventListener("click", () => setOpen($("generate-tree"), true));
  $("generate-collapse").addEventListener("click", () => setOpen($("generate-tree"), false));

  attachSearch($("a-category"), () => {});
  $("arrange-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runArrange();
  });
  $("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runCheck();
  });
  $("c-file").addEventListener("change", runCheck);
  $("c-target").addEventListener("change", () => $("c-file").files[0] && runCheck());
}

document.addEventListener("DOMContentLoaded", init);
