// Downloads made in the browser: every table on a page gets a "Download table (CSV)" button
// with the rows it shows; charts.js uses the same helpers for chart data (CSV) and images (PNG).
(function () {
  "use strict";

  // A cell a spreadsheet would run as a formula is written as text (like the API's CSV).
  function cell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(rows) {
    return rows.map(function (row) { return row.map(cell).join(","); }).join("\r\n") + "\r\n";
  }

  function fileName(text) {
    var slug = String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return (slug || "export").slice(0, 60);
  }

  function save(href, name) {
    var link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function saveCsv(rows, name) {
    var url = URL.createObjectURL(new Blob([csv(rows)], { type: "text/csv;charset=utf-8" }));
    save(url, name);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function text(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
  }

  function tableRows(table) {
    return Array.prototype.map.call(table.rows, function (row) {
      return Array.prototype.map.call(row.cells, text);
    });
  }

  function addTableButtons() {
    // A metric's explanation holds its band table: reference text, not data to download.
    document.querySelectorAll("main table:not(.explain-bands)").forEach(function (table, i) {
      var caption = table.caption ? text(table.caption) : document.title + " " + (i + 1);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "export-table";
      button.textContent = "Download table (CSV)";
      button.setAttribute("data-export", "table-csv");
      button.addEventListener("click", function () {
        saveCsv(tableRows(table), fileName(caption) + ".csv");
      });
      var after = table.parentElement.classList.contains("table-scroll") ? table.parentElement : table;
      var bar = document.createElement("div");
      bar.className = "exports";
      bar.appendChild(button);
      after.insertAdjacentElement("afterend", bar);
    });
  }

  window.AgileTrackExport = { csv: csv, fileName: fileName, save: save, saveCsv: saveCsv };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addTableButtons);
  } else {
    addTableButtons();
  }
})();
