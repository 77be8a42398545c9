// "Sync now" without a page reload: queue the run, then poll its status until it ends.
(function () {
  "use strict";

  function formatRun(run) {
    var text = "Sync " + run.status_label.toLowerCase();
    if (run.finished) {
      text += run.duration_seconds !== null ? " in " + run.duration_seconds.toFixed(1) + " s" : "";
      text += ": " + run.api_requests + " requests, " + run.records_created + " new and " +
        run.records_updated + " updated records.";
      if (run.error_message) text += " " + run.error_message;
    } else {
      text += "…";
    }
    return text;
  }

  function poll(section, url) {
    var progress = section.querySelector("[data-role=progress]");
    var status = section.querySelector("[data-role=status]");
    var button = section.querySelector(".sync-form button");
    button.disabled = true;
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (run) {
          progress.textContent = formatRun(run);
          progress.setAttribute("data-run-status", run.status);
          if (run.finished) {
            status.textContent = run.integration_status_label;
            status.className = "status status-" + run.integration_status;
            button.disabled = false;
            section.setAttribute("data-last-run", String(run.id));
          } else {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () {
          progress.textContent = "Could not read the sync's progress; reload the page to see it.";
          button.disabled = false;
        });
    }
    tick();
  }

  document.querySelectorAll("section.integration").forEach(function (section) {
    var form = section.querySelector(".sync-form");
    if (!form) return;
    if (form.getAttribute("data-run-url")) poll(section, form.getAttribute("data-run-url"));
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
          poll(section, answer.body.status_url);
        })
        .catch(function () {
          progress.textContent = "The sync could not be queued; try again.";
        });
    });
  });
})();
