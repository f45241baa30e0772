// While a send (an import, a batch) drains, its "N of M sent" follows along without a reload:
// the page asks GET /track/scrobbles every few seconds, the same JSON a script would read, and
// stops once nothing is draining. Without scripts a reload shows the same numbers.
(function () {
  'use strict';
  var section = document.querySelector('[data-progress-url]');
  if (!section || !window.fetch) return;
  var url = section.getAttribute('data-progress-url');
  var EVERY_MS = 3000;

  function show(p, done, total) {
    var text = p.querySelector('[data-progress-text]');
    var bar = p.querySelector('progress');
    if (text) text.textContent = done + ' of ' + total + ' sent';
    if (bar) {
      bar.max = total;
      bar.value = done;
      bar.textContent = done + ' of ' + total;
    }
  }

  function poll() {
    var bars = section.querySelectorAll('[data-batch]');
    if (bars.length === 0) return;
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (outbox) {
        if (!outbox) return;
        var draining = {};
        outbox.batches.forEach(function (batch) { draining[batch.batch] = batch; });
        var left = 0;
        bars.forEach(function (p) {
          var batch = draining[p.getAttribute('data-batch')];
          if (batch) {
            left += 1;
            show(p, batch.done, batch.total);
          } else {
            // No longer draining: every one of its scrobbles has Last.fm's answer.
            var bar = p.querySelector('progress');
            var total = bar ? Number(bar.max) : 0;
            show(p, total, total);
            p.removeAttribute('data-batch');
          }
        });
        var waiting = section.querySelector('[data-testid="outbox-waiting"]');
        if (waiting) waiting.textContent = outbox.waiting === 0 ? 'Nothing is waiting to be sent.' : outbox.waiting + ' waiting to be sent to Last.fm.';
        if (left > 0) setTimeout(poll, EVERY_MS);
      })
      .catch(function () { setTimeout(poll, EVERY_MS * 2); });
  }

  setTimeout(poll, EVERY_MS);
})();
