/**
 * A field name as a column name: `Leg Spring Stiffness` → `leg_spring_stiffness`,
 * `CIQ_core_temperature` → `ciq_core_temperature`, `SmO2` → `smo2`. Never empty.
 */
export function toSnakeCase(name: string): string {
  const snake = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    // Split camelCase words (`FormPower`) but keep chemistry-like tokens (`SmO2`) whole.
    .replace(/([a-z0-9])([A-Z])(?=[a-z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return snake === '' ? 'field' : snake;
}
