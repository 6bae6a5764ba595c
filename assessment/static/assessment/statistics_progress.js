// Item statistics of a large exam: poll the status endpoint, move the progress bar, and
// load the page again (now from the cache) when the figures are ready.
(function () {
  var root = document.getElementById("item-statistics-progress");
  if (!root || root.dataset.finished === "1") { return; }
  function text(id, value) { document.getElementById(id).textContent = value; }
  function poll() {
    fetch(root.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        document.getElementById("stats-progress").value = state.percent;
        text("stats-phase", state.label);
        text("stats-count", state.count);
        text("stats-percent", state.percent + "%");
        if (state.failed) {
          document.getElementById("stats-failed").hidden = false;
        } else if (state.finished) {
          window.location.replace(root.dataset.pageUrl);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
