// Drill-down from a chart: a click on a bar of a chart whose JSON has `links` (one URL per
// label, see metrics/delivery_views.period_links) opens the list behind that bar; with
// `link_mode: "point"` the links are per point of the first dataset (the scatter's items).
// The chart's table, where it has one, holds the same links for the keyboard.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var canvas = event.target;
    if (!(canvas instanceof HTMLCanvasElement) || !canvas.hasAttribute("data-chart")) return;
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var links = spec.links;
    var chart = Chart.getChart(canvas);
    if (!links || !chart) return;
    var hits = spec.link_mode === "point"
      ? chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)
          .filter(function (hit) { return hit.datasetIndex === 0; })
      : chart.getElementsAtEventForMode(event, "index", { intersect: false }, true);
    if (hits.length && links[hits[0].index]) window.location.assign(links[hits[0].index]);
  });
})();
