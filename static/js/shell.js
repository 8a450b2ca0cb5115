// The shell on every page: the navigation behind a menu button on narrow screens, side panels as modal dialogs
// (focus in, kept in, Esc closes, focus back to what opened them), command bars' "…" overflow menu and tables that
// scroll in their own focusable region. Pages work without it; it makes them work on a phone and from the keyboard.
(function () {
  "use strict";

  var NARROW = window.matchMedia("(max-width: 767px)");
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
    'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

  function visible(element) {
    return !!(element.offsetWidth || element.offsetHeight || element.getClientRects().length);
  }

  function focusables(root) {
    return Array.from(root.querySelectorAll(FOCUSABLE)).filter(visible);
  }

  // ---- Navigation behind the menu button --------------------------------------------------------------------
  function navToggle() { return document.querySelector("[data-nav-toggle]"); }

  function setNavOpen(open) {
    var toggle = navToggle();
    if (!toggle) { return; }
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("nav-open", open);
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-nav-toggle]")) {
      setNavOpen(navToggle().getAttribute("aria-expanded") !== "true");
      return;
    }
    if (event.target.closest("[data-nav-scrim]")) { setNavOpen(false); navToggle().focus(); }
  });

  NARROW.addEventListener("change", function () { setNavOpen(false); layoutCommandBars(); });

  // ---- Side panels as modal dialogs ------------------------------------------------------------------------
  var opener = null; // what opened the panel shown now (the element htmx's request came from, or the focus before)
  var lastTrigger = null;
  var refocus = null; // the href of the panel's own tab link that swapped the panel, to keep focus on it

  function openPanel() {
    return document.querySelector('#panel-slot [role="dialog"], main [role="dialog"][aria-modal="true"], body > [role="dialog"][aria-modal="true"]');
  }

  function enterPanel(panel) {
    if (panel.dataset.entered) { return; }
    panel.dataset.entered = "1";
    if (refocus) {
      var same = Array.from(panel.querySelectorAll("a[href]")).filter(function (a) { return a.getAttribute("href") === refocus; })[0];
      refocus = null;
      if (same) { same.focus(); return; }
    }
    var first = panel.querySelector("[autofocus], [aria-invalid=true]") ||
      focusables(panel).filter(function (el) { return !el.matches(".panel-close, [data-close-panel]"); })[0] ||
      focusables(panel)[0];
    if (first) { first.focus(); }
  }

  function closePanel() {
    var panel = openPanel();
    if (!panel) { return; }
    var slot = document.getElementById("panel-slot");
    if (slot && slot.contains(panel) && !panel.closest("[data-server-panel]")) {
      slot.innerHTML = "";
      var back = opener && document.contains(opener) ? opener : null;
      opener = null;
      if (back) { back.focus(); }
      return;
    }
    // A panel the server rendered with its page: its close link goes back to the page without it.
    var close = panel.querySelector(".panel-close[href], a[aria-label='Close'][href], [data-close-panel][href]");
    if (close) { window.location.assign(close.href); }
  }

  document.addEventListener("focusin", function (event) {
    if (!event.target.closest('[role="dialog"]')) { lastTrigger = event.target; }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-panel]");
    var slot = document.getElementById("panel-slot");
    if (closer && slot && slot.contains(closer) && !closer.closest("[data-server-panel]")) {
      event.preventDefault();
      closePanel();
    }
  });

  document.addEventListener("keydown", function (event) {
    var panel = openPanel();
    if (event.key === "Escape") {
      var menu = document.querySelector(".overflow-toggle[aria-expanded='true']");
      if (menu) { closeOverflow(menu); menu.focus(); return; }
      if (document.body.classList.contains("nav-open")) { setNavOpen(false); navToggle().focus(); return; }
      var account = document.querySelector(".me-menu[open]");
      if (account) { account.open = false; account.querySelector("summary").focus(); return; }
      if (panel) { event.preventDefault(); closePanel(); }
      return;
    }
    if (event.key === "Tab" && panel) {
      var items = focusables(panel);
      if (!items.length) { return; }
      var first = items[0], last = items[items.length - 1];
      if (!panel.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
      else if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var slot = document.getElementById("panel-slot");
    var target = event.detail.target;
    if (!slot || target !== slot) { return; }
    var elt = event.detail.elt;
    if (!slot.querySelector('[role="dialog"]')) {
      opener = elt.tagName === "FORM" ? lastTrigger : elt;
      refocus = null;
    } else {
      refocus = slot.contains(elt) && elt.getAttribute("href") ? elt.getAttribute("href") : null;
    }
  });

  // ---- Command bars: extra actions in a "…" menu on narrow screens ------------------------------------------
  var overflowId = 0;

  function closeOverflow(toggle) {
    toggle.setAttribute("aria-expanded", "false");
    document.getElementById(toggle.getAttribute("aria-controls")).hidden = true;
  }

  function layoutCommandBar(bar) {
    var holder = bar.querySelector(":scope > .overflow");
    if (!holder) {
      var commands = Array.from(bar.querySelectorAll(":scope > .cmd"));
      if (commands.length < 3) { return; }
      overflowId += 1;
      holder = document.createElement("div");
      holder.className = "overflow";
      holder.innerHTML = '<button type="button" class="cmd overflow-toggle" aria-expanded="false" aria-controls="overflow-' +
        overflowId + '" aria-label="More actions" title="More actions"><span aria-hidden="true">&hellip;</span></button>' +
        '<div class="overflow-menu" id="overflow-' + overflowId + '" hidden></div>';
      commands.slice(1).forEach(function (command) {
        var mark = document.createComment("overflow");
        command.parentNode.insertBefore(mark, command);
        command._overflowMark = mark;
        command.classList.add("overflowable");
      });
      commands[0].after(holder);
    }
    var menu = holder.querySelector(".overflow-menu");
    var moved = Array.from(bar.querySelectorAll(".overflowable"));
    moved.forEach(function (command) {
      if (NARROW.matches) { menu.appendChild(command); }
      else { command._overflowMark.parentNode.insertBefore(command, command._overflowMark); }
    });
    holder.hidden = !NARROW.matches;
    if (!NARROW.matches) { closeOverflow(holder.querySelector(".overflow-toggle")); }
  }

  function layoutCommandBars() {
    document.querySelectorAll(".command-bar").forEach(layoutCommandBar);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".overflow-toggle");
    document.querySelectorAll(".overflow-toggle[aria-expanded='true']").forEach(function (open) {
      if (open !== toggle && !event.target.closest(".overflow-menu")) { closeOverflow(open); }
    });
    if (toggle) {
      var opening = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", opening ? "true" : "false");
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      menu.hidden = !opening;
      if (opening && focusables(menu)[0]) { focusables(menu)[0].focus(); }
    }
  });

  // ---- Tables scroll inside their own region, which the keyboard can reach when it scrolls ------------------
  function tableName(table) {
    if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    var ids = table.getAttribute("aria-labelledby");
    if (ids) {
      return ids.split(/\s+/).map(function (id) {
        var el = document.getElementById(id);
        return el ? el.textContent.trim() : "";
      }).join(" ").trim();
    }
    if (table.caption) { return table.caption.textContent.trim(); }
    return "Table";
  }

  function layoutTables(root) {
    (root || document).querySelectorAll("main table.data, #panel-slot table.data").forEach(function (table) {
      var region = table.parentElement;
      if (!region.matches(".table-wrap, .chart-table, .table-scroll")) {
        region = document.createElement("div");
        region.className = "table-scroll";
        table.parentNode.insertBefore(region, table);
        region.appendChild(table);
      }
      var scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (scrolls) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", tableName(table));
      } else if (region.getAttribute("tabindex") === "0") {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { layoutTables(); }, 100);
  });

  function markServerPanels() {
    var slot = document.getElementById("panel-slot");
    if (!slot) { return; }
    slot.querySelectorAll('[role="dialog"]').forEach(function (panel) { panel.setAttribute("data-server-panel", ""); });
  }

  function settle() {
    layoutCommandBars();
    layoutTables();
    var panel = openPanel();
    if (panel) { enterPanel(panel); }
  }

  document.addEventListener("DOMContentLoaded", function () { markServerPanels(); settle(); });
  document.addEventListener("htmx:afterSettle", settle);
})();
