// Export status page: polls the JSON status endpoint and updates the progress bar.
// Loaded as a static file (the CSP forbids inline scripts).
(function () {
  "use strict";
  var root = document.getElementById("export");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var labels = { queued: "Menunggu giliran", running: "Sedang dibuat", finished: "Selesai", failed: "Gagal" };
  var delay = 1000;

  function $(id) { return document.getElementById(id); }

  function show(data) {
    root.setAttribute("data-status", data.status);
    $("export-state").textContent = labels[data.status] || data.status;
    var active = data.status === "queued" || data.status === "running";
    $("export-message").textContent = active && data.message ? "\u00b7 " + data.message : "";
    $("export-bar").value = data.progress;
    $("export-bar").textContent = data.progress + "%";
    $("export-pct").textContent = data.progress + "%";
    if (data.status === "finished" && data.download_url) {
      $("export-download-link").setAttribute("href", data.download_url);
      $("export-download").hidden = false;
    }
    if (data.status === "failed") {
      $("export-error").textContent = data.error || "Ekspor gagal.";
      $("export-failed").hidden = false;
    }
  }

  function poll() {
    var req = new XMLHttpRequest();
    req.open("GET", url);
    req.setRequestHeader("Accept", "application/json");
    req.onload = function () {
      if (req.status === 200) {
        var data = JSON.parse(req.responseText);
        show(data);
        if (data.status === "queued" || data.status === "running") {
          delay = Math.min(delay * 1.2, 5000);
          window.setTimeout(poll, delay);
        }
      } else {
        window.setTimeout(poll, 5000);
      }
    };
    req.onerror = function () { window.setTimeout(poll, 5000); };
    req.send();
  }

  var status = root.getAttribute("data-status");
  if (status === "queued" || status === "running") { window.setTimeout(poll, 500); }
})();
