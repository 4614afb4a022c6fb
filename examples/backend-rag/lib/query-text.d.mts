// Types for query-text.mjs, so the TypeScript tests can import the pure helpers.
export const MAX_QUERY_LENGTH: number;
export const MAX_TERMS: number;
export function normalizeQuery(text: string): string;
export function questionHash(normalized: string): string;
export function queryTerms(normalized: string): string[];
export function orTsQuery(terms: string[]): string;
