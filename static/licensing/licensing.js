// Active users: select all and the selection count (static/js/shell.js runs the side panels). The pages work without it.
(function () {
  "use strict";

  function selectionBoxes() {
    return Array.from(document.querySelectorAll('#selection input[name="user"]'));
  }

  function everySelected() {
    var input = document.querySelector("[data-all-input]");
    return Boolean(input && !input.disabled);
  }

  function setEvery(on) {
    document.querySelectorAll("[data-all-input]").forEach(function (input) { input.disabled = !on; });
    var bar = document.querySelector("[data-select-all-bar]");
    if (!bar) { return; }
    bar.querySelector("[data-page-selected]").hidden = on;
    bar.querySelector("[data-select-every]").hidden = on;
    bar.querySelector("[data-every-selected]").hidden = !on;
    bar.querySelector("[data-clear-every]").hidden = !on;
  }

  function refreshSelection() {
    var count = selectionBoxes().filter(function (box) { return box.checked; }).length;
    var pageAll = count > 0 && count === selectionBoxes().length;
    if (!pageAll && everySelected()) { setEvery(false); }
    var bar = document.querySelector("[data-select-all-bar]");
    if (bar) { bar.hidden = !pageAll; }
    var label = document.querySelector("[data-selection-count]");
    var every = document.querySelector("[data-select-every]");
    var shown = everySelected() && every ? every.textContent.replace(/[^0-9,]/g, "") : String(count);
    if (label) { label.textContent = count ? shown + " selected" : ""; }
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

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-select-every]")) { setEvery(true); refreshSelection(); }
    if (event.target.closest("[data-clear-every]")) {
      setEvery(false);
      selectionBoxes().forEach(function (box) { box.checked = false; });
      refreshSelection();
    }
  });

  // ---- The row's "…" menu (More actions): an ARIA menu button ------------------------------------------------
  function menuItems(menu) { return Array.from(menu.querySelectorAll("[role=menuitem]")); }

  function closeMenu(button, focusButton) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", "false");
    if (menu) { menu.hidden = true; }
    if (focusButton) { button.focus(); }
  }

  function openMenu(button, last) {
    document.querySelectorAll(".row-menu-toggle[aria-expanded='true']").forEach(function (other) {
      if (other !== button) { closeMenu(other, false); }
    });
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", "true");
    menu.hidden = false;
    // Fixed to the viewport: the table's scrolling region would clip a menu opened on its last rows.
    var box = button.getBoundingClientRect();
    var below = box.bottom + menu.offsetHeight + 4 <= window.innerHeight;
    menu.style.position = "fixed";
    menu.style.left = Math.max(4, Math.min(box.left, window.innerWidth - menu.offsetWidth - 4)) + "px";
    menu.style.top = (below ? box.bottom + 2 : Math.max(4, box.top - menu.offsetHeight - 2)) + "px";
    var items = menuItems(menu);
    if (items.length) { items[last ? items.length - 1 : 0].focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".row-menu-toggle");
    if (button) {
      if (button.getAttribute("aria-expanded") === "true") { closeMenu(button, true); } else { openMenu(button, false); }
      return;
    }
    document.querySelectorAll(".row-menu-toggle[aria-expanded='true']").forEach(function (open) {
      closeMenu(open, false);
    });
  });

  document.addEventListener("keydown", function (event) {
    var button = event.target.closest(".row-menu-toggle");
    if (button && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      openMenu(button, event.key === "ArrowUp");
      return;
    }
    var menu = event.target.closest(".row-menu-list");
    if (!menu) { return; }
    var items = menuItems(menu);
    var index = items.indexOf(event.target);
    var toggle = document.getElementById(menu.getAttribute("aria-labelledby"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeMenu(toggle, true);
    } else if (event.key === "Tab") {
      closeMenu(toggle, false);
    } else if (event.key === " ") {
      event.preventDefault();
      event.target.click();
    }
  });

  window.addEventListener("scroll", function () {
    document.querySelectorAll(".row-menu-toggle[aria-expanded='true']").forEach(function (open) {
      closeMenu(open, false);
    });
  }, true);

  document.addEventListener("DOMContentLoaded", refreshSelection);
  document.addEventListener("htmx:afterSettle", refreshSelection);
})();
