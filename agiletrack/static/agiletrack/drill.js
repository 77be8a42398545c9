// Drill-down from a chart: a click on a bar of a chart whose JSON has `links` (one URL per
// label, see metrics/delivery_views.period_links) opens the list behind that bar; with
// `link_mode: "point"` the links are per point of the first dataset (the scatter's items); with
// `link_mode: "band"` (a stacked area chart) `links[dataset][label]`, the band clicked being the
// one whose area holds the click at the nearest label.
// The chart's table, where it has one, holds the same links for the keyboard.
(function () {
  "use strict";

  // The stacked band under the click: datasets are stacked bottom-up in order, so the first
  // visible one whose top (smaller y is higher) is at or above the click holds it.
  function bandLink(chart, event, links) {
    var hits = chart.getElementsAtEventForMode(event, "index", { intersect: false }, true);
    if (!hits.length) return null;
    var index = hits[0].index;
    var y = event.offsetY;
    for (var set = 0; set < links.length; set += 1) {
      if (!chart.isDatasetVisible(set)) continue;
      var point = chart.getDatasetMeta(set).data[index];
      if (point && point.y <= y) return links[set][index];
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    var canvas = event.target;
    if (!(canvas instanceof HTMLCanvasElement) || !canvas.hasAttribute("data-chart")) return;
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var links = spec.links;
    var chart = Chart.getChart(canvas);
    if (!links || !chart) return;
    if (spec.link_mode === "band") {
      var link = bandLink(chart, event, links);
      if (link) window.location.assign(link);
      return;
    }
    var hits = spec.link_mode === "point"
      ? chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)
          .filter(function (hit) { return hit.datasetIndex === 0; })
      : chart.getElementsAtEventForMode(event, "index", { intersect: false }, true);
    if (hits.length && links[hits[0].index]) window.location.assign(links[hits[0].index]);
  });
})();
