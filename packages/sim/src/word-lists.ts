/**
 * The sim's built-in vocabulary. Small on purpose: enough for text that reads like short English
 * in fixtures and logs, with no dependency on faker (the sim must stay dependency-free).
 */

/** Adjectives for sentences and titles. */
export const ADJECTIVES = [
  'quiet', 'bright', 'careful', 'steady', 'curious', 'gentle', 'bold', 'patient', 'modern', 'simple',
  'friendly', 'practical', 'early', 'recent', 'local', 'remote', 'reliable', 'busy', 'clever', 'warm',
  'small', 'large', 'honest', 'rapid', 'calm', 'fresh', 'loyal', 'eager', 'thoughtful', 'seasoned',
] as const;

/** Singular nouns. */
export const NOUNS = [
  'customer', 'team', 'project', 'garden', 'river', 'market', 'library', 'kitchen', 'studio', 'harbor',
  'engineer', 'teacher', 'bakery', 'journey', 'report', 'account', 'order', 'village', 'workshop', 'plan',
  'musician', 'neighbor', 'product', 'service', 'weekend', 'morning', 'city', 'budget', 'recipe', 'bicycle',
] as const;

/** Verbs in the third person singular, present tense. */
export const VERBS = [
  'enjoys', 'manages', 'builds', 'visits', 'prefers', 'reviews', 'supports', 'follows', 'shares', 'tracks',
  'improves', 'explores', 'organizes', 'values', 'designs', 'studies', 'recommends', 'plans', 'collects', 'leads',
] as const;

/** Adverbs that close a sentence. */
export const ADVERBS = [
  'every week', 'on most mornings', 'with great care', 'whenever possible', 'after work', 'in the spring',
  'without much fuss', 'each month', 'at a steady pace', 'most weekends', 'during the holidays', 'every day',
] as const;

/** Prepositions joining two noun phrases. */
export const PREPOSITIONS = ['near', 'for', 'with', 'around', 'beside', 'across', 'behind', 'beyond'] as const;

/** Given names. */
export const FIRST_NAMES = [
  'Maya', 'Liam', 'Sofia', 'Noah', 'Amara', 'Ethan', 'Lena', 'Omar', 'Clara', 'Mateo',
  'Priya', 'Jonas', 'Elena', 'Kenji', 'Nora', 'Lucas', 'Aisha', 'Felix', 'Hana', 'Diego',
] as const;

/** Family names. */
export const LAST_NAMES = [
  'Torres', 'Nguyen', 'Patel', 'Okafor', 'Schmidt', 'Rossi', 'Kowalski', 'Haddad', 'Larsen', 'Moreau',
  'Tanaka', 'Silva', 'Brennan', 'Novak', 'Ibrahim', 'Fischer', 'Costa', 'Walsh', 'Mendes', 'Lindqvist',
] as const;

/** City names. */
export const CITIES = [
  'Lisbon', 'Portland', 'Osaka', 'Lyon', 'Toronto', 'Melbourne', 'Austin', 'Bergen', 'Valencia', 'Denver',
  'Kraków', 'Porto', 'Nairobi', 'Leeds', 'Montreal', 'Seville',
] as const;

/** Country names. */
export const COUNTRIES = [
  'Portugal', 'Canada', 'Japan', 'France', 'Australia', 'Norway', 'Spain', 'Poland', 'Kenya', 'Ireland', 'Brazil', 'Germany',
] as const;

/** Company name stems. */
export const COMPANIES = [
  'Northwind', 'Bluebird', 'Riverstone', 'Brightpath', 'Oakridge', 'Silverline', 'Greenfield', 'Lakeside',
  'Summit', 'Harborview', 'Redwood', 'Clearwater',
] as const;

/** Company suffixes. */
export const COMPANY_SUFFIXES = ['Labs', 'Group', 'Systems', 'Studio', 'Partners', 'Works', 'Co.', 'Logistics'] as const;

/** Street names. */
export const STREETS = ['Maple Street', 'Oak Avenue', 'Harbor Road', 'Elm Lane', 'Station Road', 'Cedar Court', 'Hill Street', 'Park Lane'] as const;

/** Job titles. */
export const JOBS = [
  'software engineer', 'nurse', 'graphic designer', 'accountant', 'teacher', 'chef', 'data analyst',
  'electrician', 'product manager', 'pharmacist', 'architect', 'sales lead',
] as const;

/** Color names. */
export const COLORS = ['teal', 'amber', 'navy', 'crimson', 'olive', 'silver', 'coral', 'indigo', 'ivory', 'sage'] as const;
