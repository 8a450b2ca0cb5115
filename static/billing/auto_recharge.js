// Auto-recharge settings: show the amount field of the chosen mode (both show without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const radios = document.querySelectorAll("[data-recharge-mode]");
  if (!radios.length) return;
  const show = () => {
    const chosen = document.querySelector("[data-recharge-mode]:checked");
    document.querySelectorAll("[data-mode-field]").forEach((field) => {
      field.hidden = Boolean(chosen) && field.dataset.modeField !== chosen.value;
    });
  };
  radios.forEach((radio) => radio.addEventListener("change", show));
  show();
});
