/// Bounded reading of data files: gzip or plain, every size checked before anything is
/// allocated, and every failure of the runtime (corrupt gzip, missing file, early end)
/// turned into a DataFormatException that names the file.
module internal FuncCnn.Core.Data.DataFile

open FuncCnn

open FuncCnn.Core
open System
open System.IO
open System.IO.Compression
/// An open data file: the (possibly decompressing) stream, and the number of content bytes
/// when it is known up front (plain files; None for gzip).
type Source =
    { File: string
      Stream: Stream
      Length: int64 option
      Gzip: bool }
    interface IDisposable with
        member this.Dispose() = this.Stream.Dispose()

/// Runs f, turning the runtime's I/O and format exceptions into DataFormatException for file.
let guard (file: string) (f: unit -> 'a) : 'a =
    try f ()
    with
    | :? FuncCnnException -> reraise ()
    | :? FileNotFoundException
    | :? DirectoryNotFoundException -> raise (DataFormatException(file, "file not found"))
    | :? InvalidDataException as e -> raise (DataFormatException(file, sprintf "corrupt gzip stream (%s)" e.Message, e))
    | :? EndOfStreamException as e -> raise (DataFormatException(file, "the file ends too early", e))
    | :? UnauthorizedAccessException as e -> raise (DataFormatException(file, sprintf "cannot be read (%s)" e.Message, e))
    | :? IOException as e -> raise (DataFormatException(file, sprintf "cannot be read (%s)" e.Message, e))

/// Opens a file for reading; gzip is recognised by its magic bytes (1f 8b), not by the name.
let openRead (file: string) : Source =
    guard file (fun () ->
        let fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)
        let b0 = fs.ReadByte()
        let b1 = fs.ReadByte()
        fs.Position <- 0L
        if b0 = 0x1f && b1 = 0x8b then
            { File = file; Stream = new GZipStream(fs, CompressionMode.Decompress); Length = None; Gzip = true }
        else
            { File = file; Stream = fs; Length = Some fs.Length; Gzip = false })

/// Reads up to n bytes; returns how many arrived (fewer only at the end of the content).
let private readUpTo (src: Source) (buffer: byte[]) (offset: int) (n: int) =
    guard src.File (fun () -> src.Stream.ReadAtLeast(Span<byte>(buffer, offset, n), n, false))

/// Reads up to `total` bytes through `read buffer offset count` (which returns how many arrived)
/// into a buffer that grows with the data that actually arrives (1 MB first, then doubling), so a
/// size declared in a header cannot allocate what is not there. Returns the buffer and the count
/// read (less than total only when the data ended early).
let readGrowing (read: byte[] -> int -> int -> int) (total: int) : byte[] * int =
    let mutable buf = Array.zeroCreate (min total (1 <<< 20))
    let mutable got = 0
    let mutable ended = false
    while not ended && got < total do
        if got = buf.Length then
            let bigger = Array.zeroCreate (int (min (int64 total) (2L * int64 buf.Length)))
            Buffer.BlockCopy(buf, 0, bigger, 0, got)
            buf <- bigger
        let want = buf.Length - got
        let n = read buf got want
        got <- got + n
        if n < want then ended <- true
    buf, got

/// The product of the dimensions times the element size, saturating at Int64.MaxValue.
let byteCount (dims: int[]) (elementSize: int) =
    Shape.product64 (Seq.append (Seq.map int64 dims) [ int64 elementSize ])

/// Exactly n bytes of a header, or "truncated" naming what was being read.
let readHeader (src: Source) (n: int) (what: string) =
    let buf = Array.zeroCreate n
    let got = readUpTo src buf 0 n
    if got < n then Fail.data src.File "truncated: expected %d bytes of %s, found %d" n what got
    buf

/// The largest array .NET can allocate, in bytes.
let maxArrayBytes = int64 Array.MaxLength

/// Reads exactly `expected` payload bytes that follow `offset` header bytes. A plain file's
/// length is checked before allocating; a gzip stream is read into a buffer that grows with
/// the data actually decompressed, so a corrupt size in a header cannot allocate gigabytes.
let readPayload (src: Source) (offset: int64) (expected: int64) (what: string) : byte[] =
    let tooBig () =
        if expected < 0L || expected > maxArrayBytes then
            Fail.data src.File "the header describes %d bytes of %s, more than one array can hold (%d)" expected what maxArrayBytes
    match src.Length with
    | Some len when len - offset < expected ->
        Fail.data src.File "truncated: the header describes %d bytes of %s after the %d-byte header (file length %d expected), found %d" expected what offset (offset + expected) (max 0L (len - offset))
    | Some _ ->
        tooBig ()
        let buf = Array.zeroCreate (int expected)
        let got = readUpTo src buf 0 buf.Length
        if got < buf.Length then Fail.data src.File "truncated: expected %d bytes of %s, found %d" expected what got
        buf
    | None ->
        tooBig ()
        let total = int expected
        let buf, got = readGrowing (readUpTo src) total
        if got < total then
            Fail.data src.File "truncated: the header describes %d bytes of %s after the %d-byte header, the decompressed file has only %d" expected what offset got
        buf

/// Fails when anything follows the data that ended at byte `consumed`.
let ensureEnd (src: Source) (consumed: int64) =
    match src.Length with
    | Some len ->
        if len > consumed then
            Fail.data src.File "%d trailing bytes: the header describes a file of %d bytes, found %d" (len - consumed) consumed len
    | None ->
        let scratch = Array.zeroCreate (1 <<< 16)
        let mutable extra = 0L
        let mutable n = readUpTo src scratch 0 scratch.Length
        while n > 0 do
            extra <- extra + int64 n
            n <- readUpTo src scratch 0 scratch.Length
        if extra > 0L then
            Fail.data src.File "%d trailing bytes: the header describes %d bytes of content, the decompressed file has %d" extra consumed (consumed + extra)
