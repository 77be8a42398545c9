// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (see metrics/views.chart).
(function () {
  "use strict";
  var palette = ["#0b5cad", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#be123c"];

  function minutesLabel(value) {
    var m = Math.round(value);
    if (m >= 1440) return (m / 1440).toFixed(1).replace(/\.0$/, "") + "d";
    if (m >= 60) return (m / 60).toFixed(1).replace(/\.0$/, "") + "h";
    return m + "m";
  }

  function dayLabel(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  // Periods the window cuts or that are still running (spec.partial, one flag per label) are
  // drawn lighter (bars) or dashed (lines): their numbers cover only part of the period.
  function markPartial(spec, datasets) {
    var partial = spec.partial || [];
    if (!partial.some(Boolean)) return;
    datasets.forEach(function (set) {
      if (spec.type === "bar") {
        var base = set.backgroundColor;
        set.backgroundColor = spec.labels.map(function (_, i) {
          return partial[i] ? base + "55" : base;
        });
      } else if (spec.type === "line") {
        set.segment = {
          borderDash: function (ctx) {
            return partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? [6, 4] : undefined;
          },
        };
        set.pointStyle = partial.map(function (p) { return p ? "rectRot" : "circle"; });
      }
    });
  }

  function build(spec) {
    var datasets = spec.datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      return Object.assign(
        {
          backgroundColor: spec.type === "line" && set.fill ? colour + "99" : colour,
          borderColor: colour,
          pointRadius: spec.type === "scatter" ? 3 : 2,
        },
        set
      );
    });
    markPartial(spec, datasets);
    var lines = (spec.lines || []).map(function (line, i) {
      var xs = datasets[0].data.map(function (p) { return p.x; });
      var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
      return {
        type: "line",
        label: line.label.trim(),
        data: [{ x: lo, y: line.value }, { x: hi, y: line.value }],
        borderColor: ["#374151", "#6b7280", "#9ca3af"][i % 3],
        borderDash: [6, 4],
        pointRadius: 0,
        fill: false,
      };
    });
    var yTicks = spec.unit === "minutes" ? { callback: minutesLabel } : {};
    var scales = {
      y: { beginAtZero: true, stacked: !!spec.stacked, ticks: yTicks },
      x: { stacked: !!spec.stacked },
    };
    if (spec.time_x) {
      scales.x = { type: "linear", ticks: { callback: dayLabel, maxTicksLimit: 8 } };
    }
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets.concat(lines) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var raw = ctx.raw;
                var value = typeof raw === "object" && raw !== null ? raw.y : raw;
                var text = spec.unit === "minutes" && value !== null ? minutesLabel(value) : value;
                var key = raw && raw.key ? raw.key + ": " : "";
                return key + (ctx.dataset.label || "") + " " + text;
              },
            },
          },
        },
      },
    };
  }

  function draw() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      var chart = new Chart(canvas, build(JSON.parse(source.textContent)));
      var spec = JSON.parse(source.textContent);
      canvas.setAttribute("data-partial", String((spec.partial || []).filter(Boolean).length));
      canvas.setAttribute("data-points", String(
        chart.data.datasets.reduce(function (n, set) { return n + set.data.length; }, 0)
      ));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
