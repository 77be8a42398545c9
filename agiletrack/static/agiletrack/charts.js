// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (see metrics/views.chart),
// in the colours of the page's theme (CSS variables), with CSV and PNG downloads under each.
(function () {
  "use strict";
  var HOUR = 3600 * 1000;
  var DAY = 24 * HOUR;
  var WEEK = 7 * DAY;
  // Time axes step by one of these round units: the smallest that needs at most MAX_TICKS steps.
  var TIME_STEPS = [HOUR, 6 * HOUR, DAY, 2 * DAY, WEEK];
  var MAX_TICKS = 8;
  // 1970-01-01 was a Thursday: weeks start on the Monday four days later.
  var MONDAY = 4 * DAY;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    var colours = [];
    for (var i = 1; i <= 6; i++) colours.push(cssVar("--chart-" + i, "#0b5cad"));
    return colours;
  }

  function minutesLabel(value) {
    var m = Math.round(value);
    if (m >= 1440) return (m / 1440).toFixed(1).replace(/\.0$/, "") + "d";
    if (m >= 60) return (m / 60).toFixed(1).replace(/\.0$/, "") + "h";
    return m + "m";
  }

  function timeStep(lo, hi, steps) {
    steps = steps || TIME_STEPS;
    for (var i = 0; i < steps.length; i++) {
      if ((hi - lo) / steps[i] <= MAX_TICKS) return steps[i];
    }
    var week = steps[steps.length - 1];
    return Math.ceil((hi - lo) / MAX_TICKS / week) * week;
  }

  // Durations (minutes) on the y axis step by round units too: 5, 15, 30 minutes, then 1 h,
  // 6 h, 1 d, 2 d, 1 w and whole weeks.
  var MINUTE_STEPS = [5, 15, 30, 60, 360, 1440, 2880, 10080];

  function durationScale(spec, datasets, stacked) {
    var top = 0;
    var sums = {};
    datasets.concat(spec.lines || []).forEach(function (set) {
      (set.data || [{ y: set.value }]).forEach(function (p, i) {
        var v = p !== null && typeof p === "object" ? p.y : p;
        if (typeof v !== "number") return;
        if (stacked) { sums[i] = (sums[i] || 0) + v; v = sums[i]; }
        top = Math.max(top, v);
      });
    });
    var step = timeStep(0, Math.max(top, 1), MINUTE_STEPS);
    return { min: 0, max: Math.max(step, Math.ceil(top / step) * step), ticks: { stepSize: step } };
  }

  // Round time ticks in the team's time zone (spec.utc_offset_minutes): whole hours, local
  // midnights, Mondays for weekly steps.
  function timeScale(spec, datasets) {
    var offset = (spec.utc_offset_minutes || 0) * 60 * 1000;
    var xs = [];
    datasets.forEach(function (set) {
      set.data.forEach(function (p) { if (p && typeof p.x === "number") xs.push(p.x); });
    });
    var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
    if (hi <= lo) hi = lo + HOUR;
    var step = timeStep(lo, hi);
    var anchor = step >= WEEK ? MONDAY : 0;
    var floor = function (t) { return Math.floor((t + offset - anchor) / step) * step + anchor - offset; };
    var min = floor(lo), max = floor(hi);
    if (max < hi) max += step;
    var label = function (ms) {
      var local = new Date(ms + offset).toISOString();
      return step < DAY ? local.slice(5, 10) + " " + local.slice(11, 16) : local.slice(0, 10);
    };
    return {
      type: "linear",
      min: min,
      max: max,
      ticks: { stepSize: step, callback: label, maxRotation: 0 },
      afterBuildTicks: function (axis) {
        // Chart.js may add the data's own ends as ticks: keep only the round ones.
        axis.ticks = axis.ticks.filter(function (t) { return (t.value - min) % step === 0; });
      },
    };
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
    var colours = palette();
    var datasets = spec.datasets.map(function (set, i) {
      var colour = colours[i % colours.length];
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
    var lineColours = [cssVar("--chart-line-1", "#374151"), cssVar("--chart-line-2", "#6b7280"),
      cssVar("--chart-line-3", "#9ca3af")];
    var lines = (spec.lines || []).map(function (line, i) {
      var xs = datasets[0].data.map(function (p) { return p.x; });
      var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
      return {
        type: "line",
        label: line.label.trim(),
        data: [{ x: lo, y: line.value }, { x: hi, y: line.value }],
        borderColor: lineColours[i % 3],
        borderDash: [6, 4],
        pointRadius: 0,
        fill: false,
      };
    });
    var scales = {
      y: { beginAtZero: true, stacked: !!spec.stacked },
      x: { stacked: !!spec.stacked },
    };
    if (spec.unit === "minutes") {
      var y = durationScale(spec, spec.datasets, !!spec.stacked);
      y.ticks.callback = minutesLabel;
      scales.y = Object.assign(scales.y, y);
    }
    if (spec.time_x) scales.x = timeScale(spec, datasets);
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets.concat(lines) },
      plugins: [background],
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

  // Paints the card colour behind the chart, so a downloaded PNG is not transparent.
  var background = {
    id: "agiletrackBackground",
    beforeDraw: function (chart) {
      var ctx = chart.canvas.getContext("2d");
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = cssVar("--card", "#ffffff");
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  // The chart's numbers as CSV rows: one row per label (category charts), or one row per
  // point (time and scatter charts: dataset, time, value, item).
  function chartRows(spec) {
    var minutes = spec.unit === "minutes" ? " (minutes)" : "";
    if (spec.time_x || !spec.labels.length) {
      var offset = (spec.utc_offset_minutes || 0) * 60 * 1000;
      var rows = [["Series", "Time", "Value" + minutes, "Item"]];
      spec.datasets.forEach(function (set) {
        set.data.forEach(function (p) {
          var local = new Date(p.x + offset).toISOString().slice(0, 16).replace("T", " ");
          rows.push([set.label, local, p.y, p.key || ""]);
        });
      });
      (spec.lines || []).forEach(function (line) { rows.push([line.label.trim(), "", line.value, ""]); });
      return rows;
    }
    var partial = spec.partial || [];
    var head = ["Period"].concat(spec.datasets.map(function (set) { return set.label + minutes; }));
    if (partial.length) head.push("Partial");
    var body = spec.labels.map(function (label, i) {
      var row = [label].concat(spec.datasets.map(function (set) { return set.data[i]; }));
      if (partial.length) row.push(partial[i] ? "yes" : "no");
      return row;
    });
    return [head].concat(body);
  }

  function exportButtons(canvas, chart, spec) {
    var name = window.AgileTrackExport.fileName(spec.title || canvas.id);
    var bar = document.createElement("div");
    bar.className = "exports";
    var csv = document.createElement("button");
    csv.type = "button";
    csv.textContent = "Download chart data (CSV)";
    csv.setAttribute("data-export", "csv");
    csv.addEventListener("click", function () {
      window.AgileTrackExport.saveCsv(chartRows(spec), name + ".csv");
    });
    var png = document.createElement("button");
    png.type = "button";
    png.textContent = "Download chart (PNG)";
    png.setAttribute("data-export", "png");
    png.addEventListener("click", function () {
      window.AgileTrackExport.save(chart.toBase64Image("image/png", 1), name + ".png");
    });
    bar.appendChild(csv);
    bar.appendChild(png);
    canvas.closest("figure").appendChild(bar);
  }

  function draw() {
    if (typeof Chart === "undefined") return;
    Chart.defaults.color = cssVar("--muted", "#57606a");
    Chart.defaults.borderColor = cssVar("--line", "#d0d7de");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      var chart = new Chart(canvas, build(JSON.parse(source.textContent)));
      canvas.setAttribute("data-partial", String((spec.partial || []).filter(Boolean).length));
      canvas.setAttribute("data-points", String(
        chart.data.datasets.reduce(function (n, set) { return n + set.data.length; }, 0)
      ));
      if (window.AgileTrackExport) exportButtons(canvas, chart, spec);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
