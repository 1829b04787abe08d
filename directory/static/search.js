// Search as you type on /search. The page works without this script: it only saves a page
// load, asking the server for the results region of what is typed (the page's own drawing
// of it: the same address with part=results) and putting it in place of the one shown.
(() => {
  "use strict";
  const form = document.querySelector("form.search-form");
  const region = document.getElementById("search-results");
  const heading = document.getElementById("results-heading");
  if (!form || !region || !heading || !window.fetch || !window.AbortController ||
      !window.URLSearchParams || !("content" in document.createElement("template"))) {
    return;
  }
  const ORDER = ["q", "kind", "country", "focus", "service", "near", "radius_km", "page"];
  let timer = 0;
  let pending = null;
  let shown = String(formParams());
  const titleEnd = document.title.slice(Math.max(0, document.title.lastIndexOf("Search ·")));

  // The form's fields as /search takes them; empty ones left out, as the server does.
  function formParams() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) params.append(name, String(value).trim());
    }
    if (!params.has("near")) params.delete("radius_km");
    return params;
  }

  // The search page's address for these fields, in the order the server writes its links.
  function searchUrl(params, part) {
    const ordered = new URLSearchParams();
    for (const name of ORDER) for (const value of params.getAll(name)) ordered.append(name, value);
    if (part) ordered.append("part", part);
    const query = String(ordered);
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  // The new region in place of the old, all but the heading: that element stays and only its
  // words change, since screen readers announce a change to a live region already on the
  // page, and not reliably one put in anew. Its ancestors in the region stay too (their
  // attributes are the same on every page); everything around them is the new drawing.
  function swap(html) {
    const next = document.createElement("template");
    next.innerHTML = html; // the server's own page markup, escaped as on a page load
    let fresh = next.content.getElementById("results-heading");
    if (!fresh) return false;
    heading.replaceChildren(...fresh.childNodes);
    for (let kept = heading; kept !== region; kept = kept.parentNode, fresh = fresh.parentNode) {
      const around = [...fresh.parentNode.childNodes];
      const at = around.indexOf(fresh);
      while (kept.previousSibling) kept.previousSibling.remove();
      while (kept.nextSibling) kept.nextSibling.remove();
      kept.before(...around.slice(0, at));
      kept.after(...around.slice(at + 1));
    }
    return true;
  }

  async function update() {
    const params = formParams();
    if (pending) pending.abort(); // even when back to what is shown: its answer is stale
    if (String(params) === shown) return;
    const controller = (pending = new AbortController());
    let html;
    try {
      const response = await fetch(searchUrl(params, "results"), { signal: controller.signal });
      if (!response.ok) return; // the page stays as it was; submitting the form still works
      html = await response.text();
    } catch (error) {
      return; // aborted by newer typing, or offline: likewise
    }
    if (controller !== pending || !swap(html)) return;
    shown = String(params);
    const q = params.get("q");
    document.title = (q ? `${q}: ` : "") + titleEnd;
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
