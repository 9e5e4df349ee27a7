/* The task form: the series fields only for a repeating task, the weekdays only for "every
   week", the day of the month only for "every month on a day", the weekday of the month only
   for "every month on a weekday"; and the series' next five days, as the server computes them
   (the rule that will make the tasks), shown while the form is filled in. */
(function () {
  "use strict";
  var form = document.getElementById("form");
  var repeat = form && form.querySelector('select[name="repeat"]');
  if (!repeat) { return; }
  function group(el) { return el ? el.closest(".form-group, .mb-3, .item-" + el.name) || el.parentElement : null; }
  var every = group(form.querySelector('input[name="repeat_every"]'));
  var until = group(form.querySelector('input[name="repeat_until"]'));
  var source = document.getElementById("repeat-preview-source");
  var box = null;
  if (source && until) {
    box = document.createElement("div");
    box.id = "repeat-preview";
    box.className = "repeat-preview";
    box.setAttribute("aria-live", "polite");
    until.parentNode.insertBefore(box, until.nextSibling);
  }
  function show(selector, on) {
    form.querySelectorAll(selector).forEach(function (el) { el.style.display = on ? "" : "none"; });
  }
  var timer = null;
  var asked = 0;
  function render(data) {
    box.textContent = "";
    if (!data.dates.length && !data.error) { box.hidden = true; return; }
    box.hidden = false;
    var title = document.createElement("div");
    title.className = "repeat-preview-title";
    title.textContent = data.dates.length ? source.dataset.title : data.error;
    box.appendChild(title);
    if (!data.dates.length) { return; }
    var list = document.createElement("ol");
    data.dates.forEach(function (d) {
      var li = document.createElement("li");
      var time = document.createElement("time");
      time.dateTime = d.iso;
      time.textContent = d.text;
      li.appendChild(time);
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  function refresh() {
    if (!box) { return; }
    if (!repeat.value) { box.hidden = true; return; }
    var params = new URLSearchParams();
    ["repeat", "due_date", "repeat_every", "month_day", "month_week", "month_weekday", "repeat_until"].forEach(function (name) {
      var el = form.querySelector('[name="' + name + '"]');
      if (el && el.value) { params.append(name, el.value); }
    });
    form.querySelectorAll('input[name="weekdays"]:checked').forEach(function (el) { params.append("weekdays", el.value); });
    if (source.dataset.start) { params.set("due_date", source.dataset.start); params.set("from", source.dataset.from); }
    var mine = ++asked;
    fetch(source.dataset.url + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === asked) { render(data); } })
      .catch(function () { /* the preview is a help, not a condition */ });
  }
  function sync() {
    var v = repeat.value;
    [every, until].forEach(function (g) { if (g) g.style.display = v ? "" : "none"; });
    show(".repeat-weekly", v === "weekly");
    show(".repeat-monthly", v === "monthly");
    show(".repeat-monthly-weekday", v === "monthly_weekday");
  }
  repeat.addEventListener("change", sync);
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 200); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 50); });
  sync();
  refresh();
})();
