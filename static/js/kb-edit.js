/* The article editor: the length counter of the text, and the picker of related articles
   (found ones are added to the list, a cross removes one; Enter in its search box does not
   submit the article). */
(function () {
  "use strict";
  var body = document.getElementById("body"), counter = document.getElementById("body-counter");
  if (body && counter) {
    var count = function () {
      var max = +counter.dataset.max, n = body.value.length;
      counter.textContent = n.toLocaleString() + " / " + max.toLocaleString();
      counter.classList.toggle("text-danger", n > max);
    };
    body.addEventListener("input", count); count();
  }
  var picked = document.getElementById("related-picked");
  var found = document.getElementById("related-found");
  if (!picked || !found) { return; }
  picked.addEventListener("click", function (e) {
    var btn = e.target.closest(".kb-unrelate"); if (btn) { btn.closest("li").remove(); }
  });
  found.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-relate]"); if (!btn) return;
    e.preventDefault();
    if (picked.querySelector('[data-id="' + btn.dataset.relate + '"]')) return;
    var li = document.createElement("li");
    li.className = "list-group-item d-flex align-items-center gap-2"; li.dataset.id = btn.dataset.relate;
    var input = document.createElement("input"); input.type = "hidden"; input.name = "related"; input.value = btn.dataset.relate;
    var span = document.createElement("span"); span.className = "flex-grow-1 small text-truncate"; span.textContent = btn.dataset.title;
    var x = document.createElement("button"); x.type = "button"; x.className = "btn btn-sm btn-link text-danger p-0 kb-unrelate";
    var icon = document.createElement("i"); icon.className = "bi bi-x-lg"; x.appendChild(icon);
    li.append(input, span, x); picked.append(li); btn.closest("li").remove();
  });
  var q = document.getElementById("related-q");
  if (q) { q.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); }); }
})();
