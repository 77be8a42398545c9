// The live sync indicator of every team page: while a sync runs, poll the team's status JSON
// every 2 s and say what is being read; tell the page (the integrations cards) through an
// "agiletrack:sync-status" event carrying the JSON. Starts on load when a sync runs, or when a
// page sends "agiletrack:sync-queued".
(function () {
  "use strict";

  var POLL_MS = 2000;
  var box = document.querySelector(".sync-indicator");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var live = box.querySelector("[data-role=live]");
  var asOf = box.querySelector("[data-role=data-as-of]");
  var polling = false;
  var sawRunning = false;

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // "Syncing pull_requests:acme/web: 3 pages read, 120 records stored, 12 s elapsed."
  function describeRun(label, run) {
    if (run.status !== "running") return label + "…";
    var text = label + (run.current_stream ? " " + run.current_stream : "") + ": " +
      plural(run.pages_read, "page") + " read, " +
      plural(run.records_created + run.records_updated, "record") + " stored";
    if (run.elapsed_seconds !== null) text += ", " + Math.round(run.elapsed_seconds) + " s elapsed";
    return text + ".";
  }

  function renderAsOf(when) {
    asOf.textContent = "";
    if (!when.at) {
      asOf.textContent = "No data synced yet";
      return;
    }
    var time = document.createElement("time");
    time.setAttribute("datetime", when.at);
    time.textContent = when.display;
    asOf.append("Data as of ", time);
  }

  function render(status) {
    renderAsOf(status.data_as_of);
    var running = status.integrations.filter(function (row) { return row.active_run; });
    if (running.length) {
      live.textContent = running.map(function (row) {
        return row.name + ": " + describeRun(row.status.label, row.active_run);
      }).join(" ");
    } else if (sawRunning) {
      live.textContent = document.querySelector("section.integration")
        ? "Sync finished."
        : "Sync finished; reload the page to see the new numbers.";
    }
  }

  function tick() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (status) {
        if (status.running) sawRunning = true;
        render(status);
        document.dispatchEvent(new CustomEvent("agiletrack:sync-status", { detail: status }));
        if (status.running) {
          window.setTimeout(tick, POLL_MS);
        } else {
          polling = false;
        }
      })
      .catch(function () {
        polling = false;
        live.textContent = "Could not read the sync status; reload the page to see it.";
      });
  }

  function start() {
    if (polling) return;
    polling = true;
    tick();
  }

  window.AgileTrackSync = { describeRun: describeRun };
  document.addEventListener("agiletrack:sync-queued", start);
  if (box.getAttribute("data-running") === "true") start();
})();
