/**
 * Every error code Peakform answers with: its HTTP status, what it means and how to fix it. The
 * API's problem+json bodies, the CLI's messages, the docs and the OpenAPI document all name codes
 * from here; a test checks that every code thrown in the sources is listed and documented.
 */
export const ERROR_CATALOG = {
  ERR_REQUEST_INVALID: {
    status: 400,
    meaning: 'A parameter or body field is invalid.',
    fix: 'Read `errors` for each field and correct it.',
  },
  ERR_REQUEST_MEDIA_TYPE: {
    status: 415,
    meaning: 'The body’s content type is not accepted by this route.',
    fix: 'Send JSON, a form or multipart as the route declares.',
  },
  ERR_REQUEST_TOO_LARGE: {
    status: 413,
    meaning: 'The request body is larger than the route accepts.',
    fix: 'Send less.',
  },
  ERR_ROUTE_NOT_FOUND: {
    status: 404,
    meaning: 'No route has this method and path.',
    fix: 'See /docs or /openapi.json for the routes.',
  },
  ERR_DATE_RANGE_INVALID: { status: 400, meaning: 'start is after end.', fix: 'Swap them.' },
  ERR_DATE_RANGE_TOO_LONG: {
    status: 400,
    meaning: 'The date range spans more than 20 years.',
    fix: 'Ask for at most 20 years at a time.',
  },
  ERR_FORMAT_NOT_ACCEPTABLE: {
    status: 406,
    meaning: 'No type in Accept can be produced.',
    fix: 'Ask for Parquet, Arrow, CSV or JSON, or pass ?format=.',
  },
  ERR_AUTH_MISSING: {
    status: 401,
    meaning: 'No bearer token was sent.',
    fix: 'Send `Authorization: Bearer <token>`.',
  },
  ERR_AUTH_INVALID: {
    status: 401,
    meaning: 'The token is malformed, tampered with or signed by another key.',
    fix: 'Create a new key with `peakform token create`.',
  },
  ERR_AUTH_EXPIRED: {
    status: 401,
    meaning: 'The token has expired.',
    fix: 'Refresh it or create a new key.',
  },
  ERR_AUTH_REVOKED: { status: 401, meaning: 'The token was revoked.', fix: 'Create a new key.' },
  ERR_AUTH_SCOPE: {
    status: 403,
    meaning: 'The token lacks the scope this route needs.',
    fix: 'Use a token with the scope named in the detail.',
  },
  ERR_TOKEN_NOT_FOUND: {
    status: 404,
    meaning: 'No such API key for this athlete.',
    fix: 'List keys with `peakform token list`.',
  },
  ERR_TOKEN_NAME_INVALID: {
    status: 400,
    meaning: 'The key name is too long or empty.',
    fix: 'Use 1–100 characters.',
  },
  ERR_TOKEN_SCOPE_INVALID: {
    status: 400,
    meaning: 'A requested scope does not exist.',
    fix: 'Use data:read, data:write or profile.',
  },
  ERR_EMAIL_INVALID: {
    status: 400,
    meaning: 'The email address is not valid.',
    fix: 'Give an address like name@example.org.',
  },
  ERR_EMAIL_TAKEN: {
    status: 409,
    meaning: 'An account with this email exists.',
    fix: 'Sign in with it, or use another address.',
  },
  ERR_ACCOUNT_EXISTS: {
    status: 409,
    meaning: 'This athlete already has an account.',
    fix: 'Sign in as that athlete, or leave the athlete id out for a new one.',
  },
  ERR_PASSWORD_INVALID: {
    status: 400,
    meaning: 'The password is too short or too long.',
    fix: 'Use 8 to 1024 characters; a passphrase is best.',
  },
  ERR_LOGIN_FAILED: {
    status: 401,
    meaning: 'The email or password is wrong.',
    fix: 'Check both and try again.',
  },
  ERR_LOGIN_THROTTLED: {
    status: 429,
    meaning: 'Too many failed sign-ins for this account or from this address.',
    fix: 'Wait for the time in Retry-After, then try again.',
  },
  ERR_USER_NOT_FOUND: {
    status: 404,
    meaning: 'No such user, or not one you manage.',
    fix: 'List your users with GET /api/v1/users/.',
  },
  ERR_DELEGATED_TOKEN: {
    status: 403,
    meaning: 'This route does not take a delegated token (one acting for another user).',
    fix: 'Call it with your own token: GET /api/v1/oauth/principal-token gives it back.',
  },
  ERR_DELEGATION_FORBIDDEN: {
    status: 403,
    meaning:
      'You may not act for this user: you do not manage them, they authorised no team of yours, or not with the scopes asked.',
    fix: 'Ask the athlete to authorise your team (POST /api/v1/teams/{team_id}/authorize), or ask for fewer scopes.',
  },
  ERR_TEAM_NOT_FOUND: {
    status: 404,
    meaning: 'No such team, or not one you belong to.',
    fix: 'List your teams with GET /api/v1/teams/.',
  },
  ERR_TEAM_NOT_AUTHORIZED: {
    status: 404,
    meaning: 'You have not authorised this team.',
    fix: 'List the teams you authorised with GET /api/v1/teams/authorized.',
  },
  ERR_TEAM_FORBIDDEN: {
    status: 403,
    meaning: 'Only an owner of the team can do this.',
    fix: 'Ask an owner of the team.',
  },
  ERR_TEAM_INVALID: {
    status: 400,
    meaning: 'A field of the team is not valid (name, description, URLs).',
    fix: 'Correct the field the message names.',
  },
  ERR_PORTAL_INVALID: {
    status: 400,
    meaning:
      'A Portal session needs an application’s token, and a return_url at or under one of its redirect URIs.',
    fix: 'Call with the token your app got for the athlete; register the return URL as a redirect URI, or leave it out.',
  },
  ERR_REFRESH_INVALID: {
    status: 400,
    meaning: 'The refresh token is unknown or revoked, or the access it stood for ended.',
    fix: 'Ask for a new delegated or principal token.',
  },
  ERR_APPLICATION_NOT_FOUND: {
    status: 404,
    meaning: 'No such application of yours.',
    fix: 'List yours with GET /api/v1/applications.',
  },
  ERR_APPLICATION_INVALID: {
    status: 400,
    meaning: 'A field of the application is not valid (name, description, URLs, redirect URIs).',
    fix: 'Correct the field the message names.',
  },
  ERR_APPLICATION_PUBLIC: {
    status: 400,
    meaning: 'A public application has no client secrets.',
    fix: 'Create a confidential application for a server-side client.',
  },
  ERR_SECRET_NOT_FOUND: {
    status: 404,
    meaning: 'No such client secret on this application.',
    fix: 'List the application’s secrets to see their ids.',
  },
  ERR_TOKEN_EXPIRY_INVALID: {
    status: 400,
    meaning: 'The expiry is not a positive number of seconds.',
    fix: 'Give a positive whole number.',
  },
  ERR_ATHLETE_ID_INVALID: {
    status: 400,
    meaning: 'The athlete id has characters it may not have.',
    fix: 'Use 1–64 letters, digits, _ or -, starting with a letter or digit.',
  },
  ERR_ACTIVITY_NOT_FOUND: {
    status: 404,
    meaning: 'No activity with this id for this athlete.',
    fix: 'List activities with GET /api/v1/activities/.',
  },
  ERR_DAILY_NOT_FOUND: {
    status: 404,
    meaning: 'No value of this measure on this date for this athlete.',
    fix: 'List the measure with GET /api/v1/dailies/{measure}.',
  },
  ERR_DAILY_IMPORT_INVALID: {
    status: 400,
    meaning: 'A dailies CSV lacks its date, measure or value column.',
    fix: 'Give a header line with date,measure,value.',
  },
  ERR_SOURCE_NOT_FOUND: {
    status: 404,
    meaning: 'No upload with this id for this athlete.',
    fix: 'Use an id from the upload response.',
  },
  ERR_IMPORT_NOT_FOUND: {
    status: 404,
    meaning: 'No import job with this id for this athlete.',
    fix: 'Use the id (or the Location) from POST /api/v1/imports, or list them with GET /api/v1/imports.',
  },
  ERR_UPLOAD_NOT_MULTIPART: {
    status: 415,
    meaning: 'The upload is not multipart/form-data.',
    fix: 'Send files as multipart parts named `files`.',
  },
  ERR_UPLOAD_MALFORMED: {
    status: 400,
    meaning: 'The multipart body is malformed: no boundary, or cut short.',
    fix: 'Send complete multipart/form-data (curl -F files=@ride.fit does).',
  },
  ERR_UPLOAD_EMPTY: {
    status: 400,
    meaning: 'The upload holds no file part.',
    fix: 'Attach at least one file.',
  },
  ERR_UPLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'A file is larger than the upload limit.',
    fix: 'Split or compress it.',
  },
  ERR_UPLOAD_TOO_MANY_FILES: {
    status: 413,
    meaning: 'More than 10 files in one upload.',
    fix: 'Send at most 10 files per request.',
  },
  ERR_UPLOAD_TOO_MANY_PARTS: {
    status: 413,
    meaning: 'Too many parts in one upload.',
    fix: 'Send at most 10 files per request.',
  },
  ERR_INGEST_UNREADABLE: {
    status: 422,
    meaning: 'The file holds no usable activity.',
    fix: 'Check that it is a FIT, TCX, GPX or CSV activity file.',
  },
  ERR_INGEST_DECODE_FAILED: {
    status: 422,
    meaning: 'The file could not be decoded.',
    fix: 'The file is damaged; export it again from the device or service.',
  },
  ERR_INGEST_RESOURCES: {
    status: 422,
    meaning: 'Processing the file took more time or memory than one file may take.',
    fix: 'Check the file: an activity file is rarely more than a few MB; split very long recordings.',
  },
  ERR_AFTER_WORK_UNSUPPORTED: {
    status: 400,
    meaning:
      'after= was combined with what it cannot serve: a metric other than power, or envelope off the stored work ladder.',
    fix: 'Use metric=power; for envelope=true use after=0 or a rung of the ladder named in the detail.',
  },
  ERR_AFTER_WORK_DURATIONS: {
    status: 400,
    meaning: 'Fatigue curves are kept at the durations of durations=all only.',
    fix: 'Choose durations from durations=all.',
  },
  ERR_MODEL_UNSUPPORTED: {
    status: 400,
    meaning: 'This model does not exist for this metric.',
    fix: 'For speed use model=cp2.',
  },
  ERR_GAP_POLICY_MISMATCH: {
    status: 409,
    meaning: 'The data dir stores curves under another gap policy.',
    fix: 'Use a new data dir.',
  },
  ERR_ANALYTICS_GAP_POLICY: {
    status: 400,
    meaning: 'The gap policy is not zero, split or interp:G.',
    fix: 'Use zero, split or interp:G.',
  },
  ERR_DATA_DIR_FOREIGN: {
    status: 409,
    meaning: 'The folder holds other files and no Peakform catalog.',
    fix: 'Choose an empty or new folder with --data.',
  },
  ERR_RATE_LIMITED: {
    status: 429,
    meaning: 'Too many requests from this key or address.',
    fix: 'Wait the seconds in Retry-After, then try again.',
  },
  ERR_UPLOAD_BUSY: {
    status: 429,
    meaning: 'The server is processing as many uploads as it takes at once.',
    fix: 'Wait the seconds in Retry-After, then send the upload again.',
  },
  ERR_URI_TOO_LONG: {
    status: 414,
    meaning: 'The request URL is too long.',
    fix: 'Send fewer or shorter parameters.',
  },
  ERR_HEADERS_TOO_LARGE: {
    status: 431,
    meaning: 'The request headers are too large.',
    fix: 'Send smaller headers (a token is a few hundred bytes).',
  },
  ERR_STORE_DISK_FULL: {
    status: 507,
    meaning: 'The server’s disk is full; nothing was stored.',
    fix: 'Try again later; the operator must free space.',
  },
  ERR_BACKUP_TARGET: {
    status: 409,
    meaning: 'The folder a backup should go into is not empty.',
    fix: 'Name a new or empty folder.',
  },
  ERR_STORE_LOCKED: {
    status: 409,
    meaning: 'Another Peakform process holds the data dir.',
    fix: 'Stop it or go through its API.',
  },
  ERR_PARSE_ARGS: {
    status: 400,
    meaning: 'A command-line argument is invalid.',
    fix: 'See `peakform --help`.',
  },
  ERR_INTERNAL: {
    status: 500,
    meaning: 'A fault on the server’s side.',
    fix: 'Quote the request id when reporting it.',
  },
  ERR_WEBHOOK_URL_INVALID: {
    status: 400,
    meaning:
      'A webhook URL is refused: not https (plain http is for loopback), or it reaches a private address.',
    fix: 'Use a public https URL (a self-hoster may allow http or private addresses on the server).',
  },
  ERR_WEBHOOK_ENDPOINT_NOT_FOUND: {
    status: 404,
    meaning: 'No such webhook endpoint on this application.',
    fix: 'List the application’s endpoints to see their ids.',
  },
  ERR_WEBHOOK_LIMIT: {
    status: 400,
    meaning: 'An application holds at most 10 webhook endpoints.',
    fix: 'Remove an endpoint first.',
  },
  ERR_WEBHOOK_EVENT_NOT_FOUND: {
    status: 404,
    meaning: 'No such event of this application.',
    fix: 'Take the event id from the deliveries or the events feed.',
  },
  ERR_WEBHOOK_REPLAY_INVALID: {
    status: 400,
    meaning:
      'A replay names one event (`event_id`) or a time range (`start`, optional `end`), not both or neither.',
    fix: 'Send {"event_id": …} or {"start": "2024-05-01T00:00:00Z", "end": …}.',
  },
  ERR_EVENTS_NO_APPLICATION: {
    status: 400,
    meaning:
      'The events feed is an application’s: the token is no application’s and no `application_id` was given.',
    fix: 'Call with an application’s token, or pass `application_id` of an application you own.',
  },
  ERR_TEST_NOT_FOUND: {
    status: 404,
    meaning: 'No test with this id belongs to the athlete (also a trace’s unknown `test_id`).',
    fix: 'List the tests with GET /api/v1/tests/.',
  },
  ERR_TRACE_NOT_FOUND: {
    status: 404,
    meaning: 'No trace with this id belongs to the athlete.',
    fix: 'List the traces with GET /api/v1/traces/.',
  },
  ERR_TEST_OWNED_BY_APP: {
    status: 403,
    meaning:
      'The test was created by an application; only that application’s tokens may change or delete it.',
    fix: 'Change it through the application that created it (its client id is the test’s `created_by`).',
  },
  ERR_TEST_WINDOW_INVALID: {
    status: 422,
    meaning: 'A test’s end is before its start.',
    fix: 'Swap them, or leave `end` out (start + 3 h).',
  },
  ERR_TIMESTAMP_NAIVE: {
    status: 422,
    meaning: 'A timestamp has no UTC offset, so its instant is unknown.',
    fix: 'Add an offset: `Z` or `±HH:MM`, e.g. 2026-05-18T17:32:00+02:00.',
  },
  ERR_TIMESTAMP_INVALID: {
    status: 422,
    meaning: 'A timestamp is not a real ISO 8601 date-time.',
    fix: 'Send e.g. 2026-05-18T17:32:00+02:00.',
  },
  ERR_APP_METADATA_APP_TOKEN: {
    status: 403,
    meaning: 'App metadata belongs to an application, and the token is no application’s (a personal key).',
    fix: 'Call with a token issued to your application (OAuth, or `peakform token create --app`).',
  },
  ERR_APP_METADATA_INVALID: {
    status: 422,
    meaning: 'App metadata must be a JSON object.',
    fix: 'Send an object, e.g. {"plan": "base"}.',
  },
  ERR_APP_METADATA_TOO_DEEP: {
    status: 422,
    meaning: 'App metadata nests more than 32 levels of objects and arrays.',
    fix: 'Flatten it.',
  },
  ERR_APP_METADATA_TOO_LARGE: {
    status: 413,
    meaning: 'App metadata is larger than 1024 bytes (4096 on the profile) as compact UTF-8 JSON.',
    fix: 'Store less; keep the rest in your application.',
  },
  ERR_APP_METADATA_NOT_FOUND: {
    status: 404,
    meaning: 'This application has stored no app metadata on this record.',
    fix: 'Nothing to delete; PUT stores it.',
  },
  ERR_MARKER_NOT_FOUND: {
    status: 404,
    meaning: 'No declared value of this metabolic-profile marker for this sport (and metric and date).',
    fix: 'List them with GET /api/v1/profile/metabolic-profile/markers.',
  },
  ERR_MARKER_METRIC: {
    status: 422,
    meaning: 'A threshold marker needs the intensity it is given in; a scalar marker has its own.',
    fix: 'Send metric=power|speed|heart_rate|lactate|vo2 for first_threshold … mlss; drop it (or match it) for the others.',
  },
  ERR_PAGE_NOT_FOUND: {
    status: 404,
    meaning: 'No page with this slug on an application of yours.',
    fix: 'Create it with PUT /api/v1/applications/{id}/page, or list your apps’ page slugs with GET /api/v1/applications.',
  },
  ERR_PAGE_SLUG_INVALID: {
    status: 400,
    meaning:
      'A page slug has 3–40 lowercase letters, digits and hyphens, starts and ends with a letter or digit, and is not a reserved word.',
    fix: 'Choose another slug, e.g. my-training-app.',
  },
  ERR_PAGE_SLUG_TAKEN: {
    status: 409,
    meaning:
      'Another application’s page has this slug, or this application already has a page under another slug.',
    fix: 'Choose another slug, or delete the application’s page first.',
  },
  ERR_PAGE_TOO_LARGE: {
    status: 413,
    meaning: 'The deployed site is larger than 10 MB (10,485,760 bytes) in total.',
    fix: 'Deploy only the built site; compress or drop large assets.',
  },
  ERR_PAGE_TOO_MANY_FILES: {
    status: 413,
    meaning: 'A deploy holds more than 1,000 files.',
    fix: 'Bundle the site’s assets into fewer files.',
  },
  ERR_PAGE_PATH_INVALID: {
    status: 400,
    meaning:
      'A file’s name is not a relative path inside the site: empty, absolute, with `..`, `.`, a backslash, a control character, an empty segment, or longer than 255 characters.',
    fix: 'Send each file with its path relative to the site folder as the part’s filename, e.g. assets/app.js.',
  },
  ERR_PAGE_PATH_DUPLICATE: {
    status: 400,
    meaning: 'Two files of one deploy have the same path.',
    fix: 'Send each path once.',
  },
  ERR_PAGE_EMPTY: {
    status: 400,
    meaning: 'The deploy holds no file.',
    fix: 'Send the site’s files as multipart parts named `files` (at least an index.html).',
  },
  ERR_PAGE_NO_PREVIOUS: {
    status: 409,
    meaning: 'The page has no previous version to roll back to.',
    fix: 'Deploy at least twice before rolling back.',
  },
} as const satisfies Record<string, { status: number; meaning: string; fix: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
