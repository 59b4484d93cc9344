/**
 * Longest field name read: names longer than any real field (a hostile file can have megabyte
 * element names) are cut before the regexes below see them, so naming costs O(1) per field.
 */
const MAX_NAME_INPUT_CHARS = 128;

/**
 * A field name as a column name: `Leg Spring Stiffness` → `leg_spring_stiffness`,
 * `CIQ_core_temperature` → `ciq_core_temperature`, `SmO2` → `smo2`. Never empty.
 */
export function toSnakeCase(name: string): string {
  const snake = name
    .slice(0, MAX_NAME_INPUT_CHARS)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    // Split camelCase words (`FormPower`) but keep chemistry-like tokens (`SmO2`) whole.
    .replace(/([a-z0-9])([A-Z])(?=[a-z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_');
  let start = 0;
  let end = snake.length;
  while (start < end && snake[start] === '_') start++;
  while (end > start && snake[end - 1] === '_') end--;
  return start === end ? 'field' : snake.slice(start, end);
}
