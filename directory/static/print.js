// The printed list's Print button: shown only where this script runs (without it, the
// browser's own Print command does the same), and hidden on paper by print.css.
(() => {
  "use strict";
  for (const button of document.querySelectorAll("button[data-print]")) {
    if (typeof window.print !== "function") continue;
    button.addEventListener("click", () => window.print());
    button.hidden = false;
  }
})();
