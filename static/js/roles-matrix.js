/* The role matrix (admin/roles/@@matrix): colours each cell by its scope, counts the changed
   cells, warns before leaving with unsaved changes, and filters the rows. */
(function () {
  "use strict";
  var form = document.getElementById("matrix-form");
  var counter = document.getElementById("matrix-changed");
  if (!form || !counter) { return; }
  var dirty = false;
  function paint(select) {
    var td = select.parentNode;
    td.classList.remove("scope-own", "scope-department", "scope-all");
    if (select.value) td.classList.add("scope-" + select.value);
    td.classList.toggle("changed", select.value !== select.dataset.orig);
  }
  function count() {
    var n = form.querySelectorAll("td.changed").length;
    dirty = n > 0;
    counter.textContent = n ? counter.dataset.template.replace("${n}", n) : "";
  }
  form.addEventListener("change", function (e) {
    if (e.target.tagName === "SELECT") { paint(e.target); count(); }
  });
  form.addEventListener("reset", function () {
    setTimeout(function () { form.querySelectorAll("select").forEach(paint); count(); }, 0);
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  var filter = document.getElementById("matrix-filter");
  if (!filter) { return; }
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    var shown = {};
    form.querySelectorAll("tr.matrix-row").forEach(function (tr) {
      var ok = !q || tr.dataset.search.indexOf(q) >= 0;
      tr.hidden = !ok;
      if (ok) shown[tr.dataset.type] = true;
    });
    form.querySelectorAll("tr.matrix-type").forEach(function (tr) { tr.hidden = !shown[tr.dataset.type]; });
  });
})();
