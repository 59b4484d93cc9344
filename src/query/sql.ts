/**
 * SQL composed from fragments with a tagged template: `sql\`… ${value} …\`` keeps each value as a
 * parameter, a nested fragment is spliced in with its own parameters, and `compileSql` numbers the
 * placeholders once at the end. User input can only ever travel as a parameter; `trusted` marks
 * text that comes from our own tables (column names), never from a request.
 */
export class Sql {
  constructor(
    readonly parts: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** A compiled query: SQL with positional parameters; user input only ever travels in `params`. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** Text from our own code or tables (identifiers, keywords); never pass request input here. */
export function trusted(text: string): Sql {
  return new Sql([text], []);
}

export function joinSql(fragments: readonly Sql[], separator: string): Sql {
  const parts: string[] = [''];
  const values: unknown[] = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) parts[parts.length - 1] += separator;
    values.push(fragment);
    parts.push('');
  });
  return new Sql(parts, values);
}

/** Numbers the placeholders `$1…$n` in order of appearance. */
export function compileSql(fragment: Sql): CompiledQuery {
  const params: unknown[] = [];
  const text = render(fragment, params);
  return { sql: text, params };
}

function render(fragment: Sql, params: unknown[]): string {
  let text = fragment.parts[0] ?? '';
  fragment.values.forEach((value, i) => {
    if (value instanceof Sql) {
      text += render(value, params);
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += fragment.parts[i + 1] ?? '';
  });
  return text;
}

/** A list of strings as one parameter (the driver cannot bind untyped lists, so it travels as JSON). */
export function stringList(values: readonly string[]): Sql {
  return sql`CAST(CAST(${JSON.stringify(values)} AS JSON) AS VARCHAR[])`;
}

/** A list of integers as one parameter. */
export function integerList(values: readonly number[]): Sql {
  return sql`CAST(CAST(${JSON.stringify(values)} AS JSON) AS INTEGER[])`;
}
