import { UsageError } from '@synthfarm/core';
import { httpUrlProblem } from '@synthfarm/spec';
/**
 * A host URL as it may be shown: without user, password, query or trailing slash. Host labels
 * appear in messages, stats and manifests, so credentials embedded in a URL must not.
 */
export function hostLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/\/+$/, '');
  }
}

/** The port a start hint should use (`synthfarm sim --port N`): the URL's port, else the Ollama default. */
export function hintPort(url: string): string {
  try {
    return new URL(url).port || '11434';
  } catch {
    return '11434';
  }
}

/**
 * Whether a served model name is the configured one. Ollama reads a name without a tag as
 * `:latest` (`llama3` = `llama3:latest`); a registry host's port (`host:5000/m`) is not a tag.
 */
export function sameModel(served: string, wanted: string): boolean {
  return served === wanted || withTag(served) === withTag(wanted);
}

function withTag(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') ? name : `${name}:latest`;
}

/**
 * Checks a model host URL given on the command line or in code: http(s) with a host name, the
 * same rule as a spec's `hosts:` and `baseUrl`.
 * @param where what the user wrote it as, for the message: `--host gpu1=file:///`.
 * @throws UsageError `<where>: must use http:// or https://, not file://: expected a URL like ...` (exit 2).
 */
export function checkHostUrl(url: string, where: string): string {
  const problem = httpUrlProblem(url);
  if (problem) throw new UsageError(`${where}: ${problem}: expected a URL like http://gpu1:11434`);
  return url;
}
