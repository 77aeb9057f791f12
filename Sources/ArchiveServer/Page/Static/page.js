// tts-archive's page: the only script. On /operations it polls the API for running operations' progress
// (GET /v1/operations, with the page's session cookie) and reloads the page when one ends, so its report shows.
// Everything else works without it (the page reloads itself every few seconds in a <noscript> instead).
"use strict";
(function () {
  var table = document.getElementById("operations");
  if (!table) return;
  function running() {
    return Array.prototype.slice.call(table.querySelectorAll("tr[data-operation]")).filter(function (row) {
      var s = row.getAttribute("data-status");
      return s === "Running" || s === "NotStarted";
    });
  }
  function poll() {
    var rows = running();
    if (rows.length === 0) return;
    fetch("/v1/operations?top=30", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (page) {
        if (!page) { setTimeout(poll, 3000); return; }
        var ended = false;
        page.value.forEach(function (o) {
          var row = table.querySelector('tr[data-operation="' + CSS.escape(o.id) + '"]');
          if (!row) return;
          var before = row.getAttribute("data-status");
          row.setAttribute("data-status", o.status);
          row.querySelector(".status").textContent = o.status;
          row.querySelector("progress").value = o.percentComplete;
          row.querySelector("progress").textContent = o.percentComplete + "%";
          row.querySelector(".percent").textContent = o.percentComplete + "%";
          row.querySelector(".phase").textContent = (o.progress && o.progress.phase) || "";
          row.querySelector(".last").textContent = (o.lastActionDateTime || "").slice(0, 19).replace("T", " ");
          if ((before === "Running" || before === "NotStarted") && o.status !== "Running" && o.status !== "NotStarted") ended = true;
        });
        if (ended) { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
