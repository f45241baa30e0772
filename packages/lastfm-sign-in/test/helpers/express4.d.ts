// Express 4, installed under the alias `express4` to run the same tests on both majors. Its own
// types are v4's; the tests only use what both majors share, so v5's types describe it well enough.
declare module 'express4' {
  import express from 'express';
  export = express;
}
