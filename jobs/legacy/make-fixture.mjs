#!/usr/bin/env node
// Writes the messy legacy fixture of jobs/legacy (deterministic: run it again, same bytes).
// customers.csv: ';'-separated, Windows-1252, CRLF, dates in three formats, "NULL" as text,
// decimal commas, duplicated customers under new ids, one malformed line, free-text notes.
// orders.csv: UTF-8 with a BOM, ',' separated, references customers without any constraint.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let s = 20240917;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const weighted = (w) => { let u = rnd() * Object.values(w).reduce((a, b) => a + b, 0); for (const [k, v] of Object.entries(w)) { if ((u -= v) < 0) return k; } return Object.keys(w)[0]; };
const pad = (n, w = 2) => String(n).padStart(w, '0');

// Invented names (syllables, accents): no real person, and nothing faker would write.
const SYL = ['zel', 'quar', 'bré', 'nor', 'vax', 'ilu', 'oth', 'mé', 'kan', 'dru', 'fâ', 'lis', 'tor', 'gwy', 'sæ', 'rin', 'ö', 'pel'];
const word = (n) => { let w = ''; for (let i = 0; i < n; i++) w += pick(SYL); return w[0].toUpperCase() + w.slice(1); };
const COUNTRIES = { DE: 35, FR: 20, UK: 15, USA: 15, ES: 8, IT: 7 };
const CITIES = { DE: ['Berlin', 'München', 'Köln'], FR: ['Paris', 'Lyon'], UK: ['London', 'Leeds'], USA: ['Boston', 'Denver'], ES: ['Sevilla'], IT: ['Torino'] };
const NOTE_WORDS = ['called', 'about', 'invoice', 'late', 'delivery', 'prefers', 'email', 'contact', 'morning', 'discount', 'asked', 'for', 'new', 'catalogue', 'complained', 'packaging', 'loyal', 'since', 'years', 'VIP', 'reminder', 'sent', 'pays', 'by', 'transfer', 'the', 'a', 'order'];
const note = () => { const n = 4 + Math.floor(rnd() * 12); const w = []; for (let i = 0; i < n; i++) w.push(pick(NOTE_WORDS)); return w.join(' ').replace(/^./, (c) => c.toUpperCase()) + pick(['.', '.', '!', '; see file.']); };
const date = (y0, y1) => { const y = y0 + Math.floor(rnd() * (y1 - y0 + 1)); const m = 1 + Math.floor(rnd() * 12); const d = 1 + Math.floor(rnd() * 28); return { y, m, d }; };
const fmt = ({ y, m, d }, f) => (f === 'iso' ? `${y}-${pad(m)}-${pad(d)}` : f === 'slash' ? `${pad(d)}/${pad(m)}/${y}` : `${pad(d)}.${pad(m)}.${y}`);
const q = (v) => (/[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

const ids = new Set();
const newId = () => { let id; do { id = Array.from({ length: 5 }, () => String.fromCharCode(65 + Math.floor(rnd() * 26))).join(''); } while (ids.has(id)); ids.add(id); return id; };

const customers = [];
for (let i = 0; i < 400; i++) {
  const dup = i > 20 && rnd() < 0.03 ? customers[Math.floor(rnd() * customers.length)] : undefined;
  const first = dup?.first ?? word(2);
  const last = dup?.last ?? word(2 + Math.floor(rnd() * 2));
  const country = dup?.country ?? weighted(COUNTRIES);
  const c = {
    id: newId(), first, last, country,
    name: `${first} ${last}`,
    email: dup?.email ?? (rnd() < 0.08 ? 'NULL' : `${first}.${last}@mail.legacy-corp.example`.normalize('NFKD').replace(/[^\x00-\x7f]/g, '').toLowerCase()),
    phone: dup?.phone ?? (rnd() < 0.06 ? pick(['', 'N/A']) : `(0${Math.floor(rnd() * 90 + 10)}) 555-${pad(Math.floor(rnd() * 10000), 4)}`),
    city: pick(CITIES[country]),
    signup: rnd() < 0.05 ? 'NULL' : fmt(date(2004, 2019), weighted({ iso: 5, slash: 3, dot: 2 })),
    credit: rnd() < 0.04 ? 'NULL' : (Math.round(Math.exp(7 + rnd() * 2.2) / 50) * 50).toFixed(2).replace('.', ','),
    notes: rnd() < 0.3 ? '' : note(),
  };
  customers.push(c);
}
const cRows = customers.map((c) => [c.id, c.name, c.email, c.phone, c.country, c.city, c.signup, c.credit, c.notes].map(q).join(';'));
cRows.splice(137, 0, 'ZZZZZ;Broken Row;;;DE;Berlin;2010-01-01;100,00;an extra field;here'); // a malformed line (line 139)
const header = 'customer_id;contact_name;email;phone;country;city;signup;credit_limit;notes';
writeFileSync(join(here, 'customers.csv'), Buffer.from([header, ...cRows].join('\r\n') + '\r\n', 'latin1'));

const orders = [];
const loyal = customers.slice(0, 60);
for (let i = 0; i < 1500; i++) {
  const c = rnd() < 0.5 ? pick(loyal) : pick(customers);
  const quantity = 1 + Math.min(11, Math.floor(-Math.log(1 - rnd()) * 3));
  const unit = Math.round((5 + Math.exp(rnd() * 4.5)) * 100) / 100;
  const total = Math.round(quantity * unit * (rnd() < 0.2 ? 0.9 : 1) * 100) / 100;
  orders.push([
    String(10001 + i), c.id, fmt(date(2015, 2023), rnd() < 0.7 ? 'iso' : 'slash'), String(quantity), unit.toFixed(2), total.toFixed(2),
    rnd() < 0.04 ? 'NULL' : weighted({ shipped: 70, pending: 12, cancelled: 8, returned: 6 }),
    rnd() < 0.75 ? '' : note(),
  ].map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(','));
}
writeFileSync(join(here, 'orders.csv'), '\ufeff' + ['order_id,customer_id,order_date,quantity,unit_price,total,status,ship_note', ...orders].join('\n') + '\n');
console.log(`wrote ${customers.length} customers (one malformed line more) and ${orders.length} orders to ${here}`);
