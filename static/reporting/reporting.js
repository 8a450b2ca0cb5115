// Report picker: the start and end dates only matter for a custom range, so they show only then.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("[data-report-picker]")) {
    const range = form.querySelector("[data-range-select]");
    if (!range) continue;
    const sync = () => {
      for (const field of form.querySelectorAll("[data-custom-dates]")) field.hidden = range.value !== "custom";
    };
    range.addEventListener("change", sync);
    sync();
  }
});

// Full screen: the report (totals, commands and table) fills the screen, as in the admin centre.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-fullscreen]")) {
    const target = document.querySelector(button.dataset.fullscreen);
    if (!target || !document.fullscreenEnabled) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else target.requestFullscreen();
    });
  }
});
