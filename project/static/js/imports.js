// An import's progress bar: polls the job's progress JSON, reloads the page
// when the job has finished (the page then shows the result).
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  function poll() {
    fetch(bar.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.percent !== null && state.percent !== undefined) { bar.value = state.percent; }
        if (state.state === "done" || state.failed) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
