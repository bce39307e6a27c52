// Copy buttons, on the public site and in the panel. A button with data-copy="<id>" copies the
// text (or, for a field, the value) of the element with that id and says so in the element
// named by data-copy-status. The buttons are hidden in the page and shown here, so that without
// JavaScript none is offered; the text itself stays selectable, and a browser that refuses to
// copy is shown it, selected.
(function () {
  "use strict";

  // The clipboard API needs a secure context (HTTPS, or localhost); a site still on plain HTTP
  // copies through a selection instead.
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (e) {
        copied = false;
      }
      document.body.removeChild(area);
      if (copied) {
        resolve();
      } else {
        reject(new Error("the browser refused to copy"));
      }
    });
  }

  // Selects the text, so that a browser that refused to copy leaves it ready for Ctrl+C.
  function select(element) {
    var hidden = element.closest("[hidden]");
    if (hidden) {
      hidden.hidden = false;
    }
    if (typeof element.select === "function") {
      element.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status") || "");
    if (!source) {
      return;
    }
    var timer = null;
    function say(message) {
      if (!status) {
        return;
      }
      status.textContent = message;
      clearTimeout(timer);
      timer = setTimeout(function () {
        status.textContent = "";
      }, 4000);
    }
    button.hidden = false;
    var group = button.closest(".copy-buttons");
    if (group) {
      group.hidden = false;
    }
    button.addEventListener("click", function () {
      var text = "value" in source ? source.value : source.textContent.trim();
      copy(text).then(
        function () {
          say("Copied.");
        },
        function () {
          select(source);
          say("Selected: press Ctrl+C (⌘C) to copy.");
        }
      );
    });
  });
})();
