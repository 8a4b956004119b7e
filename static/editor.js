// The question editor's Add and Remove buttons, done in place. Without this script the same
// buttons post the form and the server re-renders it with the row added or removed; the names
// this script gives the rows ("options-2-text", "remove:options:2", "Option 3: text") are the
// ones the server would give, so either way the form posts the same fields.
(function () {
  "use strict";
  var form = document.querySelector("form.question-editor");
  var status = document.getElementById("rows-status");
  if (!form || !status || !("content" in document.createElement("template"))) { return; }

  function capitalised(noun) { return noun.charAt(0).toUpperCase() + noun.slice(1); }

  function rowsOf(fieldset) {
    return Array.prototype.slice.call(fieldset.querySelector("ol.editor-rows").children);
  }

  // Give a row the names, ids, labels and button value of position `index` (from 0).
  function number(row, fieldset, index) {
    var list = fieldset.getAttribute("data-rows");
    var noun = fieldset.getAttribute("data-noun");
    var token = new RegExp("(^|\\s)" + list + "-\\d+(?=-|\\s|$)", "g");
    var attributes = ["id", "name", "for", "aria-describedby"];
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (element) {
      attributes.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) { element.setAttribute(attribute, value.replace(token, "$1" + list + "-" + index)); }
      });
    });
    var labelStart = new RegExp("^" + capitalised(noun) + " \\d+");
    row.querySelectorAll("label").forEach(function (label) {
      label.textContent = label.textContent.replace(labelStart, capitalised(noun) + " " + (index + 1));
    });
    var remove = row.querySelector("button[value^='remove:']");
    remove.value = "remove:" + list + ":" + index;
    remove.querySelector(".visually-hidden").textContent = " " + noun + " " + (index + 1);
  }

  function firstControl(row) { return row.querySelector("input, textarea, select"); }

  function say(message) {
    // Emptied first, so that the same message twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function add(fieldset) {
    var noun = fieldset.getAttribute("data-noun");
    var rows = rowsOf(fieldset);
    var most = parseInt(fieldset.getAttribute("data-max") || "0", 10);
    if (most && rows.length >= most) {
      say("At most " + most + " " + noun + "s.");
      return;
    }
    var row = document.importNode(fieldset.querySelector("template").content, true).querySelector("li");
    number(row, fieldset, rows.length);
    fieldset.querySelector("ol.editor-rows").appendChild(row);
    firstControl(row).focus();
    say(capitalised(noun) + " " + (rows.length + 1) + " added.");
  }

  function remove(fieldset, row) {
    var noun = fieldset.getAttribute("data-noun");
    var rows = rowsOf(fieldset);
    var index = rows.indexOf(row);
    row.remove();
    rows.splice(index, 1);
    rows.forEach(function (other, position) { number(other, fieldset, position); });
    var next = rows[index] || rows[index - 1];
    (next ? firstControl(next) : fieldset.querySelector("button[value^='add:']")).focus();
    say(capitalised(noun) + " " + (index + 1) + " removed" + (rows.length > index ? "; the rows after it moved up." : "."));
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name='go']");
    if (!button) { return; }
    var fieldset = button.closest("fieldset.rows");
    if (!fieldset || !fieldset.querySelector("template")) { return; }
    if (button.value.indexOf("add:") === 0) {
      event.preventDefault();
      add(fieldset);
    } else if (button.value.indexOf("remove:") === 0) {
      event.preventDefault();
      remove(fieldset, button.closest("li"));
    }
  });
}());
