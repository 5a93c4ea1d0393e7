// The report page: filters, totals per event, plots and the evidence behind every total.
// The data (script#report-data) are columns of events and of evidence records, strings as
// indices into tables (relief_ner/report/page.py).
"use strict";

(function () {
  const D = JSON.parse(document.getElementById("report-data").textContent);
  const E = D.events, V = D.evidence;
  const N = E.id.length;
  const TOP = 15;           // bars per "top" plot and rows per matrix side
  const EVIDENCE_PAGE = 100; // events listed at once in the evidence panel
  const DAY_MS = 86400000;
  const state = { from: null, to: null, pr: -1, rr: -1, undated: true };
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ formatting
  const fmtInt = new Intl.NumberFormat("en-US");
  const fmtWan = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const wan = (yuan) => yuan / 10000;
  const money = (yuan) => fmtWan.format(wan(yuan)) + " 万元";
  const dayText = (day) => (day < 0 ? "no date" : new Date(day * DAY_MS).toISOString().slice(0, 10));
  const dayOf = (value) => (value ? Math.floor(Date.parse(value + "T00:00:00Z") / DAY_MS) : null);
  const MU = 10000 / 15;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // --------------------------------------------------------------------- filters
  function selected() {
    const out = [];
    for (let i = 0; i < N; i++) {
      const day = E.day[i];
      if (day < 0) {
        if (!state.undated) continue;
      } else {
        if (state.from !== null && day < state.from) continue;
        if (state.to !== null && day > state.to) continue;
      }
      if (state.pr >= 0 && E.pr[i] !== state.pr) continue;
      if (state.rr >= 0 && E.rr[i] !== state.rr) continue;
      out.push(i);
    }
    return out;
  }

  function group(indices, keyOf) {
    const groups = new Map();
    for (const i of indices) {
      const key = keyOf(i);
      if (key === null || key === undefined) continue;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, events: [], money: 0, area: 0, records: 0 }));
      g.events.push(i);
      g.money += E.money[i] || 0;
      g.area += E.area[i] || 0;
      g.records += E.nrec[i];
    }
    return [...groups.values()];
  }

  const byMoney = (a, b) => b.money - a.money || b.events.length - a.events.length;

  // -------------------------------------------------------------------- evidence
  let evidenceShown = { label: "", events: [], shown: 0 };

  function showEvidence(label, events) {
    evidenceShown = { label, events: events.slice().sort((a, b) => (E.money[b] || 0) - (E.money[a] || 0)), shown: 0 };
    $("evidence-title").textContent = `Evidence: ${label} (${fmtInt.format(events.length)} events)`;
    $("evidence-hint").hidden = true;
    $("evidence-list").replaceChildren();
    moreEvidence();
    $("evidence").scrollIntoView({ block: "start" });
  }

  function moreEvidence() {
    const list = $("evidence-list");
    const { events, shown } = evidenceShown;
    for (const i of events.slice(shown, shown + EVIDENCE_PAGE)) list.append(eventItem(i));
    evidenceShown.shown = Math.min(events.length, shown + EVIDENCE_PAGE);
    const rest = events.length - evidenceShown.shown;
    $("evidence-more").hidden = rest <= 0;
    $("evidence-more").textContent = `show more (${fmtInt.format(rest)} left)`;
  }

  function amountText(i) {
    const parts = [];
    if (E.money[i] !== null) parts.push(money(E.money[i]));
    if (E.area[i] !== null) parts.push(fmtWan.format(E.area[i] / MU) + " 亩");
    E.cu[i].forEach((u, k) => parts.push(fmtWan.format(E.cv[i][k]) + D.units[u]));
    return parts.join(", ");
  }

  function eventItem(i) {
    const sources = el("ul", { class: "sources" });
    for (let k = E.src[i]; k < E.src[i] + E.nsrc[i]; k++) {
      const url = V.url[k] >= 0 ? D.urls[V.url[k]] : null;
      const title = V.title[k] >= 0 ? D.titles[V.title[k]] : null;
      const where = el("span", { class: "where" }, `${dayText(V.day[k])} · ${D.docs[V.doc[k]]}`,
        title ? ` · ${title}` : null);
      const link = url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url) : null;
      sources.append(el("li", {}, el("span", { class: "sentence" }, V.sent[k]), where, link ? " · " : null, link));
    }
    const head = el("div", { class: "event-head" },
      `${D.parties[E.p[i]] || "?"} → ${D.parties[E.r[i]] || "?"}: ${amountText(i)} `,
      el("span", { class: "meta" }, `(${dayText(E.day[i])}; ${D.regions[E.pr[i]]} → ${D.regions[E.rr[i]]}; ` +
        `${E.ndoc[i]} report${E.ndoc[i] === 1 ? "" : "s"}; ${E.id[i]})`));
    return el("li", { "data-event": E.id[i] }, head, sources);
  }

  function evidenceLink(text, label, events) {
    return el("a", { href: "#evidence", class: "evidence-link", onclick: (ev) => { ev.preventDefault(); showEvidence(label, events); } }, text);
  }

  // ---------------------------------------------------------------------- tables
  function table(id, columns, rows) {
    const head = el("tr", {}, ...columns.map((c) => el("th", { class: c.num ? "num" : "" }, c.title)));
    const body = rows.map((row) => el("tr", {}, ...columns.map((c) => el("td", { class: c.num ? "num" : "" }, c.cell(row)))));
    const box = $(id);
    box.replaceChildren(rows.length ? el("table", {}, el("thead", {}, head), el("tbody", {}, ...body))
      : el("p", { class: "empty" }, "nothing in this selection"));
  }

  const colEvents = (label) => ({ title: "events", num: true, cell: (g) => evidenceLink(fmtInt.format(g.events.length), label(g), g.events) });
  const colMoney = (label) => ({ title: "money (万元)", num: true, cell: (g) => evidenceLink(fmtWan.format(wan(g.money)), label(g), g.events) });

  // ----------------------------------------------------------------------- plots
  const CONFIG = { displaylogo: false, responsive: true };
  const LAYOUT = { margin: { l: 60, r: 20, t: 10, b: 60 }, font: { size: 11 } };

  function bars(id, groups, label, opts) {
    const horizontal = opts && opts.horizontal;
    const x = groups.map((g) => label(g)), y = groups.map((g) => (opts && opts.value ? opts.value(g) : wan(g.money)));
    const trace = horizontal
      ? { type: "bar", orientation: "h", y: x.slice().reverse(), x: y.slice().reverse(), marker: { color: "#3a6ea5" } }
      : { type: "bar", x, y, marker: { color: "#3a6ea5" } };
    trace.hovertemplate = `%{${horizontal ? "y" : "x"}}: %{${horizontal ? "x" : "y"}:,.1f} ${(opts && opts.unit !== undefined) ? opts.unit : "万元"}<extra></extra>`;
    const unit = (opts && opts.unit !== undefined) ? opts.unit : "万元";
    const layout = Object.assign({}, LAYOUT, horizontal
      ? { margin: { l: 220, r: 20, t: 10, b: 40 }, yaxis: { automargin: true }, xaxis: { title: { text: unit } } }
      : { xaxis: { type: "category" }, yaxis: { title: { text: unit } } });
    const node = $(id);
    const ordered = horizontal ? groups.slice().reverse() : groups;
    Plotly.react(node, [trace], layout, CONFIG).then(() => {
      node.removeAllListeners && node.removeAllListeners("plotly_click");
      node.on("plotly_click", (ev) => {
        const g = ordered[ev.points[0].pointIndex];
        if (g) showEvidence(label(g), g.events);
      });
    });
  }

  function flows(indices) {
    const all = group(indices, (i) => E.pr[i] + ":" + E.rr[i]);
    const provider = group(indices, (i) => E.pr[i]).sort(byMoney).slice(0, TOP).map((g) => g.key);
    const recipient = group(indices, (i) => E.rr[i]).sort(byMoney).slice(0, TOP).map((g) => g.key);
    const cells = new Map(all.map((g) => [g.key, g]));
    // Amounts span orders of magnitude: the colour follows log10(万元), the hover the amount.
    const cell = (p, r) => { const g = cells.get(p + ":" + r); return g && g.money ? wan(g.money) : null; };
    const amounts = provider.map((p) => recipient.map((r) => cell(p, r)));
    const z = amounts.map((row) => row.map((v) => (v === null ? null : Math.log10(Math.max(v, 0.01)))));
    const label = (g) => `${D.regions[E.pr[g.events[0]]]} → ${D.regions[E.rr[g.events[0]]]}`;
    const node = $("plot-flows");
    const trace = {
      type: "heatmap", z, customdata: amounts, x: recipient.map((r) => D.regions[r]), y: provider.map((p) => D.regions[p]),
      colorscale: [[0, "#e3eef9"], [0.5, "#6a9fd0"], [1, "#08306b"]], hoverongaps: false, xgap: 1, ygap: 1,
      hovertemplate: "%{y} → %{x}: %{customdata:,.1f} 万元<extra></extra>",
      colorbar: { title: { text: "log₁₀ 万元" } },
    };
    const layout = Object.assign({}, LAYOUT, {
      margin: { l: 110, r: 20, t: 10, b: 110 },
      xaxis: { title: { text: "recipient region" }, type: "category", automargin: true },
      yaxis: { title: { text: "provider region" }, type: "category", autorange: "reversed", automargin: true },
    });
    Plotly.react(node, [trace], layout, CONFIG).then(() => {
      node.removeAllListeners && node.removeAllListeners("plotly_click");
      node.on("plotly_click", (ev) => {
        const pt = ev.points[0];
        const g = cells.get(provider[pt.pointIndex[0]] + ":" + recipient[pt.pointIndex[1]]);
        if (g) showEvidence(label(g), g.events);
      });
    });
    table("table-flows", [
      { title: "provider region", cell: (g) => D.regions[E.pr[g.events[0]]] },
      { title: "recipient region", cell: (g) => D.regions[E.rr[g.events[0]]] },
      colEvents(label), colMoney(label),
    ], all.sort(byMoney));
  }

  // ----------------------------------------------------------------------- render
  function render() {
    const idx = selected();
    let total = 0, area = 0, records = 0;
    const docs = new Set();
    for (const i of idx) {
      total += E.money[i] || 0; area += E.area[i] || 0; records += E.nrec[i];
      for (let k = E.src[i]; k < E.src[i] + E.nsrc[i]; k++) docs.add(V.doc[k]);
    }
    const card = (name, value, label, events) => {
      const a = evidenceLink("", label, events);
      a.id = "total-" + name;
      a.append(el("span", { class: "value" }, value), el("span", { class: "label" }, label));
      return a;
    };
    const withMoney = idx.filter((i) => E.money[i] !== null);
    const withArea = idx.filter((i) => E.area[i] !== null);
    $("summary").replaceChildren(
      card("events", fmtInt.format(idx.length), "events", idx),
      card("records", fmtInt.format(records), "records (reports of them)", idx),
      card("documents", fmtInt.format(docs.size), "documents", idx),
      card("money", money(total), "money (events with an amount)", withMoney),
      card("area", fmtWan.format(area / MU) + " 亩", "area", withArea),
    );

    flows(idx);

    const months = group(idx, (i) => (E.month[i] >= 0 ? E.month[i] : null)).sort((a, b) => a.key - b.key);
    bars("plot-months", months, (g) => D.months[g.key]);

    const years = group(idx, (i) => (E.month[i] >= 0 ? D.months[E.month[i]].slice(0, 4) : null)).sort((a, b) => (a.key < b.key ? -1 : 1));
    bars("plot-years", years, (g) => g.key);
    table("table-years", [{ title: "year", cell: (g) => g.key }, colEvents((g) => g.key), colMoney((g) => g.key)], years);

    for (const [name, side] of [["providers", "p"], ["recipients", "r"]]) {
      const groups = group(idx, (i) => E[side][i]).sort(byMoney);
      const label = (g) => D.parties[g.key] || "(none)";
      bars("plot-" + name, groups.slice(0, TOP), label, { horizontal: true });
      table("table-" + name, [{ title: name.slice(0, -1), cell: label }, colEvents(label), colMoney(label)], groups.slice(0, 200));
    }

    const units = new Map();
    for (const i of idx) {
      E.cu[i].forEach((u, k) => {
        let g = units.get(u);
        if (!g) units.set(u, (g = { key: u, events: [], total: 0, money: 0 }));
        if (g.events[g.events.length - 1] !== i) g.events.push(i);
        g.total += E.cv[i][k];
      });
    }
    const unitGroups = [...units.values()].sort((a, b) => b.events.length - a.events.length);
    const unitLabel = (g) => D.units[g.key] || "(no unit)";
    bars("plot-units", unitGroups, unitLabel, { value: (g) => g.total, unit: "total" });
    table("table-units", [{ title: "measure word", cell: unitLabel }, colEvents(unitLabel),
      { title: "total", num: true, cell: (g) => evidenceLink(fmtWan.format(g.total), unitLabel(g), g.events) }], unitGroups);

    const areas = group(withArea, (i) => E.rr[i]).sort((a, b) => b.area - a.area);
    const areaLabel = (g) => D.regions[g.key];
    bars("plot-areas", areas.slice(0, TOP), areaLabel, { value: (g) => g.area / MU, unit: "亩" });
    table("table-areas", [{ title: "recipient region", cell: areaLabel }, colEvents(areaLabel),
      { title: "area (亩)", num: true, cell: (g) => evidenceLink(fmtWan.format(g.area / MU), areaLabel(g), g.events) }], areas);
    document.body.dataset.rendered = String(idx.length);
  }

  // ------------------------------------------------------------------------ setup
  function options(select, values) {
    select.replaceChildren(el("option", { value: "-1" }, "all"),
      ...values.map((v, i) => [v, i]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([v, i]) => el("option", { value: String(i) }, v)));
  }

  function setup() {
    const days = E.day.filter((d) => d >= 0);
    const first = days.length ? days.reduce((a, b) => Math.min(a, b)) : -1;
    const last = days.length ? days.reduce((a, b) => Math.max(a, b)) : -1;
    $("about").textContent = `${fmtInt.format(N)} events from ${D.source}` +
      (days.length ? `, published ${dayText(first)} to ${dayText(last)}` : "") +
      `; one event per story (records of the same provider, recipient and amount at most ${D.rule.max_days} days apart). Generated ${D.generated}.`;
    options($("f-pr"), D.regions);
    options($("f-rr"), D.regions);
    if (days.length) {
      for (const id of ["f-from", "f-to"]) { $(id).min = dayText(first); $(id).max = dayText(last); }
    }
    const update = () => {
      state.from = dayOf($("f-from").value);
      state.to = dayOf($("f-to").value);
      state.pr = Number($("f-pr").value);
      state.rr = Number($("f-rr").value);
      state.undated = $("f-undated").checked;
      render();
    };
    for (const id of ["f-from", "f-to", "f-pr", "f-rr", "f-undated"]) $(id).addEventListener("change", update);
    $("f-reset").addEventListener("click", () => {
      $("f-from").value = ""; $("f-to").value = ""; $("f-pr").value = "-1"; $("f-rr").value = "-1";
      $("f-undated").checked = true;
      update();
    });
    $("evidence-more").addEventListener("click", moreEvidence);
    render();
  }

  setup();
})();
