import { basename, extname } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { UsageError } from '@synthfarm/core';
import { clip, limitError, type SpecLimits } from './spec-limits.js';

/**
 * One linear pass over a parsed YAML/JSON document, before it becomes JS values: duplicate keys
 * (yaml's own `uniqueKeys` check compares every pair, 8 s for 40,000 keys), aliases (undefined,
 * cyclic, or expanding past the limits: billion laughs), nesting depth, entries per mapping or
 * list, and string sizes. Aliases are measured as expanded, so `toJS` never builds more than this
 * pass allowed.
 * @throws UsageError for a duplicate key or a broken alias (YAML errors, with line:col); SpecError
 * naming the limit otherwise.
 */
export function checkYamlDocument(doc: Document, lines: LineCounter, source: string, limits: SpecLimits): void {
  const lang = extname(source) === '.json' ? 'JSON' : 'YAML';
  const at = (node: Node | undefined) => {
    const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
    return pos ? `${basename(source)}:${pos.line}:${pos.col}` : basename(source);
  };
  /** Nodes an anchored node stands for (aliases inside it expanded), and its height. */
  const measured = new Map<Node, { size: number; height: number }>();
  const open = new Set<Node>();
  const anchors = new Map<string, Node>();
  let aliasCount = 0;
  let aliasNodes = 0;

  const walk = (node: unknown, path: string, depth: number): { size: number; height: number } => {
    if (depth > limits.depth) throw limitError(path, `nesting depth ${depth}`, 'depth', limits);
    if (isAlias(node)) {
      aliasCount++;
      if (aliasCount > limits.aliases) throw limitError(path, `alias *${clip(node.source, 40)} is alias number ${aliasCount}, which`, 'aliases', limits);
      const target = anchors.get(node.source);
      if (!target) throw new UsageError(`${at(node)}: ${lang} syntax error: alias *${clip(node.source, 40)} has no anchor &${clip(node.source, 40)} before it`);
      if (open.has(target)) throw new UsageError(`${at(node)}: ${lang} syntax error: alias *${clip(node.source, 40)} refers to a node that contains it (a cycle)`);
      const m = measured.get(target)!;
      aliasNodes += m.size;
      if (aliasNodes > limits.aliasNodes) throw limitError(path, `expanding alias *${clip(node.source, 40)} brings the nodes aliases add to ${aliasNodes}, which`, 'aliasNodes', limits);
      if (depth + m.height > limits.depth) throw limitError(path, `nesting depth ${depth + m.height} (alias *${clip(node.source, 40)} expanded)`, 'depth', limits);
      return m;
    }
    const n = node as Node | null;
    const anchor = n && 'anchor' in n ? n.anchor : undefined;
    if (n && anchor) {
      anchors.set(anchor, n);
      open.add(n);
    }
    let size = 1;
    let height = 0;
    if (isMap(node)) {
      if (node.items.length > limits.keys) throw limitError(path, `a mapping of ${node.items.length} keys`, 'keys', limits);
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const k = isScalar(key) ? String(key.value ?? '') : key === null ? '' : undefined;
        if (k !== undefined) {
          if (k.length > limits.stringChars) throw limitError(path, `a key of ${k.length} characters`, 'stringChars', limits);
          if (seen.has(k)) throw new UsageError(`${at(key ?? undefined)}: ${lang} syntax error: Map keys must be unique (key '${clip(k, 40)}' appears twice)`);
          seen.add(k);
        } else {
          const km = walk(key, path, depth + 1);
          size += km.size;
        }
        const child = walk(pair.value, k === undefined ? path : path ? `${path}.${k}` : k, depth + 1);
        size += child.size;
        height = Math.max(height, child.height + 1);
      }
    } else if (isSeq(node)) {
      if (node.items.length > limits.keys) throw limitError(path, `a list of ${node.items.length} entries`, 'keys', limits);
      node.items.forEach((item, i) => {
        const child = walk(item, `${path}[${i}]`, depth + 1);
        size += child.size;
        height = Math.max(height, child.height + 1);
      });
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.length > limits.stringChars) {
      throw limitError(path, `a string of ${node.value.length} characters`, 'stringChars', limits);
    }
    const m = { size, height };
    if (n && anchor) {
      open.delete(n);
      measured.set(n, m);
    }
    return m;
  };
  walk(doc.contents, '', 0);
}
