import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Reads a Last.fm XML answer with a real XML parser, as a third-party client would, and
 * compares it with the JSON answer to the same call. Written apart from the sandbox's writers on
 * purpose: the comparison follows the JSON field by field, so a bug shared by both writers (or
 * a field only one of them has) shows.
 */

const ATTRIBUTE = '@_';
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: ATTRIBUTE, parseTagValue: false, parseAttributeValue: false, htmlEntities: true });

type Parsed = string | Parsed[] | { [key: string]: Parsed };

export interface LfmDocument {
  status: string;
  /** The `<lfm>` element as the parser read it. */
  root: { [key: string]: Parsed };
}

/** Fails unless `text` is well-formed XML with an `<lfm status="…">` root. */
export function parseLfm(text: string): LfmDocument {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})\n${text}`);
  const parsed = parser.parse(text) as { lfm?: unknown };
  const root = parsed.lfm;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new Error(`no <lfm> element with content or attributes:\n${text}`);
  const typed = root as { [key: string]: Parsed };
  const status = typed[`${ATTRIBUTE}status`];
  if (typeof status !== 'string') throw new Error(`<lfm> has no status:\n${text}`);
  return { status, root: typed };
}

/** The `<error code="N">message</error>` of a failed answer. */
export function lfmError(text: string): { code: number; message: string } {
  const { status, root } = parseLfm(text);
  expect(status).toBe('failed');
  const error = root.error;
  if (typeof error !== 'object' || Array.isArray(error)) throw new Error(`no single <error> element:\n${text}`);
  return { code: Number(error[`${ATTRIBUTE}code`]), message: typeof error['#text'] === 'string' ? error['#text'] : '' };
}

/** Asserts that the XML answer says exactly what the JSON answer says, field by field. */
export function expectXmlToMatchJson(xml: string, json: unknown): void {
  const { status, root } = parseLfm(xml);
  expect(status).toBe('ok');
  compareElement('lfm', root, json, {});
}

function compare(path: string, xml: Parsed | undefined, json: unknown): void {
  if (Array.isArray(json)) {
    // JSON's [] is an element that appears no times; one is never an array (it is the object itself).
    const items = xml === undefined ? [] : Array.isArray(xml) ? xml : [xml];
    expect({ path, count: items.length }).toEqual({ path, count: json.length });
    expect({ path, single: json.length === 1 }).toEqual({ path, single: false });
    json.forEach((item, i) => compare(`${path}[${i}]`, items[i], item));
    return;
  }
  expect({ path, repeated: Array.isArray(xml) }).toEqual({ path, repeated: false });
  if (typeof json === 'string' || typeof json === 'number') {
    expect({ path, value: xml }).toEqual({ path, value: String(json) });
    return;
  }
  if (typeof json !== 'object' || json === null) throw new Error(`${path}: unexpected JSON value ${JSON.stringify(json)}`);
  const { attributes, rest } = split(xml, path);
  const fields = json as Record<string, unknown>;
  if ('#text' in fields) {
    // Text with attributes: the attributes are the JSON object's other keys.
    const { '#text': textValue, ...attributeFields } = fields;
    const childNames = typeof rest === 'string' ? [] : Object.keys(rest).filter((name) => name !== '#text');
    expect({ path, childNames }).toEqual({ path, childNames: [] });
    expect({ path, text: typeof rest === 'string' ? rest : (rest['#text'] ?? '') }).toEqual({ path, text: String(textValue) });
    expect({ path, attributes }).toEqual({ path, attributes: stringified(attributeFields) });
    return;
  }
  const { '@attr': attributeFields, ...children } = fields;
  expect({ path, text: typeof rest === 'string' ? rest : (rest['#text'] ?? '') }).toEqual({ path, text: '' });
  compareElement(path, typeof rest === 'string' ? {} : rest, children, attributeFields === undefined ? {} : (attributeFields as Record<string, unknown>), attributes);
}

function compareElement(path: string, xml: { [key: string]: Parsed }, children: unknown, jsonAttributes: Record<string, unknown>, xmlAttributes: Record<string, string> = {}): void {
  expect({ path, attributes: xmlAttributes }).toEqual({ path, attributes: stringified(jsonAttributes) });
  const fields = children as Record<string, unknown>;
  const extra = Object.keys(xml).filter((name) => !(name in fields) && !name.startsWith(ATTRIBUTE) && name !== '#text');
  expect({ path, onlyInXml: extra }).toEqual({ path, onlyInXml: [] });
  for (const [name, value] of Object.entries(fields)) compare(`${path}.${name}`, xml[name], value);
}

/** The parser gives an element as a string (text only) or an object of attributes, children and `#text`. */
function split(xml: Parsed | undefined, path: string): { attributes: Record<string, string>; rest: string | { [key: string]: Parsed } } {
  if (xml === undefined) throw new Error(`${path}: missing in the XML answer`);
  if (typeof xml === 'string') return { attributes: {}, rest: xml };
  if (Array.isArray(xml)) throw new Error(`${path}: repeated in the XML answer`);
  const attributes: Record<string, string> = {};
  const rest: { [key: string]: Parsed } = {};
  for (const [name, value] of Object.entries(xml)) {
    if (name.startsWith(ATTRIBUTE) && typeof value === 'string') attributes[name.slice(ATTRIBUTE.length)] = value;
    else rest[name] = value;
  }
  return { attributes, rest };
}

function stringified(fields: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, String(value)]));
}
