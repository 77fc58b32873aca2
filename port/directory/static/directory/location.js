// "Use my location" on the directory search: fills the hidden lat/lon fields from the phone's location
// and submits. Without JavaScript (or without geolocation) the button stays hidden and a ZIP code works.
// Nothing is sent anywhere but this site's own search.
(function () {
  "use strict";
  var box = document.querySelector("[data-locate]");
  if (!box || !("geolocation" in navigator)) { return; }
  var form = box.closest("form");
  var button = box.querySelector("[data-locate-button]");
  var status = box.querySelector("[data-locate-status]");
  box.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(5);
      form.querySelector("input[name=lon]").value = position.coords.longitude.toFixed(5);
      var near = form.querySelector("input[name=near]");
      if (near) { near.value = ""; }
      form.submit();
    }, function () {
      status.textContent = "Your location is not available. Type a ZIP code instead.";
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
  });
})();
