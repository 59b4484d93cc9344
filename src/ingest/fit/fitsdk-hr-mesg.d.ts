/**
 * The SDK's heart-rate merge (`@garmin/fitsdk/src/utils-hr-mesg.js`), which `Decoder.read()` runs
 * after decoding; the fast decoder calls the same function so both give the same records. The
 * package ships no types for its internal modules.
 */
declare module '@garmin/fitsdk/src/utils-hr-mesg.js' {
  const HrMesgUtils: {
    /** Writes the average of the HR messages' filtered bpm into each record's `heartRate`; throws on inconsistent HR messages. */
    mergeHeartRates(hrMesgs: unknown[] | undefined, recordMesgs: unknown[] | undefined): void;
  };
  export default HrMesgUtils;
}
