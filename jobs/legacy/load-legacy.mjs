#!/usr/bin/env node
// Loads the legacy fixture (customers.csv, orders.csv) into a PostgreSQL database the way the
// old system kept it: text everywhere dates and sentinels live ("NULL" stays text), decimal
// commas turned into numeric, a primary key on each table and NO foreign-key constraint.
// Usage: node jobs/legacy/load-legacy.mjs postgres://postgres@127.0.0.1:5432/legacy
// (the database must exist: createdb -h 127.0.0.1 -U postgres legacy). Malformed CSV lines are
// reported with their line number and skipped, as the old nightly import did.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createCsvSource } from '@synthfarm/sources';

const url = process.argv[2] ?? process.env.LEGACY_DB;
if (!url) {
  console.error('usage: node jobs/legacy/load-legacy.mjs postgres://user@host:5432/db');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const money = (v) => (v == null || v === 'NULL' || v === '' ? null : Number(String(v).replace(/\./g, '').replace(',', '.')));

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await client.query(`
    DROP TABLE IF EXISTS orders, customers;
    CREATE TABLE customers (customer_id varchar(5) PRIMARY KEY, contact_name text, email text, phone text, country text, city text,
                            signup text, credit_limit numeric(12,2), notes text);
    CREATE TABLE orders (order_id integer PRIMARY KEY, customer_id varchar(5), order_date text, quantity integer,
                         unit_price numeric(10,2), total numeric(10,2), status text, ship_note text);`);
  const load = async (file, table, cols, conv = {}) => {
    let rows = [];
    let n = 0;
    const flush = async () => {
      if (!rows.length) return;
      const params = rows.flat();
      const values = rows.map((r, i) => `(${r.map((_, j) => `$${i * cols.length + j + 1}`).join(',')})`).join(',');
      await client.query(`INSERT INTO ${table} (${cols.join(',')}) VALUES ${values}`, params);
      n += rows.length;
      rows = [];
    };
    for await (const it of createCsvSource(join(here, file)).read()) {
      if (!it.ok) {
        console.error(`${file} line ${it.line}: ${it.reason} (skipped)`);
        continue;
      }
      rows.push(cols.map((c) => (conv[c] ? conv[c](it.values[c]) : it.values[c])));
      if (rows.length === 500) await flush();
    }
    await flush();
    console.log(`${table}: ${n} rows`);
  };
  await load('customers.csv', 'customers', ['customer_id', 'contact_name', 'email', 'phone', 'country', 'city', 'signup', 'credit_limit', 'notes'], { credit_limit: money });
  await load('orders.csv', 'orders', ['order_id', 'customer_id', 'order_date', 'quantity', 'unit_price', 'total', 'status', 'ship_note'], { order_id: Number, quantity: Number });
} finally {
  await client.end();
}
