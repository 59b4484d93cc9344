/**
 * Training zones as data (DESIGN.md §4): each zone starts at a percentage of a threshold
 * (FTP for power, LTHR for heart rate) and ends where the next one starts; a value exactly on a
 * boundary belongs to the upper zone. Add a system by adding an entry here — no code changes.
 */
export interface ZoneSystem {
  id: string;
  name: string;
  metric: 'power' | 'heart_rate';
  threshold: 'ftp' | 'lthr';
  zones: readonly { name: string; fromPct: number }[];
}

/** Coggan's 7 power levels on FTP: <55, 55–75, 75–90, 90–105, 105–120, 120–150, ≥150 %. */
export const COGGAN_POWER_ZONES: ZoneSystem = {
  id: 'coggan-power-7',
  name: 'Coggan power levels',
  metric: 'power',
  threshold: 'ftp',
  zones: [
    { name: 'Z1 Active recovery', fromPct: 0 },
    { name: 'Z2 Endurance', fromPct: 55 },
    { name: 'Z3 Tempo', fromPct: 75 },
    { name: 'Z4 Lactate threshold', fromPct: 90 },
    { name: 'Z5 VO2max', fromPct: 105 },
    { name: 'Z6 Anaerobic capacity', fromPct: 120 },
    { name: 'Z7 Neuromuscular', fromPct: 150 },
  ],
};

/** Coggan's 5 heart-rate levels on LTHR: <68, 68–83, 83–94, 94–105, ≥105 %. */
export const COGGAN_HR_ZONES: ZoneSystem = {
  id: 'coggan-hr-5',
  name: 'Coggan heart-rate levels',
  metric: 'heart_rate',
  threshold: 'lthr',
  zones: [
    { name: 'Z1 Active recovery', fromPct: 0 },
    { name: 'Z2 Endurance', fromPct: 68 },
    { name: 'Z3 Tempo', fromPct: 83 },
    { name: 'Z4 Lactate threshold', fromPct: 94 },
    { name: 'Z5 VO2max', fromPct: 105 },
  ],
};

/** Friel's 7 cycling heart-rate zones on LTHR: <81, 81–90, 90–94, 94–100, 100–103, 103–106, ≥106 %. */
export const FRIEL_HR_ZONES: ZoneSystem = {
  id: 'friel-hr-7',
  name: 'Friel cycling heart-rate zones',
  metric: 'heart_rate',
  threshold: 'lthr',
  zones: [
    { name: 'Z1 Recovery', fromPct: 0 },
    { name: 'Z2 Aerobic', fromPct: 81 },
    { name: 'Z3 Tempo', fromPct: 90 },
    { name: 'Z4 Subthreshold', fromPct: 94 },
    { name: 'Z5a Superthreshold', fromPct: 100 },
    { name: 'Z5b Aerobic capacity', fromPct: 103 },
    { name: 'Z5c Anaerobic capacity', fromPct: 106 },
  ],
};

export const ZONE_SYSTEMS: readonly ZoneSystem[] = [COGGAN_POWER_ZONES, COGGAN_HR_ZONES, FRIEL_HR_ZONES];
