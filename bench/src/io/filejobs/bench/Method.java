package io.filejobs.bench;

import io.filejobs.bench.report.Sizes;
import java.util.List;

/** How each figure is measured, as written into {@code BENCHMARKS.md}. */
final class Method {

  private Method() {}

  static List<String> paragraphs(Plan plan) {
    return List.of(
        "**Servers.** The service runs as separate JVMs (`java -jar filejobs.jar`, configured"
            + " only by `FILEJOBS_*` variables, on 127.0.0.1 and free ports, temp and uploads"
            + " folders on the project's disk). The baselines run in a JVM of their own with only"
            + " the JDK: one thread per connection, one request per connection. Every server is"
            + " warmed up with "
            + Sizes.bytes(plan.warmup())
            + " of uploads and exports before"
            + " anything is timed.",
        "**Upload baseline.** A `ServerSocketChannel` on loopback that reads the request head"
            + " and writes exactly `Content-Length` body bytes into a new file on the same disk"
            + " through one 1 MiB direct buffer (read/write loop), and answers once the file is"
            + " closed. **Export baseline.** Reads the request and answers with the file by"
            + " `FileChannel.transferTo` (sendfile). Neither side calls fsync; nor does the"
            + " service.",
        "**Client.** Blocking `SocketChannel`s with hand-written HTTP/1.1. An upload sends the"
            + " head and multipart preamble, the file by `FileChannel.transferTo` and the closing"
            + " boundary, and is timed from connect to the last byte of the answer (the service"
            + " answers once the file is published). An export is timed from connect to the last"
            + " body byte, read through a 1 MiB direct buffer into a CRC32C. The same client code"
            + " and the same request bytes go to the service and to the baseline.",
        "**Verification.** Every export's length and CRC32C equal the source's. Every finished"
            + " upload's stored file (`Uploads/<user>/<name>` for the service; the stored body"
            + " minus its multipart framing for the baseline) is CRC32C-checked after the timed"
            + " part, then deleted so that every run starts alike.",
        "**Sources.** Generated for the run ("
            + Sizes.bytes(plan.small())
            + ", "
            + Sizes.bytes(plan.large())
            + ", "
            + Sizes.bytes(plan.wideSize())
            + "): one 1 MiB"
            + " random block written over and over with the block's number stamped into every"
            + " 4 KiB page. Exports serve them through hard links in the users' folders: the"
            + " service and the baseline send the very same file. Deleted at the end.",
        "**Ratios.** Per run, baseline time ÷ service time for the same bytes (= service"
            + " throughput ÷ baseline throughput). The peers take turns, and the order flips"
            + " every run, so drift (page cache, writeback) weighs on both. Concurrent figures:"
            + " "
            + plan.wide()
            + " users each move "
            + Sizes.bytes(plan.wideSize())
            + " at once,"
            + " released together, timed until the last one ends; the baseline is run just as"
            + " wide.",
        "**Terminate latency.** A transfer runs at full speed (upload: bytes from memory into a"
            + " declared 8 GiB file, once ≥ 1 MiB reached the temp file; export: the "
            + Sizes.bytes(plan.small())
            + " file, once ≥ 1 MiB arrived), then after a random"
            + " 0–2 ms the terminate request is sent on a kept-alive connection (one per user,"
            + " opened first; the service spreads connections over its event loops in turn, so on"
            + " one node each terminate lands on the event loop that moves the transfer's bytes,"
            + " the harder case). Latency = from"
            + " sending it until the client has seen the transfer's connection closed (EOF, reset"
            + " or broken pipe, noted by the reading/writing threads) **and**, for an upload, its"
            + " temp file is gone: the file that appeared under the node's `FILEJOBS_TEMP_DIR`"
            + " (sub-folders included; the service's own lock files are there before and stay) when"
            + " the upload began, looked for when the close is seen, then every 100 µs while it is"
            + " there (the benchmark sleeps while it waits for the close)."
            + " p50 and p99 (nearest rank) per run of "
            + plan.terminations()
            + " terminations,"
            + " each answered 200, after as many unmeasured ones of each kind (a server in use is"
            + " warm). Cross-node: two members"
            + " (`FILEJOBS_CLUSTER=true`, Hazelcast on loopback, one uploads folder and secret);"
            + " the transfer runs on node A, the terminate goes to node B.",
        "**Memory.** A service started with `-Xmx64m -Xlog:gc:file=<f>`. Peak RSS: `VmHWM` of"
            + " `/proc/<pid>/status`, reset at the start of each window by writing 5 to"
            + " `/proc/<pid>/clear_refs`. Peak heap: the largest heap-before-GC figure of the"
            + " GC log lines written during the window, or the heap in use at its end (`jcmd <pid>"
            + " GC.heap_info`) if larger; the heap only grows between collections, so that is"
            + " the peak. Windows: each "
            + Sizes.bytes(plan.large())
            + " upload and export; and"
            + " "
            + plan.slowUploads()
            + " uploads of different users open at once (a fresh"
            + " service), each trickling 1 KiB/s, held "
            + plan.slowHoldMillis() / 1000
            + " s"
            + " after all their temp files exist.",
        "**Start-up.** From launching the JVM (no flags, 3 users) to the answer of the first"
            + " successful real `POST /signin`, tried every 5 ms. Every other request carries a"
            + " token minted by the benchmark (HS256 with the shared `FILEJOBS_JWT_SECRET`), so"
            + " that no password check runs while anything is measured.",
        "**Client headroom.** The upload client into a receiver that drops the bytes (no"
            + " disk); the export client reading the export baseline without its CRC32C (so the"
            + " two export rows show what checking the bytes costs), and the CRC32C alone over a"
            + " buffer in memory; a plain 1 MiB-block file write (like `dd bs=1M`, no fsync) for"
            + " context. The client alone must be much faster than the service, or it could be"
            + " what limits the service's figures. A baseline at about the client's own speed is"
            + " at loopback TCP's limit on this machine (the copy through the kernel): the"
            + " machine's own limit, which is what the ratios are taken against.");
  }
}
