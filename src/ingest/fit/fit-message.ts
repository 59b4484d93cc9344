/** A decoded FIT message as plain values (the SDK's own types promise numbers where it gives strings). */
export type FitMessage = Readonly<Record<string, unknown>>;

/** What a developer field means, from its field description message. */
export interface DeveloperFieldInfo {
  name: string;
  units: string;
  scale: number | null;
  offset: number | null;
}
