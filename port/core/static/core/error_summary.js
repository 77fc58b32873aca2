// When a page (or an htmx swap) brings a form's error summary (core/form_errors.html), move focus to it
// and bring it to the top of the screen: on a phone a failed submit would otherwise leave the reader at
// the top of the page, far above what went wrong. Without a summary, a refusal shown as an error
// message (#messages-errors in base.html) is focused instead. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (!summary && !root) {
      var refusal = document.getElementById("messages-errors");
      if (refusal && refusal.querySelector(".message")) {
        summary = refusal;
      }
    }
    if (!summary) {
      return;
    }
    if (!summary.hasAttribute("tabindex")) {
      summary.setAttribute("tabindex", "-1");
    }
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(null); });
  } else {
    focusSummary(null);
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.elt) {
      focusSummary(event.detail.elt);
    }
  });
}());
