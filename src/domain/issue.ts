/** A data-quality finding made while reading a file. Collected, never thrown (STYLE.md "Errors"). */
export type IssueCode =
  | 'truncated'
  | 'corrupt'
  | 'crc_mismatch'
  | 'gap'
  | 'non_monotonic_time'
  | 'duplicate_timestamp'
  | 'out_of_range'
  | 'no_power_meter'
  | 'missing_session'
  | 'unknown_sport'
  | 'unknown_developer_field'
  | 'no_records'
  | 'timestamp_outlier'
  | 'span_limit'
  | 'recording_split'
  | 'activity_limit'
  | 'duplicate_session'
  | 'field_limit'
  | 'reserved_field_name';

export interface DataIssue {
  code: IssueCode;
  message: string;
  /** Extra facts (counts, byte offsets, field names). */
  details?: Record<string, unknown>;
}
