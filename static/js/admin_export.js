// The admin's export page: the "select all" box ticks or clears every field's box. import-export
// wires it with an onchange attribute, which the Content-Security-Policy refuses; its own
// onSelectToggleChange (export_selectable_fields.js) does the work.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", window.onSelectToggleChange);
  });
});
