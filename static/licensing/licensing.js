// Active users: select all, the selection count, closing side panels. The pages work without it.
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

  function closePanel() {
    var slot = document.getElementById("panel-slot");
    if (slot) { slot.innerHTML = ""; }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      selectionBoxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.closest("#selection")) { refreshSelection(); }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-panel]");
    if (closer && document.getElementById("panel-slot").contains(closer)) {
      event.preventDefault();
      closePanel();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); }
  });

  document.addEventListener("DOMContentLoaded", refreshSelection);
  document.addEventListener("htmx:afterSettle", refreshSelection);
})();
