// Porch admin panel enhancements. Everything works without this file; it adds a live Markdown
// preview, drag-and-drop photo uploads, confirmation before destructive actions, and the
// composer's counter, @ suggestions, Ctrl+Enter, autosave and the unsaved-changes warning.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  csrf = csrf ? csrf.getAttribute("content") : "";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // The page right after the composer was sent decides what becomes of the copy it kept: a
  // screen saying the save worked ("?done=…") removes it; any other (the form shown again with
  // a refusal, a lapsed session) leaves it, to come back in the composer.
  try {
    var sent = sessionStorage.getItem("porch:compose:sent");
    sessionStorage.removeItem("porch:compose:sent");
    if (sent && /[?&]done=/.test(window.location.search)) localStorage.removeItem(sent);
  } catch (e) { /* no storage: nothing was kept */ }

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });

  // Setup: the time zone this browser is in is chosen, and the fediverse name follows the
  // username as it is typed.
  var zone = document.querySelector("select[data-browser-zone]");
  if (zone && window.Intl) {
    var here = Intl.DateTimeFormat().resolvedOptions().timeZone;
    Array.prototype.forEach.call(zone.options, function (option) {
      if (option.value === here) option.selected = true;
    });
  }
  var username = document.getElementById("username");
  var echoes = document.querySelectorAll("[data-username-echo]");
  if (username && echoes.length) {
    username.addEventListener("input", function () {
      echoes.forEach(function (el) { el.textContent = username.value || "username"; });
    });
  }

  var textarea = document.getElementById("markdown");
  var preview = document.getElementById("preview");
  if (textarea && preview) {
    var column = preview.closest(".preview-column");
    var grid = document.getElementById("compose-grid");
    var timer = null;
    var render = function () {
      fetch("/admin/preview", {
        method: "POST",
        headers: { "Content-Type": "text/plain; charset=utf-8", "X-CSRF-Token": csrf },
        body: textarea.value,
        credentials: "same-origin"
      }).then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      }).then(function (html) {
        // The server sanitized this HTML with the same rules as a saved post.
        preview.innerHTML = html;
      }).catch(function () { /* the preview is a convenience; saving still works */ });
    };
    column.hidden = false;
    grid.classList.add("has-preview");
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 300);
    });
    render();
  }

  // A form marked data-unsaved-warning asks before the page is left with changes in it;
  // sending the form does not.
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    var changed = false;
    var sending = false;
    var mark = function () { changed = true; };
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    form.addEventListener("submit", function () { sending = true; });
    window.addEventListener("beforeunload", function (event) {
      if (changed && !sending) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });

  var composer = document.getElementById("composer");
  if (composer && textarea) {
    var primary = document.getElementById("primary");

    // The counter: characters as a reader sees them (a link counts by its text).
    var counterCount = document.getElementById("counter-count");
    var counter = document.getElementById("counter");
    if (counterCount && counter) {
      var limit = parseInt(counter.textContent.split("/")[1], 10) || 300;
      var visible = function (text) {
        return Array.from(text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")).length;
      };
      var recount = function () {
        var n = visible(textarea.value);
        counterCount.textContent = n;
        counter.classList.toggle("over", n > limit);
      };
      textarea.addEventListener("input", recount);
      recount();
    }

    // "Schedule for" turns the date on and renames the button.
    var laterRadio = document.getElementById("when-later");
    var date = document.getElementById("publish_at");
    if (laterRadio && date && primary) {
      var when = function () {
        date.disabled = !laterRadio.checked;
        primary.textContent = laterRadio.checked ? primary.dataset.later : primary.dataset.now;
      };
      composer.querySelectorAll('input[name="when"]').forEach(function (radio) {
        radio.addEventListener("change", when);
      });
      when();
    }

    // Ctrl+Enter (Cmd+Enter) anywhere in the form presses the primary button; a plain Enter in
    // a one-line field sends nothing (it would press the first button: publish).
    composer.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      if ((event.ctrlKey || event.metaKey) && primary) {
        event.preventDefault();
        composer.requestSubmit(primary);
      } else if (event.target.tagName === "INPUT" && event.target.type !== "submit") {
        event.preventDefault();
      }
    });

    // Autosave: the form's text is kept in this browser as it is typed, so that a lapsed
    // session, a closed tab or a refused save loses nothing. Sending the form names its copy in
    // this tab's session storage; the screen a save that worked leads to ("?done=…") removes
    // that copy, and a composer shown again (a refusal, or after signing in) keeps it.
    var key = "porch:compose:" + composer.dataset.autosave;
    var saved = Number(composer.dataset.updated || "0") * 1000;
    var note = document.getElementById("autosave-note");
    var fieldsToKeep = ["markdown", "title", "content_warning", "summary", "in_reply_to", "bookmark_of", "new_categories"];
    var snapshot = function () {
      var out = {};
      fieldsToKeep.forEach(function (id) {
        var el = document.getElementById(id);
        if (el) out[id] = el.value;
      });
      return out;
    };
    var initial = JSON.stringify(snapshot());
    var store = function () {
      try {
        var now = snapshot();
        if (JSON.stringify(now) === initial) return;
        localStorage.setItem(key, JSON.stringify({ fields: now, at: Date.now() }));
      } catch (e) { /* storage may be full or off: autosave is a convenience */ }
    };
    var saveTimer = null;
    composer.addEventListener("input", function () {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(store, 500);
    });
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    // Only a copy made after the post was last saved is offered.
    if (kept && kept.fields && kept.at > saved && JSON.stringify(kept.fields) !== initial && note) {
      var restore = function () {
        Object.keys(kept.fields).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) el.value = kept.fields[id];
        });
        // Restored text is unsaved text: the warning before leaving applies to it.
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        var more = document.getElementById("more");
        if (more && fieldsToKeep.some(function (id) { return id !== "markdown" && kept.fields[id]; })) more.open = true;
      };
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link";
      discard.textContent = "Discard it";
      discard.addEventListener("click", function () {
        localStorage.removeItem(key);
        Object.keys(kept.fields).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) el.value = el.defaultValue;
        });
        textarea.dispatchEvent(new Event("input"));
        note.hidden = true;
      });
      if (composer.dataset.autosave.indexOf("new-") === 0) {
        // A new post: what was being written comes back by itself.
        restore();
        note.textContent = "Restored what you were writing, kept in this browser. ";
      } else {
        var again = document.createElement("button");
        again.type = "button";
        again.className = "link";
        again.textContent = "Restore it";
        again.addEventListener("click", function () { restore(); again.remove(); });
        note.textContent = "This browser kept a newer, unsaved version of this text. ";
        note.append(again, " · ");
      }
      note.append(discard);
      note.hidden = false;
    }

    composer.addEventListener("submit", function () {
      clearTimeout(saveTimer);
      store();
      try { sessionStorage.setItem("porch:compose:sent", key); } catch (e) { /* no storage */ }
    });

    // @ suggestions: people followed or known, from Porch's own store (nothing is looked up
    // elsewhere while typing). Arrow keys move, Enter or Tab picks, Escape closes.
    var list = document.getElementById("mention-suggestions");
    var status = document.getElementById("mention-status");
    if (list) {
      var active = -1;
      var items = [];
      var wordAt = function () {
        var before = textarea.value.slice(0, textarea.selectionStart);
        var m = before.match(/(^|[\s([{>"'])@([A-Za-z0-9_.\-]*(?:@[A-Za-z0-9.\-:]*)?)$/);
        return m ? { text: m[2], start: before.length - m[2].length - 1 } : null;
      };
      var close = function () {
        list.hidden = true;
        list.textContent = "";
        items = [];
        active = -1;
        if (status) status.textContent = "";
      };
      var pick = function (handle) {
        var at = wordAt();
        if (!at) return close();
        var value = textarea.value;
        var end = textarea.selectionStart;
        textarea.value = value.slice(0, at.start) + "@" + handle + " " + value.slice(end);
        var caret = at.start + handle.length + 2;
        textarea.setSelectionRange(caret, caret);
        close();
        textarea.dispatchEvent(new Event("input"));
        textarea.focus();
      };
      var mark = function () {
        items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
        // The text box keeps the focus; a live status says which person Enter would take.
        if (active >= 0 && status) status.textContent = items[active].textContent + " (Enter to mention, Escape to close)";
      };
      var lookupTimer = null;
      var suggest = function () {
        var at = wordAt();
        if (!at || at.text.length < 1) return close();
        fetch("/admin/handles?q=" + encodeURIComponent(at.text), {
          headers: { "Accept": "application/json" },
          credentials: "same-origin"
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(function (found) {
          close();
          if (!found.length || !wordAt()) return;
          found.forEach(function (person, i) {
            var li = document.createElement("li");
            li.id = "mention-" + i;
            li.setAttribute("role", "option");
            li.dataset.handle = person.handle;
            var name = document.createElement("span");
            name.textContent = person.name || person.handle;
            var handle = document.createElement("span");
            handle.className = "hint";
            handle.textContent = " @" + person.handle;
            li.append(name, handle);
            li.addEventListener("mousedown", function (event) {
              event.preventDefault();
              pick(person.handle);
            });
            list.append(li);
            items.push(li);
          });
          active = 0;
          mark();
          list.hidden = false;
        }).catch(close);
      };
      textarea.addEventListener("input", function () {
        clearTimeout(lookupTimer);
        lookupTimer = setTimeout(suggest, 150);
      });
      textarea.addEventListener("keydown", function (event) {
        if (list.hidden || !items.length) return;
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
          mark();
        } else if ((event.key === "Enter" && !event.ctrlKey && !event.metaKey) || event.key === "Tab") {
          event.preventDefault();
          pick(items[Math.max(active, 0)].dataset.handle);
        } else if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      });
      textarea.addEventListener("blur", function () { setTimeout(close, 100); });
    }
  }

  var dropzone = document.getElementById("dropzone");
  var fields = document.getElementById("photo-fields");
  if (dropzone && fields) {
    var count = 1000;
    var addField = function (item) {
      count += 1;
      var wrap = document.createElement("div");
      wrap.className = "photo-field";
      var img = document.createElement("img");
      img.src = item.thumb;
      img.alt = "";
      var body = document.createElement("div");
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "photo_id";
      hidden.value = item.id;
      var label = document.createElement("label");
      label.htmlFor = "alt-" + count;
      label.textContent = "Alt text";
      var alt = document.createElement("textarea");
      alt.className = "short";
      alt.id = "alt-" + count;
      alt.name = "photo_alt";
      alt.maxLength = 1500;
      alt.placeholder = "Describe the photo for people who cannot see it";
      alt.value = item.alt || "";
      body.append(hidden, label, alt);
      wrap.append(img, body);
      fields.append(wrap);
      alt.focus();
    };
    var upload = function (file) {
      var data = new FormData();
      data.append("csrf", csrf);
      data.append("file", file, file.name);
      dropzone.classList.add("over");
      return fetch("/admin/media", {
        method: "POST",
        headers: { "Accept": "application/json" },
        body: data,
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) throw new Error(json.error || "Upload failed");
          json.forEach(addField);
        });
      }).catch(function (error) {
        window.alert(error.message);
      }).finally(function () { dropzone.classList.remove("over"); });
    };
    ["dragenter", "dragover"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        event.preventDefault();
        dropzone.classList.add("over");
      });
    });
    dropzone.addEventListener("dragleave", function () { dropzone.classList.remove("over"); });
    dropzone.addEventListener("drop", function (event) {
      event.preventDefault();
      Array.prototype.forEach.call(event.dataTransfer.files, upload);
    });
    // Photos picked with the file input are taken in as dropped ones are: shown at once, each
    // with its alt text field, and the input emptied so that they are not sent twice.
    var picker = document.getElementById("photo_file");
    if (picker) {
      picker.addEventListener("change", function () {
        var files = Array.prototype.slice.call(picker.files);
        picker.value = "";
        files.forEach(upload);
      });
    }
  }
})();
