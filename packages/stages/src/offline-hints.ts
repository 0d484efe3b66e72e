import type { FakerCall, FakerRegistry } from '@synthfarm/codegen';

/**
 * Words of a shape hint ("a US city") or a field name (`city`, `contactEmail`) and the faker
 * method that writes a value of that kind: what `--offline` puts where a model would have written
 * one. First match wins, so the more specific words come first. Emails use reserved domains
 * (internet.exampleEmail: example.com/.net/.org).
 */
const KINDS: Array<[RegExp, string, 'hint or name' | 'hint']> = [
  [/e-?mail/i, 'internet.exampleEmail', 'hint or name'],
  [/phone|mobile|fax/i, 'phone.number', 'hint or name'],
  [/\burl\b|website|homepage/i, 'internet.url', 'hint or name'],
  [/\bzip|postal|postcode/i, 'location.zipCode', 'hint or name'],
  [/street|address/i, 'location.streetAddress', 'hint or name'],
  [/\bcity|\btown\b/i, 'location.city', 'hint or name'],
  [/country/i, 'location.country', 'hint or name'],
  [/\bstate\b|province|region/i, 'location.state', 'hint'],
  [/company|employer|organi[sz]ation|manufacturer|brand/i, 'company.name', 'hint or name'],
  [/job|occupation/i, 'person.jobTitle', 'hint or name'],
  [/first ?name|given name/i, 'person.firstName', 'hint or name'],
  [/last ?name|surname|family name/i, 'person.lastName', 'hint or name'],
  [/full ?name|person'?s? name|customer name|author/i, 'person.fullName', 'hint or name'],
  [/product/i, 'commerce.productName', 'hint or name'],
  [/colou?r/i, 'color.human', 'hint or name'],
  [/department/i, 'commerce.department', 'hint or name'],
  [/currency/i, 'finance.currencyCode', 'hint or name'],
];

/** The faker method for a hinted string (hint first, then the field's own name), if any word matches. */
export function hintedFakerMethod(hint: string | undefined, name: string): string | undefined {
  // `maker.city`, `contactEmail`, `zip_code`: the last segment, split into words.
  const words = name.split('.').at(-1)!.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  const byHint = hint ? KINDS.find(([re]) => re.test(hint)) : undefined;
  if (byHint) return byHint[1];
  // A name is weaker evidence than a hint ("state" may be a status): only the plain kinds.
  return KINDS.find(([re, , by]) => by === 'hint or name' && re.test(words))?.[1];
}

/** Faker calls made once per offline stage, one per method. */
export function hintedFaker(fakers: FakerRegistry): (method: string) => FakerCall {
  const calls = new Map<string, FakerCall>();
  return (method) => {
    let c = calls.get(method);
    if (!c) {
      calls.set(method, (c = fakers.resolve(method, undefined, 'en', `offline.${method}`)));
    }
    return c;
  };
}
