{% raw %}
// Optional filtering by API and outcome. Without JavaScript the form stays hidden and every case
// is listed; this script only reads the page's own data attributes.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var cases = document.querySelectorAll("details.case");
  function matches(el, api, outcome) {
    if (api && el.getAttribute("data-api") !== api) { return false; }
    var o = el.getAttribute("data-outcome");
    if (outcome === "problem") { return o === "failed" || o === "errored"; }
    if (outcome === "warning") { return el.getAttribute("data-warnings") !== "0"; }
    if (outcome === "flaky") { return el.hasAttribute("data-flaky"); }
    return !outcome || o === outcome;
  }
  function apply() {
    var api = form.elements.api.value;
    var outcome = form.elements.outcome.value;
    for (var i = 0; i < cases.length; i++) {
      cases[i].hidden = !matches(cases[i], api, outcome);
    }
  }
  form.addEventListener("change", apply);
})();
{% endraw %}
