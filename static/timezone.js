// On the account page: name this browser's time zone and offer to pick it in the list.
(function () {
  "use strict";
  var note = document.getElementById("browser-zone");
  var select = document.getElementById("time_zone");
  if (!note || !select || !window.Intl) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var known = Array.prototype.some.call(select.options, function (option) {
    return option.value === zone;
  });
  if (!zone || !known || select.value === zone) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Pick it";
  button.addEventListener("click", function () {
    select.value = zone;
    select.focus();
  });
  note.textContent = "This browser is set to " + zone.replace(/_/g, " ") + ". ";
  note.append(button);
  note.hidden = false;
})();
