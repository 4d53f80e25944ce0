// The offering page's three charts, from the JSON the page embeds (json_script "ipo-charts").
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("ipo-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const bar = (id, labels, values, label) => {
    const canvas = document.getElementById(id);
    if (!canvas || !labels.length) return;
    new Chart(canvas, { type: "bar", data: { labels, datasets: [{ label, data: values }] },
      options: { responsive: true, plugins: { legend: { display: false } } } });
  };
  bar("chart-sizes", data.sizes.map((r) => r.band), data.sizes.map((r) => r.orders), "笔数");
  if (data.allocation && "kept" in data.allocation) {
    bar("chart-allocation", ["投资者获配", "余股（主承销商包销）"], [data.allocation.kept, data.allocation.remainder], "股");
  }
  const money = data.money_yuan || {};
  bar("chart-money", Object.keys(money), Object.values(money), "元");
});
