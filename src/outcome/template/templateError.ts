/**
 * Error thrown by compileTemplate for a template that is malformed or
 * uses an unsupported construct. The message quotes the action and gives its
 * offset, counted in UTF-16 code units from 0.
 */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}
