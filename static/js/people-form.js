/* A person's form (admin/users): the departments' filter box and chips of the chosen ones,
   and the copy button of a one-time password. Without scripts the departments are a plain
   list of checkboxes and the password is selectable text. */
(function () {
  "use strict";

  function fold(text) {
    return (text || "").toLocaleLowerCase().replace(/ё/g, "е").trim();
  }

  function picker(box) {
    var filter = box.querySelector("input[type=search]");
    var list = box.querySelector(".department-list");
    var chips = box.querySelector(".department-chips");
    var noMatch = box.querySelector(".department-no-match");
    var items = Array.prototype.slice.call(list.querySelectorAll(".form-check"));
    if (!filter || !items.length) { return; }
    filter.hidden = false;
    chips.hidden = false;
    // A long list scrolls inside its box, so the rest of the form stays in reach.
    list.classList.add("border", "rounded", "px-2", "py-1", "overflow-auto");
    list.style.maxHeight = "15rem";

    function label(item) { return item.querySelector("label").textContent.trim(); }

    function drawChips() {
      chips.textContent = "";
      var chosen = items.filter(function (item) { return item.querySelector("input").checked; });
      var title = document.createElement("span");
      title.className = "small text-secondary me-1 align-self-center";
      title.textContent = chosen.length ? box.dataset.chosenLabel : box.dataset.noneChosen;
      chips.appendChild(title);
      chosen.forEach(function (item) {
        var box_ = item.querySelector("input");
        var chip = document.createElement("span");
        chip.className = "badge rounded-pill text-bg-light border d-inline-flex align-items-center gap-1 fw-normal fs-6";
        chip.textContent = label(item);
        chip.title = item.dataset.path;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close p-1";
        remove.setAttribute("aria-label", box.dataset.removeLabel + ": " + label(item));
        remove.addEventListener("click", function () {
          box_.checked = false;
          drawChips();
          filter.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    function applyFilter() {
      var words = fold(filter.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = fold(item.dataset.path);
        var match = words.every(function (w) { return text.indexOf(w) >= 0; });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      noMatch.hidden = shown > 0;
      return shown;
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      // Enter picks the only department left in view instead of sending the form.
      event.preventDefault();
      var visible = items.filter(function (item) { return !item.hidden; });
      if (visible.length === 1) {
        var input = visible[0].querySelector("input");
        input.checked = !input.checked;
        drawChips();
        filter.select();
      }
    });
    list.addEventListener("change", drawChips);
    drawChips();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-department-picker]"), picker);

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-target]"), function (button) {
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.dataset.copiedLabel;
      });
    });
  });
})();
