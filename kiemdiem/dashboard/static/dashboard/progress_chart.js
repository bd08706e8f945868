// The dashboard's chart: the children furthest behind, as horizontal bars of the share of plans
// filed and of items done (Chart.js, served from npm). The numbers come from the page
// (json_script "progress-chart-data") and are also in the progress table under the chart.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("progress-chart");
    var source = document.getElementById("progress-chart-data");
    if (!canvas || !source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    // One bar pair per unit: the box grows with the number of units.
    canvas.parentNode.style.height = Math.max(12, data.labels.length * 2.4 + 4) + "rem";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Kế hoạch đã nộp (%)", data: data.plans, backgroundColor: "#a50e0e" },
          { label: "Nội dung đã hoàn thành (%)", data: data.items, backgroundColor: "#0a58ca" },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { position: "top" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.raw + "%"; } } },
        },
        onClick: function (event, elements) {
          if (elements.length) window.location.href = data.urls[elements[0].index];
        },
      },
    });
  });
})();
