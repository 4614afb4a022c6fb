// How a user's query becomes something the database can match. Pure functions.
import { createHash } from 'node:crypto';

/** Longest query accepted; a search box does not need more, and it bounds the work per request. */
export const MAX_QUERY_LENGTH = 1000;
/** At most this many terms go into the full-text query. */
export const MAX_TERMS = 16;

/**
 * Lower case, every run of characters other than letters and digits becomes one space, trimmed.
 * "What is Mohany, kanyji?" and "what is mohany kanyji" are the same question. Golden answers are
 * stored under the md5 of this form (see migrations/002_seed_data.sql).
 */
export function normalizeQuery(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** md5 hex of the normalized query: the key of golden_answers.query_hash. */
export function questionHash(normalized) {
  return createHash('md5').update(normalized, 'utf8').digest('hex');
}

/**
 * Distinct terms of the normalized query, at most MAX_TERMS. Only letters and digits survive
 * normalization, so no term can carry tsquery syntax (&, |, !, :, parentheses, quotes).
 */
export function queryTerms(normalized) {
  if (normalized === '') return [];
  return [...new Set(normalized.split(' '))].slice(0, MAX_TERMS);
}

/** OR of the terms for to_tsquery(): a document matching any term is a candidate. */
export function orTsQuery(terms) {
  return terms.join(' | ');
}
