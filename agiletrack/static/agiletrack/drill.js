// Drill-down from a chart: a click on a bar of a chart whose JSON has `links` (one URL per
// label, see metrics/delivery_views.period_links) opens the list behind that bar. The chart's
// table holds the same links for the keyboard.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var canvas = event.target;
    if (!(canvas instanceof HTMLCanvasElement) || !canvas.hasAttribute("data-chart")) return;
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") return;
    var links = JSON.parse(source.textContent).links;
    var chart = Chart.getChart(canvas);
    if (!links || !chart) return;
    var hits = chart.getElementsAtEventForMode(event, "index", { intersect: false }, true);
    if (hits.length && links[hits[0].index]) window.location.assign(links[hits[0].index]);
  });
})();
