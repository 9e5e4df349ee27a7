/* The article editor: the visual editor over the Markdown text, the length counter of the text,
   and the picker of related articles (found ones are added to the list, a cross removes one;
   Enter in its search box does not submit the article).

   The visual editor is Toast UI Editor (static/vendor/toastui, built by `make assets`), in its
   WYSIWYG mode; the "Markdown" switch shows the textarea "body" with the raw text (the choice is
   remembered in this browser). The form still posts Markdown in that textarea: every change in
   the visual editor is copied there, and an article nobody touched is posted exactly as it was
   loaded. Without the script, the textarea is the editor. */
(function () {
  "use strict";
  var body = document.getElementById("body"), counter = document.getElementById("body-counter");
  var host = document.getElementById("visual-editor"), modes = document.getElementById("editor-modes");
  if (body && host && modes && window.toastui && window.toastui.Editor) {
    var editor = new window.toastui.Editor({
      el: host,
      initialValue: body.value,
      initialEditType: "wysiwyg",
      hideModeSwitch: true,
      height: "30rem",
      language: host.dataset.language,
      placeholder: body.placeholder,
      usageStatistics: false,
      autofocus: false,
      // Only what our Markdown renderer shows (portal/kb/markdown.py): no task lists, no
      // pictures pasted as data: addresses (they are added on the "Files and images" page).
      toolbarItems: [["heading", "bold", "italic", "strike"], ["hr", "quote"], ["ul", "ol"],
                     ["table", "link"], ["code", "codeblock"]],
      hooks: { addImageBlobHook: function () { return false; } }
    });
    // The Markdown the two sides last agreed on: a side copies the other's text only when it
    // changed since, so an article nobody touched is posted exactly as it was loaded.
    var agreed = body.value, loading = false;
    editor.on("change", function () {
      if (loading) { return; }
      body.value = agreed = editor.getMarkdown();
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
    var show = function (mode) {
      var visual = mode === "visual";
      if (visual && body.value !== agreed) {
        loading = true; editor.setMarkdown(body.value, false); loading = false; agreed = body.value;
      }
      host.hidden = !visual;
      body.hidden = visual;
      modes.querySelectorAll("[data-mode]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
        b.classList.toggle("active", b.dataset.mode === mode);
      });
      try { window.localStorage.setItem("kb-editor-mode", mode); } catch (e) { /* private mode */ }
    };
    modes.addEventListener("click", function (e) {
      var b = e.target.closest("[data-mode]");
      if (b) { show(b.dataset.mode); (b.dataset.mode === "visual" ? editor : body).focus(); }
    });
    host.querySelectorAll("[contenteditable]").forEach(function (el) {
      el.setAttribute("aria-label", host.dataset.label);
    });
    if (body.classList.contains("is-invalid")) { host.classList.add("is-invalid"); }
    var saved = null;
    try { saved = window.localStorage.getItem("kb-editor-mode"); } catch (e) { /* private mode */ }
    modes.hidden = false;
    show(saved === "markdown" ? "markdown" : "visual");
  }
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
