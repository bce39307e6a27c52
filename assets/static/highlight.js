// The reader's Highlight button: select a passage of the kept copy, press Highlight, and the
// page's highlight form is sent with the exact text selected and where it is. Places are
// counted over the copy's text (its textContent), in the browser's UTF-16 units; the server
// converts them and checks that the text there is the quote. Without JavaScript the same form
// takes a pasted quote.
(function () {
  "use strict";
  var copy = document.querySelector("[data-highlight-into]");
  if (!copy) return;
  var form = document.getElementById(copy.getAttribute("data-highlight-into"));
  if (!form) return;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "highlight-button";
  button.textContent = "Highlight";
  button.hidden = true;
  document.body.appendChild(button);

  // The selection, if it is a passage inside the copy.
  function selected() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!copy.contains(range.startContainer) || !copy.contains(range.endContainer)) return null;
    if (!range.toString().trim()) return null;
    return range;
  }

  // How many UTF-16 units of the copy's text come before a point of it.
  function offset(node, at) {
    var before = document.createRange();
    before.selectNodeContents(copy);
    before.setEnd(node, at);
    return before.toString().length;
  }

  function place() {
    var range = selected();
    if (!range) {
      button.hidden = true;
      return;
    }
    var box = range.getBoundingClientRect();
    button.hidden = false;
    // Below the selection, where a phone's own selection menu (above it) does not cover it.
    button.style.top = window.scrollY + box.bottom + 8 + "px";
    button.style.left = Math.max(8, window.scrollX + box.left) + "px";
  }

  document.addEventListener("selectionchange", place);
  window.addEventListener("resize", place);

  // A press on the button must not clear the selection before it is read.
  button.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  button.addEventListener("click", function () {
    var range = selected();
    if (!range) return;
    form.elements.quote.value = range.toString();
    form.elements.start.value = offset(range.startContainer, range.startOffset);
    form.elements.end.value = offset(range.endContainer, range.endOffset);
    button.disabled = true;
    form.submit();
  });

  // A quote typed or pasted into the form has no place: the server finds it by its text.
  form.elements.quote.addEventListener("input", function () {
    form.elements.start.value = "";
    form.elements.end.value = "";
  });
})();
