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

/**
 * Error thrown by {@link compileTemplate} for a template that is malformed or
 * uses an unsupported construct. The message quotes the action and gives its
 * offset, counted in UTF-16 code units from 0.
 */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

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

// ---------------------------------------------------------------------------
// Lexer: splits the source into text and actions, applying trim markers and
// dropping comments, as Go's text/template/parse lexer does.

interface TextItem {
  kind: "text";
  text: string;
}

interface ActionItem {
  kind: "action";
  /** Contents between the delimiters and trim markers, split at Go's spaces. */
  words: string[];
  /** The whole action including delimiters, for error messages. */
  source: string;
  offset: number;
}

type Item = TextItem | ActionItem;

/** A delimited action or comment found by the lexer. */
interface Delimited {
  action: ActionItem | undefined;
  /** Offset just after the closing "}}". */
  end: number;
  /** Whether the action ended with " -}}". */
  trimAfter: boolean;
}

// Go's trim markers and action words recognize only these four spaces.
const GO_SPACES: ReadonlySet<string> = new Set([" ", "\t", "\r", "\n"]);
const MAX_EXCERPT_LENGTH = 40;

function isGoSpace(char: string | undefined): boolean {
  return char !== undefined && GO_SPACES.has(char);
}

/** Yields the text and actions of `source` in order. Throws when a delimiter is unclosed. */
function* lexTemplate(source: string): Generator<Item, void, undefined> {
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf("{{", position);
    if (open < 0) {
      yield { kind: "text", text: source.slice(position) };
      return;
    }

    // As in Go, the dash is a trim marker only when a space follows it, so "{{-3}}" is the number -3.
    const trimBefore = source[open + 2] === "-" && isGoSpace(source[open + 3]);
    const text = source.slice(position, open);
    const keptText = trimBefore ? trimGoSpacesAtEnd(text) : text;
    if (keptText !== "") {
      yield { kind: "text", text: keptText };
    }

    const bodyStart = open + (trimBefore ? 4 : 2);
    const delimited = source.startsWith("/*", bodyStart)
      ? scanComment(source, open, bodyStart)
      : scanAction(source, open, bodyStart);
    if (delimited.action !== undefined) {
      yield delimited.action;
    }
    position = delimited.trimAfter ? skipGoSpaces(source, delimited.end) : delimited.end;
  }
}

/**
 * Scans an action whose body starts at `bodyStart`. The action ends at the
 * first "}}". Go ends it there too, except inside a string or character
 * constant, which this subset rejects anyway.
 */
function scanAction(source: string, open: number, bodyStart: number): Delimited {
  const close = source.indexOf("}}", bodyStart);
  if (close < 0) {
    throw new TemplateError(`unclosed action ${excerpt(source, open)} at offset ${open}, missing "}}"`);
  }

  const trimAfter = close - 2 >= bodyStart && isGoSpace(source[close - 2]) && source[close - 1] === "-";
  const body = source.slice(bodyStart, trimAfter ? close - 2 : close);
  const end = close + 2;
  const action: ActionItem = {
    kind: "action",
    words: splitActionWords(body),
    source: source.slice(open, end),
    offset: open,
  };
  return { action, end, trimAfter };
}

/**
 * Scans a comment whose "/*" starts at `bodyStart`. As in Go, the comment
 * must fill the whole action, with "}}" or " -}}" right after its end.
 */
function scanComment(source: string, open: number, bodyStart: number): Delimited {
  const commentEnd = source.indexOf("*/", bodyStart + 2);
  if (commentEnd < 0) {
    throw new TemplateError(`unclosed comment ${excerpt(source, open)} at offset ${open}, missing "*/"`);
  }

  let close = commentEnd + 2;
  const trimAfter = isGoSpace(source[close]) && source.startsWith("-}}", close + 1);
  if (trimAfter) {
    close += 2;
  }
  if (!source.startsWith("}}", close)) {
    throw new TemplateError(
      `comment at offset ${open} must be followed directly by "}}" or " -}}", ` +
        `but ${excerpt(source, commentEnd + 2)} follows`,
    );
  }
  return { action: undefined, end: close + 2, trimAfter };
}

/**
 * Splits an action body into words. Go also ends an identifier at ".", so a
 * keyword written against a field ("if.Host") is split in two.
 */
function splitActionWords(body: string): string[] {
  const words: string[] = [];
  for (const word of body.split(/[ \t\r\n]+/)) {
    const keywordAndField = /^(if|with)(\..*)$/s.exec(word);
    if (keywordAndField?.[1] !== undefined && keywordAndField[2] !== undefined) {
      words.push(keywordAndField[1], keywordAndField[2]);
    } else if (word !== "") {
      words.push(word);
    }
  }
  return words;
}

function trimGoSpacesAtEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isGoSpace(text[end - 1])) {
    end--;
  }
  return text.slice(0, end);
}

function skipGoSpaces(source: string, position: number): number {
  let end = position;
  while (isGoSpace(source[end])) {
    end++;
  }
  return end;
}

/** Quotes up to MAX_EXCERPT_LENGTH characters of `source` from `start`, for error messages. */
function excerpt(source: string, start: number): string {
  const end = start + MAX_EXCERPT_LENGTH;
  const quoted = JSON.stringify(source.slice(start, end));
  return end < source.length ? `${quoted}...` : quoted;
}

// ---------------------------------------------------------------------------
// Parser: builds the node tree and checks every action against the subset.

type Operand = { kind: "field"; name: string } | { kind: "dot" };

interface Condition {
  operand: Operand;
  negated: boolean;
}

type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "print"; operand: Operand }
  | { kind: "if"; condition: Condition; then: TemplateNode[]; otherwise: TemplateNode[] }
  | { kind: "with"; operand: Operand; then: TemplateNode[]; otherwise: TemplateNode[] };

/**
 * Binding of dot where an action sits: the whole field set at top level, or
 * the string value of a field inside the body of `opening`, a `{{with}}`.
 */
type Scope = { kind: "fields" } | { kind: "value"; opening: ActionItem };

/** An `{{end}}` or `{{else}}` action, which ends a list of nodes. */
type ClosingAction =
  | { kind: "end"; item: ActionItem }
  | { kind: "else"; item: ActionItem; elseIfCondition: string[] | undefined };

/** The closing action, or the end of the source, that ended a list of nodes. */
type Terminator = ClosingAction | { kind: "eof" };

/** Keywords of Go's text/template that this subset does not support. */
const UNSUPPORTED_KEYWORDS = new Set(["range", "template", "define", "block", "break", "continue"]);
const LITERAL_KEYWORDS = new Set(["nil", "true", "false"]);
const IDENTIFIER_PATTERN = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;
// Go reads "." followed by an ASCII digit as a number, such as ".5".
const FIELD_PATTERN = /^\.(?![0-9])([\p{L}\p{Nd}_]+)$/u;
const FIELD_CHAIN_PATTERN = /^(?:\.(?![0-9])[\p{L}\p{Nd}_]+){2,}$/u;

class TemplateParser {
  private readonly knownFields: ReadonlySet<string>;

  constructor(
    private readonly items: Iterator<Item, void, undefined>,
    private readonly fieldNames: readonly string[],
  ) {
    this.knownFields = new Set(fieldNames);
  }

  /** Parses the whole source, which must not end inside a block. */
  parseTemplate(): TemplateNode[] {
    const { nodes, terminator } = this.parseList({ kind: "fields" });
    if (terminator.kind !== "eof") {
      throw new TemplateError(
        `unexpected ${terminator.item.source} at offset ${terminator.item.offset} ` +
          `(no {{if}} or {{with}} is open)`,
      );
    }
    return nodes;
  }

  /** Parses nodes up to the next `{{end}}`, `{{else}}` or the end of the source. */
  private parseList(scope: Scope): { nodes: TemplateNode[]; terminator: Terminator } {
    const nodes: TemplateNode[] = [];
    for (let next = this.items.next(); !next.done; next = this.items.next()) {
      const item = next.value;
      if (item.kind === "text") {
        nodes.push({ kind: "text", text: item.text });
        continue;
      }
      const parsed = this.parseAction(item, scope);
      if (parsed.kind === "end" || parsed.kind === "else") {
        return { nodes, terminator: parsed };
      }
      nodes.push(parsed);
    }
    return { nodes, terminator: { kind: "eof" } };
  }

  private parseAction(item: ActionItem, scope: Scope): TemplateNode | ClosingAction {
    const [first, ...rest] = item.words;
    switch (first) {
      case undefined:
        throw actionError("empty action", item);
      case "if":
        return this.parseIf(rest, item, scope);
      case "with":
        return this.parseWith(rest, item, scope);
      case "else":
        return parseElse(rest, item);
      case "end":
        rejectExtraWords(rest, item, first);
        return { kind: "end", item };
      default: {
        const operand = this.resolveOperand(first, item, scope);
        rejectExtraWords(rest, item, first);
        return { kind: "print", operand };
      }
    }
  }

