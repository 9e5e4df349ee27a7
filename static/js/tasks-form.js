/* The task form: the series fields only for a repeating task, the weekdays only for "every
   week", the day of the month only for "every month". */
(function () {
  "use strict";
  var repeat = document.querySelector('#form select[name="repeat"]');
  if (!repeat) { return; }
  function group(el) { return el ? el.closest(".form-group, .mb-3, .item-" + el.name) || el.parentElement : null; }
  var every = group(document.querySelector('#form input[name="repeat_every"]'));
  var until = group(document.querySelector('#form input[name="repeat_until"]'));
  var weekly = document.querySelector("#form .repeat-weekly");
  var monthly = document.querySelector("#form .repeat-monthly");
  function sync() {
    var v = repeat.value;
    [every, until].forEach(function (g) { if (g) g.style.display = v ? "" : "none"; });
    if (weekly) weekly.style.display = v === "weekly" ? "" : "none";
    if (monthly) monthly.style.display = v === "monthly" ? "" : "none";
  }
  repeat.addEventListener("change", sync);
  sync();
})();
