// The signature pad: the person signs with a finger, stylus or mouse inside a <canvas>; each stroke
// writes the drawing, as a PNG data URL, into the form's hidden signature input. Without JavaScript the
// pad stays hidden and the page offers verbal consent with a witness, or a printed form to sign.
// Loaded as a file (no inline script), so a strict Content-Security-Policy allows it.
(function () {
  "use strict";

  var MAX_RATIO = 2; // sharp on phones, while the PNG stays far below the server's 200 KB limit

  function setUpPad(pad) {
    var canvas = pad.querySelector("canvas");
    var input = document.getElementById(pad.getAttribute("data-signature-input"));
    var clearButton = pad.querySelector("[data-signature-clear]");
    var status = pad.querySelector("[data-signature-status]");
    if (!canvas || !input || !canvas.getContext) { return; }
    pad.hidden = false;

    var context = canvas.getContext("2d");
    var ratio = Math.min(window.devicePixelRatio || 1, MAX_RATIO);
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    var drawing = false;
    var last = null;

    function say(attribute) {
      if (status) { status.textContent = pad.getAttribute(attribute) || ""; }
    }

    function pen() {
      context.lineWidth = 2.5 * ratio;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#000000";
    }

    // Where the pointer is, in canvas pixels, whatever size CSS gives the canvas now.
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }

    function line(from, to) {
      pen();
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button !== 0) { return; }
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      line(last, { x: last.x + 0.1, y: last.y + 0.1 }); // a dot, for a tap
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var next = point(event);
      line(last, next);
      last = next;
    });
    function finish() {
      if (!drawing) { return; }
      drawing = false;
      last = null;
      input.value = canvas.toDataURL("image/png");
      say("data-said-captured");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    canvas.addEventListener("pointerleave", finish);

    if (clearButton) {
      clearButton.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        input.value = "";
        say("data-said-cleared");
      });
    }

    // After a form error the page comes back with the signature already given: show it again.
    if (input.value) {
      say("data-said-kept");
      var picture = new Image();
      picture.onload = function () { context.drawImage(picture, 0, 0, canvas.width, canvas.height); };
      picture.src = input.value;
    }
  }

  // Show the pad only when "signed on the screen" is chosen (or nothing is chosen yet).
  function followMethod(form) {
    var radios = form.querySelectorAll("input[name='signature_method']");
    var parts = form.querySelectorAll("[data-signature-when]");
    function update() {
      var chosen = form.querySelector("input[name='signature_method']:checked");
      parts.forEach(function (part) {
        part.hidden = Boolean(chosen) && part.getAttribute("data-signature-when") !== chosen.value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  document.querySelectorAll("[data-signature-pad]").forEach(setUpPad);
  document.querySelectorAll("form[data-consent-form]").forEach(followMethod);
})();
