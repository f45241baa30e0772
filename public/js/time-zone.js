// The import form asks for the time zone of a player's local clock: the browser's own is the
// likely answer, so it is filled in when the field is empty. Without scripts the field stays
// empty and the times are read as UTC, as the form says.
(function () {
  'use strict';
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  document.querySelectorAll('input[data-time-zone]').forEach(function (input) {
    if (!input.value) input.value = zone;
  });
})();
