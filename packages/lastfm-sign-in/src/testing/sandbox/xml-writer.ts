import { Attributed, isScalar, type Answer, type Child, type Elements, type Scalar } from './answer';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<lfm status="ok">` around the answer's elements, indented as Last.fm indents them. */
export function answerToXml(answer: Answer): string {
  const lines: string[] = [];
  writeElements(answer, 1, lines);
  return `${DECLARATION}<lfm status="ok">\n${lines.join('')}</lfm>\n`;
}

export function errorToXml(code: number, message: string): string {
  return `${DECLARATION}<lfm status="failed">\n  <error code="${code}">${escape(message)}</error>\n</lfm>\n`;
}

function writeElements(elements: Elements, depth: number, lines: string[]): void {
  for (const [name, value] of Object.entries(elements)) {
    const items: readonly Child[] = Array.isArray(value) ? value : [value as Child];
    for (const item of items) writeElement(name, item, depth, lines);
  }
}

function writeElement(name: string, child: Child, depth: number, lines: string[]): void {
  const indent = '  '.repeat(depth);
  const attributes = child instanceof Attributed ? child.attributes : {};
  const content = child instanceof Attributed ? child.content : child;
  const open = `${name}${Object.entries(attributes).map(([key, value]) => ` ${key}="${escape(value)}"`).join('')}`;
  if (isScalar(content)) {
    lines.push(`${indent}<${open}>${escape(content)}</${name}>\n`);
    return;
  }
  lines.push(`${indent}<${open}>\n`);
  writeElements(content, depth + 1, lines);
  lines.push(`${indent}</${name}>\n`);
}

/**
 * Escapes markup; writes tab, newline and carriage return as references, because a parser
 * normalises them in attributes (and carriage returns everywhere); and replaces what XML 1.0
 * cannot carry at all (other control characters, lone surrogates, U+FFFE/U+FFFF: a client may
 * send them in a track name) with U+FFFD, so every answer stays well-formed for a strict parser.
 */
function escape(value: Scalar): string {
  return String(value)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\t\n\r]/g, (char) => `&#${char.charCodeAt(0)};`);
}
