/** Seconds → ISO 8601 duration (`PT1H2M5S`; `PT0S` for zero), the wire form of durations in JSON. */
export function isoDuration(seconds: number): string {
  const total = Math.max(0, seconds);
  const whole = Math.floor(total);
  const fraction = Math.round((total - whole) * 1000) / 1000;
  const days = Math.floor(whole / 86400);
  const hours = Math.floor((whole % 86400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = (whole % 60) + fraction;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (secs || (!hours && !minutes && !days)) time += `${secs}S`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
