/** Renderer of parsed templates: plain text, never escaped. */
import type { Operand, TemplateNode } from "./parser.ts";

interface RenderContext {
  fields: Readonly<Record<string, string>>;
  /** Value of dot inside a {{with}} body. The parser allows dot nowhere else. */
  dot: string;
}

export function renderNodes(nodes: readonly TemplateNode[], context: RenderContext): string {
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
