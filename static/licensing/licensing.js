// Active users: select all and the selection count (static/js/shell.js runs the side panels). The pages work without it.
(function () {
  "use strict";

  function selectionBoxes() {
    return Array.from(document.querySelectorAll('#selection input[name="user"]'));
  }

  function refreshSelection() {
    var count = selectionBoxes().filter(function (box) { return box.checked; }).length;
    var label = document.querySelector("[data-selection-count]");
    if (label) { label.textContent = count ? count + " selected" : ""; }
    document.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = count === 0;
    });
    var all = document.querySelector("[data-select-all]");
    if (all) {
      var boxes = selectionBoxes();
      all.checked = boxes.length > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      selectionBoxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.closest("#selection")) { refreshSelection(); }
  });

  document.addEventListener("DOMContentLoaded", refreshSelection);
  document.addEventListener("htmx:afterSettle", refreshSelection);
})();
