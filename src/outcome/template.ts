/**
 * A plain-text subset of Go's text/template (Go 1.22), used to render failure
 * messages ("causes") from a template that the user supplies.
 *
 * Supported, with Go's semantics: text, `{{.Field}}`, comment actions, the
 * trim markers `{{- ` and ` -}}`, `{{if}}` with `{{else if}}` and `{{else}}`,
 * `{{if not .Field}}`, and `{{with .Field}}` with `{{.}}` and `{{else}}`.
 * A field is true when it is not empty. compileTemplate rejects everything
 * else, such as pipelines, variables, literals, `range` and functions other
 * than `not`. Output is never escaped.
 */

import { lexTemplate } from "./template/lexer.ts";
import { TemplateParser } from "./template/parser.ts";
import { renderNodes } from "./template/renderer.ts";

export { TemplateError } from "./template/templateError.ts";

/** A parsed template, ready to render. */
export interface CompiledTemplate {
  /**
   * Renders the template with `fields` as the values of `.Field` actions.
   * A field that `fields` lacks renders as the empty string.
   */
  render(fields: Readonly<Record<string, string>>): string;
}

/**
 * Parses `source` once and returns a template for repeated rendering.
 * `fieldNames` lists the fields that `{{.Field}}` may name.
 *
 * @throws {TemplateError} for an unknown field, an unclosed action or comment,
 *   an unbalanced `{{end}}` or `{{else}}`, a missing `{{end}}`, or an
 *   unsupported construct.
 */
export function compileTemplate(source: string, fieldNames: readonly string[]): CompiledTemplate {
  const nodes = new TemplateParser(lexTemplate(source), fieldNames).parseTemplate();
  return {
    render: (fields) => renderNodes(nodes, { fields, dot: "" }),
  };
}
