/**
 * Column names that say what a text column holds, mapped to the faker method that writes a
 * look-alike. Checked in order: `company_name` is a company before it is a name.
 */
const RULES: Array<[RegExp, string]> = [
  [/^(first_?name|fname|given_?name|vorname|prenom|forename)$/, 'person.firstName'],
  [/^(last_?name|lname|surname|family_?name|nachname)$/, 'person.lastName'],
  [/(company|firm|organi[sz]ation|employer|supplier|vendor)(_?name)?$/, 'company.name'],
  [/^(product|item|article)_?name$/, 'commerce.productName'],
  [/(job_?title|position|role)$/, 'person.jobTitle'],
  [/(street|address|addr)(_?line)?_?1?$/, 'location.streetAddress'],
  [/(city|town|ort|ville)$/, 'location.city'],
  [/(zip|postal|post_?code|plz)(_?code)?$/, 'location.zipCode'],
  [/(country)(_?name)?$/, 'location.country'],
  [/(state|province|region|county)$/, 'location.state'],
  [/(url|website|homepage)$/, 'internet.url'],
  [/(user_?name|login|handle)$/, 'internet.username'],
  [/iban$/, 'finance.iban'],
  [/(^|_)(name|contact|contact_?name|full_?name|customer_?name|client_?name|person|employee_?name)$/, 'person.fullName'],
];

/** The faker method a column name suggests, if any. */
export function fakerForName(column: string): string | undefined {
  const c = column.toLowerCase();
  return RULES.find(([re]) => re.test(c))?.[1];
}

/**
 * `(999) 999-9999` → `([0-9]{3}) [0-9]{3}-[0-9]{4}`: a pattern for faker's `helpers.fromRegExp`,
 * whose dialect is small: classes with counts, `.` and `+` only inside a class, `(` `)` `-` `/`
 * and spaces literal. A shape with a character it cannot write returns undefined.
 */
export function shapeToRegExp(shape: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < shape.length) {
    const ch = shape[i]!;
    let j = i;
    while (j < shape.length && shape[j] === ch) j++;
    const n = j - i;
    const cls = ch === '9' ? '[0-9]' : ch === 'A' ? '[A-Z]' : ch === 'a' ? '[a-z]' : ch === '.' || ch === '+' ? `[${ch}]` : /^[ ()\-\/,:#@&_'"!$]$/.test(ch) ? ch : undefined;
    if (cls === undefined) return undefined;
    out += cls.startsWith('[') ? (n > 1 ? `${cls}{${n}}` : cls) : cls.repeat(n);
    i = j;
  }
  return out;
}
