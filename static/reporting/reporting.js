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
