/** FIT base types read as floats (protocol constants). */
const FLOAT32 = 0x08;
const FLOAT64 = 0x09;

/**
 * One value of a FIT base type that reads as a JS number (not the 64-bit integers, which read as
 * BigInt), as the SDK's #readSingleValue reads it: both the decoder's flat path and the record
 * columns read fields through this.
 */
export function readFitScalar(view: DataView, at: number, baseType: number, littleEndian: boolean): number {
  switch (baseType) {
    case FLOAT32:
      return view.getFloat32(at, littleEndian);
    case FLOAT64:
      return view.getFloat64(at, littleEndian);
    case 0x01:
      return view.getInt8(at);
    case 0x03:
      return view.getInt16(at, littleEndian);
    case 0x04:
    case 0x0b:
      return view.getUint16(at, littleEndian);
    case 0x05:
      return view.getInt32(at, littleEndian);
    case 0x06:
    case 0x0c:
      return view.getUint32(at, littleEndian);
    default:
      return view.getUint8(at);
  }
}
