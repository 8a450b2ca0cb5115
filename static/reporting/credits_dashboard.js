// Draws the credits dashboard's charts from the data the page embeds (json_script); the tables hold the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("credits-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const brand = "#0f6cbd";
  const money = (value) => "$" + Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#424242";
  const moneyAxis = { beginAtZero: true, ticks: { callback: money } };
  const tooltip = { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw)}` } };
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  };
  const common = { responsive: true, maintainAspectRatio: false, animation: false };

  draw("chart-balance", {
    type: "line",
    data: { labels: data.balance.labels, datasets: [{ label: "Balance", data: data.balance.values, borderColor: brand,
      backgroundColor: "rgba(15,108,189,.12)", fill: true, stepped: true, pointRadius: 0 }] },
    options: { ...common, scales: { y: moneyAxis }, plugins: { legend: { display: false }, tooltip } },
  });
  draw("chart-daily", {
    type: "bar",
    data: { labels: data.daily.labels, datasets: [
      { label: "Calls", data: data.daily.calls, backgroundColor: brand },
      { label: "Toll-free", data: data.daily.tollFree, backgroundColor: "#8764b8" },
    ] },
    options: { ...common, scales: { x: { stacked: true }, y: { ...moneyAxis, stacked: true } }, plugins: { tooltip } },
  });
  for (const [id, key] of [["chart-countries", "countries"], ["chart-users", "users"]]) {
    draw(id, {
      type: "bar",
      data: { labels: data[key].labels, datasets: [{ label: "Spent", data: data[key].values, backgroundColor: brand }] },
      options: { ...common, indexAxis: "y", scales: { x: moneyAxis }, plugins: { legend: { display: false }, tooltip } },
    });
  }
});
