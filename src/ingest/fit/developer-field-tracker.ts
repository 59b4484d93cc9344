import type { DeveloperFieldInfo, FitMessage } from './fit-message.ts';

/**
 * Which developer fields were in effect for each record message, as a FIT decoder goes through a
 * file: fed every field_description and record message in order (the SDK's mesgListener, or
 * the fast decoder), it keeps one table per record. The SDK numbers a field's key by a running
 * count that restarts when an app re-declares its fields, so one key can name different fields in
 * different parts of a file.
 */
export class DeveloperFieldTracker {
  readonly perRecord: ReadonlyMap<number, DeveloperFieldInfo>[] = [];
  // Copy-on-write: every record keeps a reference to the table that was current when it was read.
  #current = new Map<number, DeveloperFieldInfo>();

  /** The fields in effect now: what the next record message gets. */
  get current(): ReadonlyMap<number, DeveloperFieldInfo> {
    return this.#current;
  }

  onRecord(): void {
    this.perRecord.push(this.#current);
  }

  onFieldDescription(fields: FitMessage): void {
    const key = fields.key;
    if (typeof key !== 'number') return;
    this.#current = new Map(this.#current);
    this.#current.set(key, {
      name: typeof fields.fieldName === 'string' ? fields.fieldName : `developer_field_${key}`,
      units: typeof fields.units === 'string' ? fields.units : '',
      scale: typeof fields.scale === 'number' && fields.scale !== 0 ? fields.scale : null,
      offset: typeof fields.offset === 'number' ? fields.offset : null,
    });
  }
}
