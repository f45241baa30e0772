import { Attributed, isScalar, type Answer, type Child, type Elements } from './answer';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Last.fm's XML-to-JSON mapping: an element with text and attributes becomes its attributes
 * plus `#text`; one with children and attributes gets them under `@attr`; an element repeated
 * becomes an array, except that one of them is sent as the object itself and none as `[]`.
 */
export function answerToJson(answer: Answer): string {
  return JSON.stringify(elementsToJson(answer));
}

/**
 * `{"error": N, "message": "..."}`: not the mapped XML, Last.fm writes errors this way. Its error
 * 6 (often "User not found") also carries an empty `links` list, which strict clients expect.
 */
export function errorToJson(code: number, message: string): string {
  return JSON.stringify(code === 6 ? { error: code, message, links: [] } : { error: code, message });
}

function elementsToJson(elements: Elements): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [name, value] of Object.entries(elements)) {
    out[name] = isRepeated(value) ? repeatedToJson(value) : childToJson(value);
  }
  return out;
}

function repeatedToJson(items: readonly Child[]): JsonValue {
  const [only] = items;
  return items.length === 1 && only !== undefined ? childToJson(only) : items.map(childToJson);
}

function childToJson(child: Child): JsonValue {
  if (isScalar(child)) return child;
  if (!(child instanceof Attributed)) return elementsToJson(child);
  if (isScalar(child.content)) return { ...child.attributes, '#text': child.content };
  const children = elementsToJson(child.content);
  return Object.keys(child.attributes).length === 0 ? children : { ...children, '@attr': { ...child.attributes } };
}

function isRepeated(value: Child | readonly Child[]): value is readonly Child[] {
  return Array.isArray(value);
}
