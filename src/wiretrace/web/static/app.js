// wiretrace web pages: every view is drawn from the JSON API under /api/.
// Document text only ever reaches the page as text nodes (textContent), never as markup,
// so a document holding <script> or onerror= attributes shows them and runs nothing.
(function () {
  "use strict";

  const view = document.getElementById("view");
  let info = null;

  // -- small helpers ----------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function link(href, ...children) {
    return el("a", { href }, ...children);
  }

  function docHref(id) {
    return "/documents/" + encodeURIComponent(id);
  }

  function compareHref(a, b) {
    return "/compare?" + new URLSearchParams({ a, b }).toString();
  }

  function percent(x) {
    return x === null || x === undefined ? "–" : Math.round(x * 100) + "%";
  }

  function safeUrl(url) {
    // Only web addresses become links: a javascript: or data: URL in a document stays text.
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  class ApiError extends Error {}

  async function api(path, options) {
    const response = await fetch(path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      let detail = body && body.detail;
      if (Array.isArray(detail)) detail = detail.map((d) => d.msg).join("; ");
      throw new ApiError(detail || response.status + " " + response.statusText);
    }
    return { body, response };
  }

  function setView(title, ...children) {
    document.title = title ? title + " · wiretrace" : "wiretrace";
    view.replaceChildren(...children);
  }

  function problem(message) {
    return el("p", { class: "error", role: "alert" }, message);
  }

  function status(message) {
    return el("p", { class: "muted status" }, message);
  }

  // -- the compare report -------------------------------------------------------------------
  function renderReport(report, permalink) {
    const v = report.verdict;
    const source = v.source === "a" || v.source === "b" ? v.source : null;
    const sourceName = source ? source + " (" + report[source].id + ")" : "unknown";
    const header = el(
      "header",
      { class: "report-head" },
      el("h1", {}, report.a.id + " ↔ " + report.b.id),
      el(
        "div",
        { class: "verdict", id: "verdict" },
        el("span", {}, el("b", {}, "derived"), v.derived),
        el("span", {}, el("b", {}, "original"), sourceName),
        el("span", {}, el("b", {}, "containment"), percent(v.containment)),
        el("span", {}, el("b", {}, "coverage"), percent(v.coverage)),
        el("span", {}, el("b", {}, "credit"), v.credit || "none found"),
      ),
      el("p", { class: "explanation" }, v.explanation),
      legend(),
      permalink ? el("p", { class: "permalink" }, "Permalink: ", link(permalink, location.origin + permalink)) : null,
    );
    const sides = el("main", { id: "sides" }, column(report, "a", source), column(report, "b", source));
    const wrapper = el("div", { class: "report" }, header, sides, facts(report));
    wireHighlights(wrapper, report);
    return wrapper;
  }

  function legend() {
    const labels = (info && info.labels) || {};
    return el(
      "div",
      { class: "legend", "aria-label": "legend" },
      Object.entries(labels).map(([name, label]) => el("span", { class: "lab-" + name, title: label.meaning }, name)),
    );
  }

  function column(report, side, source) {
    const doc = report[side];
    const labels = {};
    const marks = {};
    const unitAt = (offset) => doc.units.find((u) => u.start <= offset && offset < u.end);
    for (const l of report.links) {
      for (const i of l[side]) labels[i] = l.label;
      for (const span of l.spans) {
        const [start, end] = span[side];
        const unit = unitAt(start);
        if (unit) (marks[unit.index] = marks[unit.index] || []).push([start, end, "mark"]);
      }
    }
    for (const part of (report.left_out && report.left_out[side]) || []) {
      (marks[part.unit] = marks[part.unit] || []).push([part.start, part.end, "leftout"]);
    }
    const role = source === side ? "original" : source ? "rewrite" : "";
    const units = doc.units.map((unit) => {
      const story = unit.role === "body" || unit.role === "list-item";
      const label = labels[unit.index] || (source === side && story ? "dropped" : "added");
      return el(
        "div",
        {
          class: "unit lab-" + label + " role-" + unit.role,
          id: side + "-" + unit.index,
          tabindex: "0",
          dataset: { label },
        },
        el("span", { class: "tag" }, side + unit.index + " · " + unit.role + " · ", el("span", { class: "lab" }, label)),
        markedText(unit, marks[unit.index] || []),
      );
    });
    return el(
      "section",
      { class: "doc", id: "doc-" + side },
      el("h2", {}, side + ": " + doc.id + " ", el("small", {}, role)),
      units,
    );
  }

  function markedText(unit, ranges) {
    // Cut the unit at every range boundary; each piece is wrapped by the ranges covering it.
    const cuts = new Set([unit.start, unit.end]);
    for (const [s, e] of ranges) {
      cuts.add(Math.max(unit.start, Math.min(unit.end, s)));
      cuts.add(Math.max(unit.start, Math.min(unit.end, e)));
    }
    const sorted = [...cuts].sort((x, y) => x - y);
    const pieces = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const [left, right] = [sorted[i], sorted[i + 1]];
      let piece = document.createTextNode(unit.text.slice(left - unit.start, right - unit.start));
      const kinds = new Set(ranges.filter(([s, e]) => s <= left && right <= e).map((r) => r[2]));
      if (kinds.has("mark")) piece = el("mark", {}, piece);
      if (kinds.has("leftout")) piece = el("span", { class: "leftout" }, piece);
      pieces.push(piece);
    }
    return pieces;
  }

  function facts(report) {
    const f = report.facts;
    const cell = (items) => el("td", {}, el("ul", {}, items.map((x) => el("li", {}, x))));
    return el(
      "section",
      { class: "facts", id: "facts" },
      el("h2", {}, "Facts"),
      el(
        "table",
        {},
        el(
          "tr",
          {},
          el("th", {}, "kept"),
          el("th", {}, "only in a (" + report.a.id + ")"),
          el("th", {}, "only in b (" + report.b.id + ")"),
          el("th", {}, "changed (a → b)"),
        ),
        el(
          "tr",
          {},
          cell(f.kept),
          cell(f.only_a),
          cell(f.only_b),
          cell(f.changed.map((c) => c.a + " → " + c.b)),
        ),
      ),
    );
  }

  function wireHighlights(root, report) {
    const partners = {};
    const add = (from, to) => (partners[from] = partners[from] || []).push(to);
    for (const l of report.links) {
      for (const i of l.a) for (const j of l.b) {
        add("a-" + i, "b-" + j);
        add("b-" + j, "a-" + i);
      }
    }
    const find = (id) => root.querySelector("#" + CSS.escape(id));
    let pinned = null;
    const mark = (id, on) => [id, ...(partners[id] || [])].forEach((x) => find(x) && find(x).classList.toggle("hl", on));
    const pin = (unit) => {
      if (pinned) {
        mark(pinned, false);
        find(pinned).classList.remove("pinned");
      }
      if (pinned === unit.id) {
        pinned = null;
        return;
      }
      pinned = unit.id;
      unit.classList.add("pinned");
      mark(unit.id, true);
      for (const x of partners[unit.id] || []) find(x).scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
    root.querySelectorAll(".unit").forEach((unit) => {
      unit.addEventListener("mouseenter", () => pinned || mark(unit.id, true));
      unit.addEventListener("mouseleave", () => pinned || mark(unit.id, false));
      unit.addEventListener("click", () => pin(unit));
      unit.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          pin(unit);
        }
      });
    });
  }

  // -- compare page -------------------------------------------------------------------------
  function comparePage() {
    const result = el("div", { id: "result" });
    const limit = info ? (info.max_upload_bytes / 1048576).toFixed(1) + " MB" : "";
    const prose = el("input", { type: "checkbox", id: "prose" });
    const nameA = el("input", { id: "name-a", class: "name", maxlength: 200, placeholder: "name of text a (optional)", "aria-label": "name of text a" });
    const nameB = el("input", { id: "name-b", class: "name", maxlength: 200, placeholder: "name of text b (optional)", "aria-label": "name of text b" });
    const textA = el("textarea", { id: "text-a", rows: 10, placeholder: "The original, for example a wire dispatch", "aria-label": "text a" });
    const textB = el("textarea", { id: "text-b", rows: 10, placeholder: "The text that may reuse it", "aria-label": "text b" });
    const fileA = el("input", { type: "file", id: "file-a", accept: ".txt,.text,.html,.htm,text/plain,text/html", "aria-label": "file a" });
    const fileB = el("input", { type: "file", id: "file-b", accept: ".txt,.text,.html,.htm,text/plain,text/html", "aria-label": "file b" });

    async function run(request) {
      result.replaceChildren(status("Comparing…"));
      try {
        const { body, response } = await api(request.path, request.options);
        const saved = (response.headers.get("Content-Location") || "").replace(/^\/api/, "");
        if (saved) history.replaceState(null, "", saved);
        result.replaceChildren(renderReport(body, saved));
        result.scrollIntoView({ block: "start" });
        document.title = body.a.id + " ↔ " + body.b.id + " · wiretrace";
      } catch (error) {
        result.replaceChildren(problem(error.message));
      }
    }

    const pasteForm = el(
      "form",
      {
        id: "paste-form",
        onsubmit: (event) => {
          event.preventDefault();
          run({
            path: "/api/compare",
            options: {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({
                a: textA.value,
                b: textB.value,
                a_name: nameA.value.trim() || "a",
                b_name: nameB.value.trim() || "b",
                layout: !prose.checked,
              }),
            },
          });
        },
      },
      el("h2", {}, "Paste two texts"),
      el("div", { class: "pair" }, el("div", {}, nameA, textA), el("div", {}, nameB, textB)),
      el("label", {}, prose, " hard-wrapped prose: read line breaks as wrapping, not layout"),
      el("p", {}, el("button", { type: "submit", id: "compare-texts" }, "Compare")),
    );

    const uploadForm = el(
      "form",
      {
        id: "upload-form",
        onsubmit: (event) => {
          event.preventDefault();
          const data = new FormData();
          if (!fileA.files[0] || !fileB.files[0]) {
            result.replaceChildren(problem("Choose two files to compare."));
            return;
          }
          data.append("a", fileA.files[0]);
          data.append("b", fileB.files[0]);
          run({ path: "/api/compare/files?layout=" + !prose.checked, options: { method: "POST", body: data } });
        },
      },
      el("h2", {}, "Or upload two files"),
      el("p", { class: "muted" }, "Text or HTML, up to " + limit + " each."),
      el("div", { class: "pair" }, fileA, fileB),
      el("p", {}, el("button", { type: "submit", id: "compare-files" }, "Compare files")),
    );

    const forms = [pasteForm, uploadForm];
    if (info && info.library.documents > 0) forms.push(pickForm());
    setView("Compare", el("section", { class: "page" }, el("div", { class: "forms" }, forms), result));
  }

  function pickForm() {
    const options = el("datalist", { id: "loaded-docs" });
    api("/api/documents?limit=500")
      .then(({ body }) => options.replaceChildren(...body.map((d) => el("option", { value: d.id }, d.title || ""))))
      .catch(() => {});
    const docA = el("input", { id: "pick-a", list: "loaded-docs", required: true, "aria-label": "document a", placeholder: "document id" });
    const docB = el("input", { id: "pick-b", list: "loaded-docs", required: true, "aria-label": "document b", placeholder: "document id" });
    return el(
      "form",
      {
        id: "pick-form",
        onsubmit: (event) => {
          event.preventDefault();
          location.assign(compareHref(docA.value, docB.value));
        },
      },
      el("h2", {}, "Or pick two loaded documents"),
      el("div", { class: "pair" }, docA, docB),
      options,
      el("p", {}, el("button", { type: "submit", id: "compare-docs" }, "Compare documents")),
    );
  }

  async function storedComparePage(path) {
    setView("Compare", status("Comparing…"));
    try {
      const { body } = await api(path);
      setView(body.a.id + " ↔ " + body.b.id, renderReport(body, null));
    } catch (error) {
      setView("Compare", problem(error.message), link("/compare", "Compare other texts"));
    }
  }

  // -- families -----------------------------------------------------------------------------
  async function familiesPage(params) {
    const sort = params.get("sort") === "date" ? "date" : "size";
    const order = params.get("order") === "asc" ? "asc" : "desc";
    const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
    const pageSize = 50;
    if (!info || !info.library.scan) {
      setView("Families", el("section", { class: "page" }, el("h1", {}, "Families"),
        el("p", {}, "Families come from a corpus scan. Run ", el("code", {}, "wiretrace scan CORPUS --out DIR"),
          " and start the server with ", el("code", {}, "--scan DIR"), ".")));
      return;
    }
    const { body } = await api("/api/families?" + new URLSearchParams({ sort, order, offset, limit: pageSize }));
    const href = (s, o, off) => "/families?" + new URLSearchParams({ sort: s, order: o, offset: off });
    const header = (name, label) => {
      const next = sort === name && order === "desc" ? "asc" : "desc";
      const arrow = sort === name ? (order === "desc" ? " ▼" : " ▲") : "";
      return el("th", {}, link(href(name, next, 0), label + arrow));
    };
    const rows = body.map((f) =>
      el(
        "tr",
        {},
        el("td", {}, link("/families/" + encodeURIComponent(f.family), f.family)),
        el("td", { class: "num" }, f.size),
        el("td", {}, f.originals.map((o) => el("div", {}, link(docHref(o.id), o.title || o.id)))),
        el("td", {}, f.first_date || "–"),
        el("td", {}, f.last_date || "–"),
      ),
    );
    const pager = el(
      "p",
      { class: "pager" },
      offset > 0 ? link(href(sort, order, Math.max(0, offset - pageSize)), "← previous") : null,
      " ",
      body.length === pageSize ? link(href(sort, order, offset + pageSize), "next →") : null,
    );
    setView(
      "Families",
      el(
        "section",
        { class: "page" },
        el("h1", {}, "Reuse families"),
        el("p", { class: "muted" }, info.library.families.toLocaleString() + " families; each is a story and the documents that reuse it."),
        el("table", { class: "list", id: "families" },
          el("tr", {}, el("th", {}, "family"), header("size", "size"), el("th", {}, "original"), header("date", "first date"), el("th", {}, "last date")),
          rows),
        pager,
      ),
    );
  }

  async function familyPage(id) {
    const { body } = await api("/api/families/" + encodeURIComponent(id));
    const originals = new Set(body.originals);
    const titles = Object.fromEntries(body.members.map((m) => [m.id, m.title || m.id]));
    const graph = el("div", { id: "graph", "aria-label": "reuse graph" });
    const picked = el("div", { id: "picked", class: "muted" }, "Click a document in the graph.");
    const members = el(
      "table",
      { class: "list", id: "members" },
      el("tr", {}, el("th", {}, "document"), el("th", {}, "date"), el("th", {}, "outlet"), el("th", {}, "role")),
      body.members.map((m) =>
        el("tr", {},
          el("td", {}, link(docHref(m.id), m.title || m.id)),
          el("td", {}, m.date || "–"),
          el("td", {}, m.outlet || "–"),
          el("td", {}, originals.has(m.id) ? "original" : "")),
      ),
    );
    setView(
      "Family " + id,
      el(
        "section",
        { class: "page" },
        el("h1", {}, "Family " + id),
        el("p", { class: "muted" }, body.members.length + " documents, " + body.edges.length + " reuse relations. " +
          "Arrows run from the source to the text that took from it; dashed lines are relations whose direction is unknown; originals are the larger, dark nodes."),
        el("div", { class: "graph-wrap" }, graph, picked),
        el("h2", {}, "Members"),
        members,
      ),
    );
    await loadScript("/static/vendor/cytoscape.min.js");
    drawGraph(graph, picked, body, originals, titles);
  }

  function drawGraph(container, picked, family, originals, titles) {
    const many = family.members.length > 150;
    const elements = [
      ...family.members.map((m) => ({
        data: { id: m.id, label: many ? "" : shorten(titles[m.id]) },
        classes: originals.has(m.id) ? "original" : "",
      })),
      ...family.edges.map((e, i) => ({
        data: { id: "e" + i, source: e.source, target: e.target, derived: e.derived || "" },
        classes: e.direction === "unknown" ? "undirected" : "",
      })),
    ];
    // eslint-disable-next-line no-undef
    const cy = cytoscape({
      container,
      elements,
      wheelSensitivity: 0.3,
      maxZoom: 1.6,
      style: [
        { selector: "node", style: { "background-color": "#5b8def", label: "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 3, "text-background-color": "#fff", "text-background-opacity": 0.85, width: 14, height: 14 } },
        { selector: "node.original", style: { "background-color": "#1d2330", shape: "star", width: 26, height: 26 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#ffb300" } },
        { selector: "edge", style: { width: 1.5, "line-color": "#9aa5b8", "target-arrow-color": "#9aa5b8", "target-arrow-shape": "triangle", "curve-style": "bezier" } },
        { selector: "edge.undirected", style: { "line-style": "dashed", "target-arrow-shape": "none" } },
      ],
      layout: { name: "preset" },
    });
    const roots = cy.nodes(".original");
    cy.layout(
      roots.length
        ? { name: "breadthfirst", directed: true, roots, spacingFactor: many ? 0.6 : 1.1, animate: false }
        : { name: "cose", animate: false },
    ).run();
    cy.on("tap", "node", (event) => {
      const id = event.target.id();
      picked.replaceChildren(
        el("b", {}, titles[id]),
        el("div", {}, originals.has(id) ? "original" : "reuses text"),
        el("div", {}, link(docHref(id), "open document")),
      );
    });
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    window.wiretraceGraph = cy;
  }

  function shorten(text) {
    return text.length > 40 ? text.slice(0, 38) + "…" : text;
  }

  function loadScript(src) {
    if (window.cytoscape) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = el("script", { src });
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error("could not load " + src)));
      document.head.append(script);
    });
  }

  // -- documents and search -------------------------------------------------------------------
  async function documentPage(id) {
    setView(id, status(info && info.library.index ? "Loading; documents of an index are matched now, which takes a moment…" : "Loading…"));
    const { body } = await api("/api/documents/" + encodeURIComponent(id));
    const d = body.document;
    const url = safeUrl(d.url);
    const relations = (title, items, key, sourceIsOther) =>
      el(
        "section",
        { class: "relations", id: key },
        el("h2", {}, title + " (" + items.length + ")"),
        items.length
          ? el("ul", {}, items.map((r) =>
              el("li", {},
                link(docHref(r.other.id), r.other.title || r.other.id),
                " ",
                el("span", { class: "muted" }, [r.other.date, r.derived, r.containment !== null ? percent(r.containment) + " contained" : null].filter(Boolean).join(" · ")),
                " ",
                link(sourceIsOther ? compareHref(r.other.id, d.id) : compareHref(d.id, r.other.id), "compare"),
              )))
          : el("p", { class: "muted" }, "None."),
      );
    setView(
      d.title || d.id,
      el(
        "section",
        { class: "page" },
        el("h1", {}, d.title || d.id),
        el("p", { class: "muted" },
          [d.id, d.date, d.outlet].filter(Boolean).join(" · "),
          url ? el("span", {}, " · ", el("a", { href: url, rel: "noopener noreferrer nofollow" }, url)) : d.url ? " · " + d.url : null,
          body.family ? el("span", {}, " · family ", link("/families/" + encodeURIComponent(body.family), body.family)) : null),
        el("div", { class: "doc-layout" },
          el("div", {},
            relations("Sources it took from", body.sources, "sources", true),
            relations("Reused by", body.reused_by, "reused-by", false),
            body.related.length ? relations("Related, direction unknown", body.related, "related", true) : null),
          el("pre", { class: "doctext", id: "doctext" }, body.text)),
      ),
    );
  }

  async function searchPage(params) {
    const q = params.get("q") || "";
    const input = el("input", { type: "search", name: "q", id: "q", value: q, placeholder: "words in the title or text", "aria-label": "search" });
    const results = el("div", { id: "results" });
    setView(
      q ? "Search: " + q : "Search",
      el("section", { class: "page" },
        el("h1", {}, "Search"),
        el("form", { action: "/search", method: "get", class: "search" }, input, el("button", { type: "submit" }, "Search")),
        results),
    );
    if (!q.trim()) return;
    results.replaceChildren(status("Searching…"));
    const { body } = await api("/api/search?" + new URLSearchParams({ q, limit: 50 }));
    results.replaceChildren(
      body.length
        ? el("ol", { class: "hits" }, body.map((hit) =>
            el("li", {},
              link(docHref(hit.document.id), hit.document.title || hit.document.id),
              " ",
              el("span", { class: "muted" }, [hit.document.date, hit.collection].filter(Boolean).join(" · ")),
              el("div", { class: "snippet" }, hit.snippet))))
        : el("p", { class: "muted" }, "No document holds all of these words."),
    );
  }

  // -- routing ------------------------------------------------------------------------------
  async function route() {
    const path = location.pathname;
    const params = new URLSearchParams(location.search);
    if (path.startsWith("/compare/saved/")) return storedComparePage("/api" + path);
    if (path === "/compare" && params.get("a") && params.get("b")) {
      return storedComparePage("/api/compare?" + new URLSearchParams({ a: params.get("a"), b: params.get("b") }));
    }
    if (path === "/" || path === "/compare") return comparePage();
    if (path === "/families") return familiesPage(params);
    if (path.startsWith("/families/")) return familyPage(decodeURIComponent(path.slice("/families/".length)));
    if (path.startsWith("/documents/")) return documentPage(decodeURIComponent(path.slice("/documents/".length)));
    if (path === "/search") return searchPage(params);
    setView("Not found", problem("There is no page at " + path + "."));
  }

  async function start() {
    try {
      info = (await api("/api/info")).body;
      const lib = info.library;
      const loaded = [lib.scan && "scan " + lib.scan, lib.index && "index " + lib.index].filter(Boolean);
      document.getElementById("loaded").textContent = loaded.length
        ? loaded.join(" · ") + " · " + lib.documents.toLocaleString() + " documents"
        : "no corpus loaded";
    } catch (error) {
      info = null;
    }
    try {
      await route();
    } catch (error) {
      setView("Error", problem(error.message));
    }
  }

  start();
})();
