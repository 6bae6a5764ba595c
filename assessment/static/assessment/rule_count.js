// The live "n items match" count beside the blueprint rule form of the exam editor.
(function () {
  "use strict";
  var form = document.querySelector("form[data-rule-count]");
  if (!form) return;
  var output = form.querySelector(".rule-matches");
  var timer = null;
  function update() {
    var params = new URLSearchParams();
    ["bank", "tag", "outcome_code", "difficulty"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) params.set(name, field.value);
    });
    if (!params.get("bank")) {
      output.textContent = "";
      return;
    }
    fetch(form.dataset.ruleCount + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.count === null || data.count === undefined) return;
        var wanted = parseInt((form.elements.count || {}).value || "0", 10);
        output.textContent = output.dataset.label + " " + data.count;
        output.classList.toggle("error-message", wanted > data.count);
      })
      .catch(function () { output.textContent = ""; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
  form.addEventListener("change", update);
  update();
})();
