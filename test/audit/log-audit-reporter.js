// Runs once after every test file has finished (in jest's main process, whatever the workers did):
// reads every log line the test apps wrote and every secret the fakes handed out, and fails the
// run, counted as one failed test in jest's results, if any secret appears in any line.
const fs = require('node:fs');
const path = require('node:path');

const TITLE = 'log audit: no secret handed out during the run appears in any log line';

function readLines(dir, prefix) {
  return fs
    .readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .flatMap((name) =>
      fs
        .readFileSync(path.join(dir, name), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => ({ file: name, line })),
    );
}

function hint(secret) {
  return `${secret.slice(0, 4)}… (${secret.length} characters)`;
}

class LogAuditReporter {
  constructor() {
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.LOG_AUDIT_DIR;
    if (dir === undefined || !fs.existsSync(dir)) {
      this.fail(results, 'LOG_AUDIT_DIR is missing: test/audit/global-setup.js did not run, so the logs could not be audited');
      return;
    }
    try {
      const secrets = [...new Set(readLines(dir, 'secrets-').map((entry) => entry.line))];
      const handedOut = secrets.length;
      const logs = readLines(dir, 'logs-');
      const handedOutByFakes = readLines(dir, 'secrets-').some((entry) => entry.file.startsWith('secrets-handed-out'));
      if (handedOutByFakes && logs.length === 0) {
        this.fail(results, 'secrets were handed out but no log line was captured: the audit would pass blindly (is test/helpers/app.ts still recording logs?)');
        return;
      }
      const leaks = [];
      for (const { file, line } of logs) {
        for (const secret of secrets) {
          if (line.includes(secret)) leaks.push(`  ${hint(secret)} in ${file}: ${line.split(secret).join('«SECRET»').slice(0, 400)}`);
        }
      }
      if (leaks.length > 0) {
        this.fail(results, `${leaks.length} secret(s) found in the logs:\n${leaks.slice(0, 20).join('\n')}`);
        return;
      }
      results.numTotalTests += 1;
      results.numPassedTests += 1;
      process.stderr.write(`\n✓ ${TITLE} (${logs.length} lines, ${handedOut} secrets)\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  fail(results, message) {
    results.numTotalTests += 1;
    results.numFailedTests += 1;
    results.success = false;
    this.error = new Error(`${TITLE}: FAILED\n${message}`);
    process.stderr.write(`\n✕ ${this.error.message}\n\n`);
  }

  getLastError() {
    return this.error;
  }
}

module.exports = LogAuditReporter;
