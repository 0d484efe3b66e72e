import type { Rng } from './rng.js';
import {
  ADJECTIVES, ADVERBS, CITIES, COLORS, COMPANIES, COMPANY_SUFFIXES, COUNTRIES, FIRST_NAMES, JOBS, LAST_NAMES,
  NOUNS, PREPOSITIONS, STREETS, VERBS,
} from './word-lists.js';
import { sampleStringFormat } from './string-formats.js';

/** "a" or "an" before a word, by its first letter (good enough for the built-in vocabulary). */
function article(word: string): string {
  return /^([aeiou]|hon)/i.test(word) ? 'an' : 'a';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One short English sentence, ending with a period. */
export function sampleSentence(rng: Rng): string {
  const adj = rng.pick(ADJECTIVES);
  const noun = rng.pick(NOUNS);
  const verb = rng.pick(VERBS);
  const adj2 = rng.pick(ADJECTIVES);
  const noun2 = rng.pick(NOUNS);
  switch (rng.int(0, 2)) {
    case 0:
      return `The ${adj} ${noun} ${verb} the ${noun2} ${rng.pick(PREPOSITIONS)} the ${adj2} ${rng.pick(NOUNS)} ${rng.pick(ADVERBS)}.`;
    case 1:
      return `${rng.pick(FIRST_NAMES)} ${verb} ${article(adj)} ${adj} ${noun} ${rng.pick(ADVERBS)}.`;
    default:
      return `${capitalize(article(adj))} ${adj} ${noun} ${verb} the ${adj2} ${noun2} ${rng.pick(PREPOSITIONS)} ${rng.pick(CITIES)}.`;
  }
}

/** `count` sentences joined by spaces. */
export function sampleSentences(rng: Rng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(sampleSentence(rng));
  return out.join(' ');
}

/** Two to five capitalized words: a title or headline. */
export function sampleTitle(rng: Rng): string {
  const words: string[] = [rng.pick(ADJECTIVES), rng.pick(NOUNS)];
  if (rng.chance(0.5)) words.push(rng.pick(PREPOSITIONS), rng.pick(CITIES));
  return words.map(capitalize).join(' ');
}

/**
 * Trims `text` to at most `max` characters (at a word boundary when one is near) and pads it with
 * words to at least `min`, so hinted or prose strings always satisfy minLength / maxLength.
 * Lengths count UTF-16 units, which equal code points for the ASCII vocabulary used here.
 */
export function fitLength(rng: Rng, text: string, min = 0, max = Number.POSITIVE_INFINITY): string {
  let out = text;
  while (out.length < min) out = `${out} ${rng.pick(NOUNS)}`.trimStart();
  if (out.length > max) {
    const cut = out.slice(0, max);
    const floor = Math.max(min, Math.floor(max * 0.6));
    // A sentence end reads best, then a word boundary; neither may drop below minLength or leave almost nothing.
    const period = cut.lastIndexOf('. ') + 1;
    const space = cut.lastIndexOf(' ');
    if (period >= floor) out = cut.slice(0, period);
    else if (space >= floor) out = cut.slice(0, space).replace(/[ ,]+$/, '');
    else out = cut;
    if (out.length < min) out = cut;
  }
  return out;
}

/** The person an object describes: name, email and bio of one record name the same person. */
export interface Persona {
  first: string;
  last: string;
  city: string;
}

/** Draws a person. */
export function samplePersona(rng: Rng): Persona {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES), city: rng.pick(CITIES) };
}

/** Normalizes a property name for hint matching: `first_name`, `firstName`, `First-Name` → `firstname`. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * A string that suits a property by its name or description ("email", "bio", "city", ...), or
 * undefined when nothing hints. Pure niceness: callers still clip to the schema's length rules.
 */
export function sampleHintedString(rng: Rng, key: string | undefined, description: string | undefined, persona?: Persona): string | undefined {
  const k = key ? normalizeKey(key) : '';
  const d = (description ?? '').toLowerCase();
  const has = (...words: string[]): boolean => words.some((w) => k === w || k.endsWith(w));
  const { first, last, city } = persona ?? samplePersona(rng);

  if (has('email', 'mail') || /\bemail\b/.test(d)) return `${first.toLowerCase()}.${last.toLowerCase()}@example.com`;
  if (has('firstname', 'givenname')) return first;
  if (has('lastname', 'surname', 'familyname')) return last;
  if (has('username', 'handle', 'login')) return `${first.toLowerCase()}${last.toLowerCase().slice(0, 3)}${rng.int(1, 99)}`;
  if (has('uuid', 'guid') || k === 'id') return sampleStringFormat(rng, 'uuid');
  if (has('url', 'website', 'homepage', 'link')) return sampleStringFormat(rng, 'uri');
  if (has('phone', 'phonenumber', 'mobile')) return `+1-555-${String(rng.int(100, 999))}-${String(rng.int(1000, 9999))}`;
  if (has('city', 'town', 'cityname', 'hometown')) return city;
  if (has('country', 'countryname')) return rng.pick(COUNTRIES);
  if (has('company', 'organization', 'organisation', 'employer', 'business', 'companyname', 'businessname')) return `${rng.pick(COMPANIES)} ${rng.pick(COMPANY_SUFFIXES)}`;
  if (has('street', 'address', 'addressline')) return `${rng.int(1, 999)} ${rng.pick(STREETS)}`;
  if (has('job', 'jobtitle', 'occupation', 'profession', 'position')) return rng.pick(JOBS);
  if (has('color', 'colour')) return rng.pick(COLORS);
  if (has('tag', 'keyword', 'category', 'label')) return rng.pick(NOUNS);
  if (has('date', 'birthday', 'dob') || /\bdate\b/.test(d)) return sampleStringFormat(rng, 'date');
  if (has('title', 'headline', 'subject', 'heading')) return sampleTitle(rng);
  if (has('name', 'fullname', 'author', 'customer', 'contact', 'person', 'owner')) return `${first} ${last}`;
  if (has('bio', 'biography', 'about', 'profile')) {
    const adj = rng.pick(ADJECTIVES);
    return `${first} is ${article(adj)} ${adj} ${rng.pick(JOBS)} from ${city}. ${sampleSentence(rng)}`;
  }
  if (has('description', 'summary', 'notes', 'note', 'comment', 'review', 'feedback', 'message', 'content', 'body', 'text', 'details', 'reason')) {
    return sampleSentences(rng, rng.int(1, 2));
  }
  if (/\bsentence\b/.test(d)) return sampleSentence(rng);
  return undefined;
}
