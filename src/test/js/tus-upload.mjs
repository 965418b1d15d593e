// Uploads one file with tus-js-client's Node API, as a real tus client would, and reports what
// happens as one JSON object per line on stdout, for the JUnit tests (TusJsClient.java) to read.
//
//   node tus-upload.mjs '{"endpoint":"http://127.0.0.1:8000/tus","file":"/tmp/a.bin",
//                         "token":"...","filename":"a.bin"}'
//
// Options (one JSON object, the only argument):
//   endpoint     where to create the upload (POST)                      required unless uploadUrl
//   file         path of the file to send                              required
//   token        sent as "Authorization: Bearer <token>"               optional
//   filename     sent as the upload's metadata "filename"              optional
//   chunkSize    bytes per PATCH request; default: the whole file in one
//   retryDelays  ms to wait before each retry; default the client's [0, 1000, 3000, 5000];
//                [] or null: no retry, the first failure is final
//   uploadUrl    resume this upload (HEAD, then PATCH from its offset) instead of creating one
//
// Events, in this order of likelihood:
//   {"event":"uploadUrl","url":...}       the upload's URL is known (created, or resumed)
//   {"event":"progress","bytesUploaded":n,"bytesTotal":n}
//                                         at most one each 100 ms, and the last one is always
//                                         printed before success or error
//   {"event":"retry","attempt":n,"delayMs":n,"status":s,"message":...}
//                                         a request failed and the client will try again
//   {"event":"success","url":...}         exit code 0
//   {"event":"error","message":...,"status":s}
//                                         exit code 1; status is the HTTP status of the response
//                                         that failed, or null when there was none (refused,
//                                         reset, bad options)
//
// Resuming is only ever by an explicit uploadUrl: tus-js-client's Node default URL storage is a
// no-op (NoopUrlStorage), and storeFingerprintForResuming is off so that no run depends on what
// an earlier one left behind.

import * as fs from 'node:fs'
import * as tus from 'tus-js-client'

const PROGRESS_EVERY_MS = 100

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// stdout to a pipe is synchronous on Linux, so nothing emitted is lost by exiting at once.
function finish(event, code) {
  emit(event)
  process.exit(code)
}

function statusOf(err) {
  const response = err?.originalResponse
  return response ? response.getStatus() : null
}

function fail(message, status = null) {
  finish({ event: 'error', message, status }, 1)
}

let options
try {
  options = JSON.parse(process.argv[2] ?? '')
} catch (e) {
  fail(`usage: node tus-upload.mjs '<options as JSON>' (${e.message})`)
}
if (typeof options.file !== 'string') {
  fail('option "file" (a path) is missing')
}
// Checked here: a missing file would otherwise fail as an unhandled stream error, not an event.
try {
  fs.accessSync(options.file, fs.constants.R_OK)
} catch (e) {
  fail(`cannot read ${options.file}: ${e.message}`)
}

let lastProgress = null
let lastProgressAt = 0
function flushProgress() {
  if (lastProgress !== null) {
    emit(lastProgress)
    lastProgress = null
  }
}

// A fs.ReadStream with a path is what tus-js-client's Node file reader reads by ranges (it knows
// the size and re-reads from any offset for a retry), so no chunkSize is needed.
const upload = new tus.Upload(fs.createReadStream(options.file), {
  endpoint: options.endpoint ?? null,
  uploadUrl: options.uploadUrl ?? null,
  headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
  metadata: options.filename ? { filename: options.filename } : {},
  chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
  retryDelays: 'retryDelays' in options ? options.retryDelays : [0, 1000, 3000, 5000],
  parallelUploads: 1,
  storeFingerprintForResuming: false,

  onUploadUrlAvailable() {
    emit({ event: 'uploadUrl', url: upload.url })
  },
  onProgress(bytesUploaded, bytesTotal) {
    lastProgress = { event: 'progress', bytesUploaded, bytesTotal }
    const now = Date.now()
    if (now - lastProgressAt >= PROGRESS_EVERY_MS) {
      lastProgressAt = now
      flushProgress()
    }
  },
  // Called only while retries remain; the decision itself stays the client's own.
  onShouldRetry(err, attempt, opts) {
    const retry = tus.defaultOptions.onShouldRetry(err, attempt, opts)
    if (retry) {
      emit({
        event: 'retry',
        attempt: attempt + 1,
        delayMs: opts.retryDelays[attempt],
        status: statusOf(err),
        message: err.message,
      })
    }
    return retry
  },
  onSuccess() {
    flushProgress()
    finish({ event: 'success', url: upload.url }, 0)
  },
  onError(err) {
    flushProgress()
    fail(err.message, statusOf(err))
  },
})

upload.start()