  /** Parses an `{{if}}` or `{{else if}}` block whose opening action is already read. */
  private parseIf(conditionWords: string[], opening: ActionItem, scope: Scope): TemplateNode {
    const condition = this.resolveCondition(conditionWords, opening, scope);
    const body = this.parseList(scope);
    const otherwise = this.parseElseBranch(body.terminator, opening, scope, true);
    return { kind: "if", condition, then: body.nodes, otherwise };
  }

  private parseWith(words: string[], opening: ActionItem, scope: Scope): TemplateNode {
    const [operandWord, ...rest] = words;
    if (operandWord === undefined) {
      throw actionError("missing field after with", opening);
    }
    const operand = this.resolveOperand(operandWord, opening, scope);
    rejectExtraWords(rest, opening, operandWord);

    const body = this.parseList({ kind: "value", opening });
    // As in Go, the else branch of a with keeps the outer dot.
    const otherwise = this.parseElseBranch(body.terminator, opening, scope, false);
    return { kind: "with", operand, then: body.nodes, otherwise };
  }

  /**
   * Parses what follows the body of `opening` up to and including its
   * `{{end}}`, and returns the else branch, which is empty without `{{else}}`.
   */
  private parseElseBranch(
    terminator: Terminator,
    opening: ActionItem,
    scope: Scope,
    allowElseIf: boolean,
  ): TemplateNode[] {
    if (terminator.kind === "eof") {
      throw missingEndError(opening);
    }
    if (terminator.kind === "end") {
      return [];
    }

    if (terminator.elseIfCondition !== undefined) {
      // Go 1.22 accepts "else if" only in an if. An else-if chain shares the
      // final {{end}}, which the nested parseIf consumes.
      if (!allowElseIf) {
        throw actionError(
          "unsupported {{else if}} inside {{with}}",
          terminator.item,
          "Go 1.22 allows it only inside {{if}}",
        );
      }
      return [this.parseIf(terminator.elseIfCondition, terminator.item, scope)];
    }

    const branch = this.parseList(scope);
    if (branch.terminator.kind === "eof") {
      throw missingEndError(opening);
    }
    if (branch.terminator.kind === "else") {
      const { item } = branch.terminator;
      throw new TemplateError(
        `unexpected ${item.source} at offset ${item.offset} ` +
          `(${opening.source} at offset ${opening.offset} already has an {{else}})`,
      );
    }
    return branch.nodes;
  }

  /** Resolves the words after `if`: a field or dot, optionally after `not`. */
  private resolveCondition(words: string[], item: ActionItem, scope: Scope): Condition {
    const negated = words[0] === "not";
    const [operandWord, ...rest] = negated ? words.slice(1) : words;
    if (operandWord === undefined) {
      throw actionError(negated ? "missing field after not" : "missing condition after if", item);
    }
    const operand = this.resolveOperand(operandWord, item, scope);
    rejectExtraWords(rest, item, operandWord);
    return { operand, negated };
  }

  /** Resolves `.Field` or `.`, checking the field name and what dot is in `scope`. */
  private resolveOperand(word: string, item: ActionItem, scope: Scope): Operand {
    if (word === ".") {
      this.checkDotIsValue(item, scope);
      return { kind: "dot" };
    }

    const name = FIELD_PATTERN.exec(word)?.[1];
    if (name === undefined) {
      throw actionError(describeUnsupportedWord(word, this.knownFields), item);
    }
    if (!this.knownFields.has(name)) {
      throw actionError(`unknown field "${name}"`, item, this.describeKnownFields());
    }
    if (scope.kind === "value") {
      const { opening } = scope;
      throw actionError(
        `cannot read field .${name}`,
        item,
        `inside ${opening.source} at offset ${opening.offset}, dot is a string, ` +
          "so write {{.}} for its value or move the action out of the {{with}}",
      );
    }
    return { kind: "field", name };
  }

  private checkDotIsValue(item: ActionItem, scope: Scope): void {
    if (scope.kind === "value") {
      return;
    }
    const [example] = this.fieldNames;
    throw actionError(
      "unsupported dot (.) outside {{with}}",
      item,
      example === undefined
        ? "dot there is the whole field set"
        : `dot there is the whole field set, so name a field instead, such as .${example}`,
    );
  }

  private describeKnownFields(): string {
    return this.fieldNames.length === 0
      ? "no fields are defined"
      : `known fields: ${this.fieldNames.join(", ")}`;
  }
}

