// Porch admin panel enhancements. Everything works without this file; it adds a live Markdown
// preview, drag-and-drop photo uploads, and confirmation before destructive actions.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  csrf = csrf ? csrf.getAttribute("content") : "";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });

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
