// "When played" is a datetime-local picker, which a browser fills in in its own time zone. Without
// this script the form says the time is UTC (the server reads it so); with it, the time is taken as
// the person's own, converted to UTC seconds in the `timestamp` field the server prefers.
(function () {
  'use strict';
  var input = document.querySelector('input[name="playedAt"]');
  if (!input || !input.form) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'your time zone';
  var label = input.form.querySelector('[data-played-at-zone]');
  if (label) label.textContent = 'your time (' + zone + ')';
  var timestamp = document.createElement('input');
  timestamp.type = 'hidden';
  timestamp.name = 'timestamp';
  input.form.appendChild(timestamp);
  input.form.addEventListener('submit', function () {
    // A datetime-local value has no offset, so Date reads it as local time.
    var ms = input.value ? new Date(input.value).getTime() : NaN;
    timestamp.value = isNaN(ms) ? '' : String(Math.floor(ms / 1000));
    timestamp.disabled = isNaN(ms);
  });
})();
