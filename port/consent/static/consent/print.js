// A "Print" button on printable pages. Without JavaScript it stays hidden and the browser's own Print
// command does the same. Loaded as a file, so a strict CSP allows it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
