// Optional: a "Copy" button beside each text-message template. Without JavaScript the wording is still
// in a read-only box, ready to select and copy by hand. Loaded as a file, so a strict CSP allows it.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-from"));
      var status = document.getElementById(button.getAttribute("data-copy-status"));
      var done = function () { if (status) { status.textContent = button.getAttribute("data-copied"); } };
      if (!source) { return; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done);
      } else {
        source.select();
        if (document.execCommand("copy")) { done(); }
      }
    });
  });
})();
