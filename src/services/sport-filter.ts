/** `sport` and its deprecated alias `sports` (WIRE.md §3.1), merged; undefined when neither is given. */
export function sportFilter(query: { sport?: string[]; sports?: string[] }): string[] | undefined {
  const all = [...(query.sport ?? []), ...(query.sports ?? [])];
  return all.length > 0 ? all : undefined;
}
