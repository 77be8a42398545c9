// The integrations page without reloads: "Sync now" queues a run and asks the live indicator
// (sync_status.js) to poll; each answer it sends updates the cards: status, last sync, the
// run's progress and the runs table.
(function () {
  "use strict";

  var RECENT_RUNS = 5;
  var watching = {}; // integration id -> id of the run this page follows

  function finishedText(run) {
    var text = "Sync " + run.status_label.toLowerCase();
    text += run.duration_seconds !== null ? " in " + run.duration_seconds.toFixed(1) + " s" : "";
    text += ": " + run.api_requests + " requests, " + run.pages_read + " pages, " +
      run.records_created + " new and " + run.records_updated + " updated records.";
    if (run.error_message) text += " " + run.error_message;
    return text;
  }

  function cell(tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    if (tag === "th") node.setAttribute("scope", "row");
    return node;
  }

  function runRow(run) {
    var row = document.createElement("tr");
    row.setAttribute("data-run", String(run.id));
    var requests = String(run.api_requests) +
      (run.api_requests_not_modified ? " (+" + run.api_requests_not_modified + " not modified)" : "");
    row.append(
      cell("th", run.queued_display),
      cell("td", run.trigger),
      cell("td", run.status_label + (run.error_message ? ": " + run.error_message : ""),
        "outcome outcome-" + run.status),
      cell("td", run.duration_seconds !== null ? run.duration_seconds.toFixed(1) + " s" : "—"),
      cell("td", requests),
      cell("td", run.records_created + " new, " + run.records_updated + " updated")
    );
    return row;
  }

  function showRun(section, run) {
    var body = section.querySelector("[data-role=runs]");
    var fresh = runRow(run);
    var old = body.querySelector("tr[data-run='" + run.id + "']");
    if (old) {
      body.replaceChild(fresh, old);
      return;
    }
    body.querySelectorAll("tr:not([data-run])").forEach(function (row) { row.remove(); });
    body.insertBefore(fresh, body.firstChild);
    var rows = body.querySelectorAll("tr[data-run]");
    for (var i = RECENT_RUNS; i < rows.length; i++) rows[i].remove();
  }

  function showWhen(section, role, when) {
    var target = section.querySelector("[data-role=" + role + "]");
    target.textContent = "";
    if (!when.at) {
      target.textContent = "never";
      return;
    }
    var time = document.createElement("time");
    time.setAttribute("datetime", when.at);
    time.textContent = when.display;
    target.append(time);
  }

  function update(section, row) {
    var status = section.querySelector("[data-role=status]");
    status.textContent = row.status.label + (row.is_active ? "" : " · inactive");
    status.className = "status status-" + row.status.key;
    status.setAttribute("data-status", row.status.key);
    section.querySelector("[data-role=headline]").textContent = row.status.headline;
    var error = section.querySelector("[data-role=last-error]");
    error.querySelector("span").textContent = row.last_error;
    error.hidden = !row.last_error;
    showWhen(section, "last-sync", row.last_sync);
    showWhen(section, "last-success", row.last_success);
    section.querySelector("[data-role=run-counts]").textContent =
      row.succeeded_runs + " succeeded, " + row.failed_runs + " failed";
    var progress = section.querySelector("[data-role=progress]");
    var button = section.querySelector(".sync-form button");
    var run = row.active_run;
    if (run) {
      watching[row.id] = run.id;
      progress.textContent = window.AgileTrackSync.describeRun(row.status.label, run);
      progress.setAttribute("data-run-status", run.status);
      button.disabled = true;
      showRun(section, run);
      return;
    }
    button.disabled = !row.is_active;
    var latest = row.latest_run;
    if (latest && watching[row.id] === latest.id) {
      progress.textContent = finishedText(latest);
      progress.setAttribute("data-run-status", latest.status);
      section.setAttribute("data-last-run", String(latest.id));
      showRun(section, latest);
      delete watching[row.id];
    }
  }

  document.addEventListener("agiletrack:sync-status", function (event) {
    event.detail.integrations.forEach(function (row) {
      var section = document.querySelector("section.integration[data-integration='" + row.id + "']");
      if (section) update(section, row);
    });
  });

  document.querySelectorAll("section.integration").forEach(function (section) {
    var form = section.querySelector(".sync-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var progress = section.querySelector("[data-role=progress]");
      progress.textContent = "Queuing a sync…";
      fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            progress.textContent = answer.body.error || "The sync could not be queued.";
            return;
          }
          watching[section.getAttribute("data-integration")] = answer.body.sync_run;
          progress.textContent = answer.body.message || "Sync queued…";
          section.querySelector(".sync-form button").disabled = true;
          document.dispatchEvent(new CustomEvent("agiletrack:sync-queued"));
        })
        .catch(function () {
          progress.textContent = "The sync could not be queued; try again.";
        });
    });
  });
})();
