/** Parser of the template subset: builds the node tree and checks every action against the subset. */
import type { ActionItem, Item } from "./lexer.ts";
import { TemplateError } from "./templateError.ts";

export type Operand = { kind: "field"; name: string } | { kind: "dot" };

interface Condition {
  operand: Operand;
  negated: boolean;
}

export type TemplateNode =
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

export class TemplateParser {
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
