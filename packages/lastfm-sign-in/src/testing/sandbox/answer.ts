/**
 * One description of a web service answer, from which both formats are written. It follows
 * Last.fm's XML, because Last.fm's JSON is its XML mapped: an element named by its key, holding
 * text or child elements, with attributes when it has any; an array is an element repeated.
 */

/** Text as Last.fm's JSON carries it: some values are numbers there. XML writes both as text. */
export type Scalar = string | number;

/** Child elements by name; an array repeats the element (none, one or several). */
export interface Elements {
  readonly [name: string]: Child | readonly Child[];
}

/** An element with attributes. Without any, an element is just its text or its children. */
export class Attributed {
  constructor(
    readonly attributes: Readonly<Record<string, Scalar>>,
    readonly content: Scalar | Elements,
  ) {}
}

export type Child = Scalar | Elements | Attributed;

/** What goes inside `<lfm status="ok">`; in JSON, the top-level object. */
export type Answer = Elements;

export const withAttributes = (attributes: Readonly<Record<string, Scalar>>, content: Scalar | Elements): Attributed => new Attributed(attributes, content);

export const isScalar = (value: unknown): value is Scalar => typeof value === 'string' || typeof value === 'number';
