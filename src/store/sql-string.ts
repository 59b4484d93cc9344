/** A SQL string literal for values we generate ourselves (paths, ids); user input goes in parameters. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
