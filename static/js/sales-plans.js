/* The sales plans grid (views/templates/sales/plans/grid.jinja2): a cell of a coming month is
   saved when it is left after a change — one POST to /sales/plans/@@cell; the server answers
   with the stored amount and the row's total, or says why it refused (a past month, not your
   manager, not an amount), and the cell goes back to what is stored. The "Save" button (the
   whole grid in one post) stays for browsers without the script. The clock icon of a cell
   shows its corrections under the grid. No library. */
(function () {
  "use strict";
  var form = document.getElementById("plans-form");
  if (!form) { return; }
  var cellUrl = form.getAttribute("data-cell-url");
  var failed = form.getAttribute("data-text-failed");
  var messageBox = document.getElementById("plans-message");
  var historyBox = document.getElementById("plans-history");
  var saveButton = document.getElementById("plans-save");
  if (saveButton) { saveButton.hidden = true; }

  function csrfToken() {
    var field = form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }
  function say(text, kind) {
    messageBox.textContent = "";
    if (!text) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (kind || "success") + " py-2 mb-2";
    alert.textContent = text;
    messageBox.appendChild(alert);
  }
  function number(text) {
    var v = parseFloat(String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace(",", "."));
    return isNaN(v) ? 0 : v;
  }
  function save(input) {
    var row = input.closest("tr");
    var cell = input.closest("td");
    var body = new URLSearchParams();
    body.set("manager", row.getAttribute("data-manager"));
    body.set("group", row.getAttribute("data-group"));
    body.set("month", cell.getAttribute("data-month"));
    body.set("amount", input.value);
    body.set("csrf_token", csrfToken());
    input.classList.remove("is-invalid");
    input.classList.add("is-saving");
    fetch(cellUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" }
    }).then(function (r) { return r.json().catch(function () { return { ok: false }; }); })
      .then(function (res) {
        if (!res.ok) {
          input.value = input.getAttribute("data-saved");
          input.classList.add("is-invalid");
          say(res.message || failed, "danger");
          return;
        }
        var before = number(input.getAttribute("data-saved"));
        input.value = res.amount;
        input.setAttribute("data-saved", res.amount);
        var total = row.querySelector(".row-total");
        if (total) { total.textContent = res.row_total; }
        recountMonth(cell.getAttribute("data-month"), number(res.amount) - before);
        say(res.message, "success");
      })
      .catch(function () {
        input.value = input.getAttribute("data-saved");
        say(failed, "danger");
      })
      .finally(function () { input.classList.remove("is-saving"); });
  }
  function recountMonth(month, delta) {
    if (!delta) { return; }
    var cell = form.querySelector('tfoot .month-total[data-month="' + month + '"]');
    var total = document.getElementById("plans-total");
    [cell, total].forEach(function (el) {
      if (!el) { return; }
      var value = number(el.textContent) + delta;
      el.textContent = value.toLocaleString(document.documentElement.lang || undefined,
        { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    });
  }

  form.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("plan-input")) { return; }
    if (input.value === input.getAttribute("data-saved")) { return; }
    save(input);
  });
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("plan-input")) {
      e.preventDefault();
      e.target.blur();
    }
  });
  form.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(".plan-history");
    if (!link || !historyBox) { return; }
    e.preventDefault();
    fetch(link.getAttribute("href") + "&part=1", { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var part = doc.getElementById("plan-history");
        historyBox.textContent = "";
        if (part) { historyBox.appendChild(document.importNode(part, true)); }
        historyBox.scrollIntoView({ block: "nearest" });
      });
  });
})();
