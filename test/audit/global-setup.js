// Makes a fresh folder for this run's log audit; jest's workers inherit the variable.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = function createLogAuditFolder() {
  process.env.LOG_AUDIT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'lastfm-log-audit-'));
};
