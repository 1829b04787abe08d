// Search as you type on /search. The page works without this script: it only saves a
// page load, asking /api/search as people type and redrawing the results and filters.
(() => {
  "use strict";
  const form = document.querySelector("form.search-form");
  const layout = document.querySelector(".search-layout[data-labels]");
  if (!form || !layout || !window.fetch || !window.AbortController || !window.URLSearchParams) {
    return;
  }
  const labels = JSON.parse(layout.dataset.labels);
  const heading = document.getElementById("results-heading");
  const hits = document.getElementById("hits");
  const facets = layout.querySelector(".facets");
  const onlyWithResults = layout.querySelectorAll(".print-links, .to-filters");
  const FIELDS = ["kind", "country", "focus", "service"];
  const ORDER = ["q", ...FIELDS, "near", "radius_km", "page"]; // as the server writes links
  const regions = Intl.DisplayNames ? new Intl.DisplayNames(["en-GB"], { type: "region" }) : null;
  let timer = 0;
  let pending = null;
  let shown = String(formParams());
  const titleEnd = document.title.slice(Math.max(0, document.title.lastIndexOf("Search ·")));

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    node.append(...children); // strings become text nodes, never markup
    return node;
  }

  function label(field, value) {
    const known = labels[field] && labels[field][value];
    if (known) return known;
    if (field === "country" && regions) {
      try {
        return regions.of(value) || value;
      } catch (error) {
        return value;
      }
    }
    return value;
  }

  // The form's fields as /search takes them; empty ones left out, as the server does.
  function formParams() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) params.append(name, String(value).trim());
    }
    if (!params.has("near")) params.delete("radius_km");
    return params;
  }

  function searchUrl(params, path = "/search") {
    const ordered = new URLSearchParams();
    for (const name of ORDER) for (const value of params.getAll(name)) ordered.append(name, value);
    const query = String(ordered);
    return path + (query ? "?" + query : "");
  }

  function countText(data) {
    const words = data.query.q ? ` for “${data.query.q}”` : "";
    const near = data.query.near;
    const place = near ? ` within ${near.radius_km} km of ${near.place}` : "";
    if (!data.total) return `No groups found${words}${place}`;
    const count = `${data.total.toLocaleString("en-GB")} ${data.total === 1 ? "group" : "groups"}`;
    const range = data.total > data.per_page ? `, showing 1–${data.hits.length}` : "";
    return count + words + place + range;
  }

  function distance(km) {
    return km < 1 ? "less than 1 km away" : `${Math.round(km).toLocaleString("en-GB")} km away`;
  }

  function card(hit) {
    const link = el("a", { href: "/organisations/" + encodeURIComponent(hit.slug) });
    link.innerHTML = hit.highlight.name; // escaped by the server, with <mark> around matches
    const snippet = el("p", { class: "snippet" });
    snippet.innerHTML = hit.highlight.description; // likewise
    // /api/search hits carry no region or status (yet): shown when they do.
    const place = [hit.city, hit.region, label("country", hit.country)].filter(Boolean).join(", ");
    const meta = el("p", { class: "meta" }, el("span", {}, label("kind", hit.kind)));
    meta.append(el("span", {}, place));
    if (hit.distance_km != null) {
      meta.append(el("span", { class: "distance" }, distance(hit.distance_km)));
    }
    if (hit.status && hit.status !== "active") {
      const status = label("status", hit.status);
      meta.append(el("span", { class: `status status-${hit.status}` }, status));
    }
    const result = el("article", { class: "result" }, el("h3", {}, link), meta, snippet);
    if (hit.focus.length) {
      const tags = hit.focus.map((tag) => el("span", { class: "tag" }, label("focus", tag)));
      const hidden = el("span", { class: "visually-hidden" }, "Supports: ");
      result.append(el("p", { class: "tags" }, hidden, ...tags));
    }
    return result;
  }

  function pagination(data, params) {
    const pages = Math.ceil(data.total / data.per_page);
    if (pages < 2) return [];
    const next = new URLSearchParams(params);
    next.set("page", "2");
    return [el("nav", { class: "pagination", "aria-label": "Pages of results" },
      el("span", {}, `Page 1 of ${pages}`),
      el("a", { href: searchUrl(next), rel: "next" }, "Next →"))];
  }

  function noResults() {
    return el("div", { class: "no-results" },
      el("p", {}, "Nothing matched. Some things that can help:"),
      el("ul", {},
        el("li", {}, "Check the spelling, or try fewer words: a town or a country often works well."),
        el("li", {}, "Try what you need instead of a name: “books”, “letters”, “families”, “legal”."),
        el("li", {}, el("a", { href: "/search" }, "Browse every group in the directory"), ".")));
  }

  // Each facet value links to this search with the value added to, or taken out of, the filters.
  function facetGroup(field, counts, params) {
    const selected = params.getAll(field);
    const values = [...new Set([...selected, ...Object.keys(counts)])];
    if (!values.length) return null;
    const items = values.map((value) => {
      const chosen = selected.includes(value);
      const toggled = new URLSearchParams(params);
      toggled.delete(field);
      for (const other of selected) if (other !== value) toggled.append(field, other);
      if (!chosen) toggled.append(field, value);
      const count = el("span", { class: "count" }, `(${counts[value] || 0})`);
      const text = el("span", {}, `${label(field, value)} `, count);
      const link = el("a", { href: searchUrl(toggled), rel: "nofollow" },
        el("span", { class: "box", "aria-hidden": "true" }, chosen ? "✓" : ""), text);
      if (chosen) {
        link.setAttribute("aria-current", "true");
        link.className = "selected";
        text.append(el("span", { class: "visually-hidden" }, ", selected: remove this filter"));
      }
      return el("li", {}, link);
    });
    return el("section", { class: "facet", "aria-labelledby": `facet-${field}` },
      el("h3", { id: `facet-${field}` }, labels.titles[field]), el("ul", {}, ...items));
  }

  // Links that carry the search along (print, remove a filter) follow the new words and place.
  function retarget(params) {
    for (const link of layout.querySelectorAll(".print-links a, .active-filters a")) {
      const url = new URL(link.href);
      for (const name of ["q", "near", "radius_km"]) {
        url.searchParams.delete(name);
        for (const value of params.getAll(name)) url.searchParams.append(name, value);
      }
      link.href = searchUrl(url.searchParams, url.pathname);
    }
  }

  function render(data, params) {
    heading.textContent = countText(data);
    document.title = (data.query.q ? `${data.query.q}: ` : "") + titleEnd;
    const found = [...data.hits.map(card), ...pagination(data, params)];
    hits.replaceChildren(...(data.total ? found : [noResults()]));
    const groups = FIELDS.map((field) => facetGroup(field, data.facets[field] || {}, params));
    facets.replaceChildren(facets.querySelector("h2"), ...groups.filter(Boolean));
    facets.hidden = !groups.some(Boolean);
    for (const links of onlyWithResults) links.hidden = !data.total;
    retarget(params);
    for (const notice of document.querySelectorAll("main .notice")) notice.remove();
  }

  async function update() {
    const params = formParams();
    if (pending) pending.abort(); // even when back to what is shown: its answer is stale
    if (String(params) === shown) return;
    const controller = (pending = new AbortController());
    let data;
    try {
      const response = await fetch("/api/search?" + params, { signal: controller.signal });
      if (!response.ok) return; // the page stays as it was; submitting the form still works
      data = await response.json();
    } catch (error) {
      return; // aborted by newer typing, or offline: likewise
    }
    if (controller !== pending) return;
    shown = String(params);
    render(data, params);
    history.replaceState(null, "", searchUrl(params));
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener("submit", () => {
    clearTimeout(timer);
    if (pending) pending.abort();
  });
})();