function parseElse(words: string[], item: ActionItem): ClosingAction {
  const [first, ...rest] = words;
  if (first === undefined) {
    return { kind: "else", item, elseIfCondition: undefined };
  }
  if (first === "if") {
    return { kind: "else", item, elseIfCondition: rest };
  }
  if (first === "with") {
    // "else with" arrived in Go 1.23.
    throw actionError(
      "unsupported {{else with}}",
      item,
      "it needs Go 1.23, so write {{else}}{{with .Field}}...{{end}}{{end}} instead",
    );
  }
  throw actionError(`unexpected ${quote(first)} after "else"`, item);
}

/** Throws unless `words`, the rest of the action after `lastWord`, is empty. */
function rejectExtraWords(words: string[], item: ActionItem, lastWord: string): void {
  const [extra] = words;
  if (extra === undefined) {
    return;
  }
  const syntax = describeSyntax(extra);
  throw actionError(
    syntax === undefined
      ? `unexpected ${quote(extra)} after ${quote(lastWord)}`
      : `unsupported ${syntax} ${quote(extra)}`,
    item,
  );
}

/** Explains why `word` is not a field or dot, naming the unsupported construct. */
function describeUnsupportedWord(word: string, knownFields: ReadonlySet<string>): string {
  if (UNSUPPORTED_KEYWORDS.has(word)) {
    return `unsupported keyword ${quote(word)}`;
  }
  if (LITERAL_KEYWORDS.has(word)) {
    return `unsupported constant ${quote(word)}`;
  }
  if (word === "not") {
    return 'unsupported function "not" outside {{if not .Field}} and {{else if not .Field}}';
  }
  if (IDENTIFIER_PATTERN.test(word)) {
    const hint = knownFields.has(word) ? ` (for the field, write .${word})` : "";
    return `unsupported function ${quote(word)}${hint}`;
  }
  if (FIELD_CHAIN_PATTERN.test(word)) {
    return `unsupported field chain ${quote(word)} (field values are strings, which have no fields)`;
  }
  if (word.startsWith("/*")) {
    return 'misplaced comment (a comment must start directly after "{{" or "{{- ")';
  }
  const syntax = describeSyntax(word);
  return syntax === undefined ? `unexpected ${quote(word)}` : `unsupported ${syntax} ${quote(word)}`;
}

/** Names the Go syntax that `word` starts with or contains, if it is one this subset rejects. */
function describeSyntax(word: string): string | undefined {
  if (word.includes("|")) {
    return "pipeline";
  }
  if (word.includes("(") || word.includes(")")) {
    return "parenthesized pipeline";
  }
  if (word.startsWith("$")) {
    return "variable";
  }
  if (word.includes("=")) {
    return "assignment";
  }
  if (/^["`']/.test(word)) {
    return "string or character constant";
  }
  if (/^[-+0-9]|^\.[0-9]/.test(word)) {
    return "number";
  }
  return undefined;
}

const quote = JSON.stringify;

/** Builds an error of the form `<reason> in {{action}} at offset <n> (<detail>)`. */
function actionError(reason: string, item: ActionItem, detail?: string): TemplateError {
  const suffix = detail === undefined ? "" : ` (${detail})`;
  return new TemplateError(`${reason} in ${item.source} at offset ${item.offset}${suffix}`);
}

function missingEndError(opening: ActionItem): TemplateError {
  return new TemplateError(`missing {{end}} for ${opening.source} at offset ${opening.offset}`);
}

// ---------------------------------------------------------------------------
// Renderer

interface RenderContext {
  fields: Readonly<Record<string, string>>;
  /** Value of dot inside a {{with}} body. The parser allows dot nowhere else. */
  dot: string;
}

function renderNodes(nodes: readonly TemplateNode[], context: RenderContext): string {
  let output = "";
  for (const node of nodes) {
    output += renderNode(node, context);
  }
  return output;
}

function renderNode(node: TemplateNode, context: RenderContext): string {
  switch (node.kind) {
    case "text":
      return node.text;
    case "print":
      return evaluate(node.operand, context);
    case "if": {
      const isTrue = evaluate(node.condition.operand, context) !== "";
      const branch = isTrue !== node.condition.negated ? node.then : node.otherwise;
      return renderNodes(branch, context);
    }
    case "with": {
      const value = evaluate(node.operand, context);
      return value !== ""
        ? renderNodes(node.then, { fields: context.fields, dot: value })
        : renderNodes(node.otherwise, context);
    }
  }
}

function evaluate(operand: Operand, context: RenderContext): string {
  if (operand.kind === "dot") {
    return context.dot;
  }
  // hasOwn keeps inherited keys such as "constructor" from rendering as functions.
  return Object.hasOwn(context.fields, operand.name) ? String(context.fields[operand.name]) : "";
}
