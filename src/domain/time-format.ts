/** UTC epoch seconds → ISO 8601 with Z, whole seconds (the wire form of instants). */
export function isoUtc(epochS: number): string {
  return new Date(Math.round(epochS) * 1000).toISOString().replace('.000Z', 'Z');
}

/** UTC epoch seconds shifted by an offset → naive local wall-clock time `YYYY-MM-DDTHH:MM:SS`. */
export function isoLocal(epochS: number, utcOffsetS: number | null): string {
  return isoUtc(epochS + (utcOffsetS ?? 0)).slice(0, 19);
}
