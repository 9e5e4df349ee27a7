// The order form: "One more line" copies the last line row, emptied (the form works without it:
// five empty rows come with the page). No inline script: the page's CSP forbids it.
(function () {
  "use strict";
  function init() {
    var button = document.getElementById("add-order-line");
    var body = document.getElementById("order-line-rows");
    if (!button || !body) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr.order-line-row");
      if (!rows.length || rows.length >= 200) { return; }
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      body.appendChild(copy);
      var first = copy.querySelector("select");
      if (first) { first.focus(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
