namespace FuncCnn.Core

open System
open System.Threading
open FuncCnn

/// One mutant that did something other than load or fail with a typed error.
type FuzzFailure =
    { /// Reproduces the mutant: `Fuzz.mutate Seed original`.
      Seed: int
      /// What was changed, e.g. "flip 0x40 at 17; int32 BE -1 at 8".
      Mutation: string
      /// What went wrong: the exception type and message, a hang, or too much memory.
      Problem: string }

/// The outcome of one fuzz run over mutants of one original.
type FuzzReport =
    { Target: string
      Cases: int
      /// Mutants the reader accepted.
      Accepted: int
      /// Mutants the reader refused with a typed error (a FuncCnnException).
      Rejected: int
      Failures: FuzzFailure list
      /// The most any case allocated, and the longest any case took.
      MaxAllocatedBytes: int64
      SlowestSeconds: float
      Seconds: float }

/// The caps every case must stay under.
type FuzzLimits =
    { /// Wall-clock time one case may take.
      TimePerCase: TimeSpan
      /// Bytes one case may allocate (GC.GetAllocatedBytesForCurrentThread on the case's thread).
      BytesPerCase: int64 }

/// A small seeded mutation engine for file readers: each mutant of a real file (byte flips,
/// truncation, insertion, overwritten runs, header fields set to extreme integers, numbers in text
/// set to extreme values) must either load or fail with a FuncCnnException, within a time and an
/// allocation cap. Anything else is a failure that names the mutant's seed, so it can be replayed
/// with `mutate seed original`.
module Fuzz =
    /// Integers that break size arithmetic: zero, negative, 32-bit edges, values whose products
    /// wrap around (2^16, 2^28 + 1).
    let extremeInts =
        [| 0L; 1L; -1L; 255L; 65535L; 65536L; 268435457L; 2147483647L; -2147483648L; 2147483648L; 4294967295L
           1L <<< 40; Int64.MaxValue; Int64.MinValue |]

    /// Text that breaks number parsing in headers and manifests.
    let extremeNumbers = [| "0"; "-1"; "1e300"; "-1e300"; "0.5"; "NaN"; "2147483648"; "268435457"; "99999999999999999999"; "65536" |]

    /// A position, half the time within the first 64 bytes (where headers are).
    let private position (rnd: Random) (length: int) =
        if length = 0 then 0
        elif rnd.Next 2 = 0 then rnd.Next(min 64 length)
        else rnd.Next length

    let private writeInt (bytes: byte[]) (at: int) (value: int64) (width: int) (bigEndian: bool) =
        for i in 0 .. width - 1 do
            let shift = 8 * (if bigEndian then width - 1 - i else i)
            if at + i < bytes.Length then bytes.[at + i] <- byte ((value >>> shift) &&& 0xFFL)

    /// The start and end of a run of ASCII digits at or after `from`, if any.
    let private digitRun (bytes: byte[]) (from: int) =
        let isDigit (b: byte) = b >= byte '0' && b <= byte '9'
        match Seq.tryFind (fun i -> isDigit bytes.[i]) (seq { from .. bytes.Length - 1 }) with
        | Some start ->
            let mutable e = start
            while e < bytes.Length && isDigit bytes.[e] do e <- e + 1
            Some(start, e)
        | None -> None

    /// One mutation of the bytes and its description.
    let private mutateOnce (rnd: Random) (bytes: byte[]) : byte[] * string =
        let n = bytes.Length
        match rnd.Next 7 with
        | 0 when n > 0 ->
            let at = position rnd n
            let mask = byte (1 + rnd.Next 255)
            let copy = Array.copy bytes
            copy.[at] <- copy.[at] ^^^ mask
            copy, sprintf "flip 0x%02x at %d" mask at
        | 1 when n > 0 ->
            let cut = if rnd.Next 3 = 0 then rnd.Next(min 64 n) else rnd.Next n
            bytes.[.. cut - 1], sprintf "truncate to %d" cut
        | 2 ->
            let at = position rnd (n + 1)
            let count = 1 + rnd.Next 16
            let insert = Array.zeroCreate count
            if rnd.Next 2 = 0 then rnd.NextBytes insert
            Array.concat [ bytes.[.. at - 1]; insert; bytes.[at ..] ], sprintf "insert %d bytes at %d" count at
        | 3 when n > 0 ->
            let width = if rnd.Next 3 = 0 then 8 elif rnd.Next 4 = 0 then 2 else 4
            let at = let p = position rnd n in if rnd.Next 2 = 0 then p - p % width else p
            let value = extremeInts.[rnd.Next extremeInts.Length]
            let bigEndian = rnd.Next 2 = 0
            let copy = Array.copy bytes
            writeInt copy at value width bigEndian
            copy, sprintf "int%d %s %d at %d" (8 * width) (if bigEndian then "BE" else "LE") value at
        | 4 when n > 0 ->
            let at = position rnd n
            let count = min (n - at) (1 + rnd.Next 64)
            let copy = Array.copy bytes
            rnd.NextBytes(Span(copy, at, count))
            copy, sprintf "random %d bytes at %d" count at
        | 5 when n > 0 ->
            match digitRun bytes (position rnd n) |> Option.orElse (digitRun bytes 0) with
            | Some(s, e) ->
                let text = extremeNumbers.[rnd.Next extremeNumbers.Length]
                Array.concat [ bytes.[.. s - 1]; Text.Encoding.ASCII.GetBytes text; bytes.[e ..] ], sprintf "number at %d set to %s" s text
            | None ->
                let copy = Array.copy bytes
                copy.[0] <- copy.[0] ^^^ 1uy
                copy, "flip 0x01 at 0"
        | _ when n > 1 ->
            // a chunk of the file repeated elsewhere (duplicated entries, nested structures)
            let s = rnd.Next n
            let len = min (n - s) (1 + rnd.Next 256)
            let at = rnd.Next(n + 1)
            Array.concat [ bytes.[.. at - 1]; bytes.[s .. s + len - 1]; bytes.[at ..] ], sprintf "copy %d bytes from %d to %d" len s at
        | _ -> Array.append bytes [| byte (rnd.Next 256) |], "append 1 byte"

    /// The mutant of `original` for a seed: 1 to 3 mutations, deterministic.
    let mutate (seed: int) (original: byte[]) : string * byte[] =
        let rnd = Random(seed)
        let count = 1 + rnd.Next 3
        let mutable bytes = original
        let what = ResizeArray<string>()
        for _ in 1 .. count do
            let b, w = mutateOnce rnd bytes
            bytes <- b
            what.Add w
        String.Join("; ", what), bytes

    /// Default caps: 5 s, and 64 MB plus 16 times the original's size.
    let limitsFor (original: byte[]) =
        { TimePerCase = TimeSpan.FromSeconds 5.0; BytesPerCase = (64L <<< 20) + 16L * int64 original.Length }

    type private CaseResult =
        | Accepted of allocated: int64
        | Rejected of allocated: int64
        | Crashed of exn * allocated: int64

    /// Runs one case on its own thread (so a hang can be detected and its allocations counted
    /// apart): Ok accepted?, or Error problem.
    let runCase (limits: FuzzLimits) (read: byte[] -> unit) (bytes: byte[]) : Result<bool, string> * int64 * float =
        let result = ref None
        let body () =
            let before = GC.GetAllocatedBytesForCurrentThread()
            let r =
                try read bytes; Accepted 0L
                with
                | :? FuncCnnException -> Rejected 0L
                | e -> Crashed(e, 0L)
            let used = GC.GetAllocatedBytesForCurrentThread() - before
            result.Value <- Some(match r with Accepted _ -> Accepted used | Rejected _ -> Rejected used | Crashed(e, _) -> Crashed(e, used))
        let clock = Diagnostics.Stopwatch.StartNew()
        let thread = Thread(body, 16 <<< 20)
        thread.IsBackground <- true
        thread.Start()
        if not (thread.Join limits.TimePerCase) then
            Error(sprintf "no answer in %g s" limits.TimePerCase.TotalSeconds), 0L, clock.Elapsed.TotalSeconds
        else
            let seconds = clock.Elapsed.TotalSeconds
            let over (used: int64) = if used > limits.BytesPerCase then Some(sprintf "allocated %d bytes (cap %d)" used limits.BytesPerCase) else None
            match result.Value with
            | Some(Accepted used) -> (match over used with Some p -> Error p | None -> Ok true), used, seconds
            | Some(Rejected used) -> (match over used with Some p -> Error p | None -> Ok false), used, seconds
            | Some(Crashed(e, used)) ->
                let msg = e.Message.ReplaceLineEndings " "
                Error(sprintf "raised %s instead of a FuncCnnException: %s" (e.GetType().Name) (if msg.Length > 200 then msg.Substring(0, 200) + "..." else msg)), used, seconds
            | None -> Error "the case ended without a result", 0L, seconds

    /// Runs `cases` mutants of `original` (seeds firstSeed, firstSeed + 1, ...) through `read`.
    let runWith (limits: FuzzLimits) (target: string) (firstSeed: int) (cases: int) (original: byte[]) (read: byte[] -> unit) : FuzzReport =
        let clock = Diagnostics.Stopwatch.StartNew()
        let mutable accepted = 0
        let mutable rejected = 0
        let mutable maxBytes = 0L
        let mutable slowest = 0.0
        let failures = ResizeArray<FuzzFailure>()
        for k in 0 .. cases - 1 do
            let seed = firstSeed + k
            let what, bytes = mutate seed original
            let outcome, used, seconds = runCase limits read bytes
            maxBytes <- max maxBytes used
            slowest <- max slowest seconds
            match outcome with
            | Ok true -> accepted <- accepted + 1
            | Ok false -> rejected <- rejected + 1
            | Error problem -> failures.Add { Seed = seed; Mutation = what; Problem = problem }
        { Target = target; Cases = cases; Accepted = accepted; Rejected = rejected; Failures = List.ofSeq failures
          MaxAllocatedBytes = maxBytes; SlowestSeconds = slowest; Seconds = clock.Elapsed.TotalSeconds }

    /// runWith with the default caps for the original.
    let run (target: string) (firstSeed: int) (cases: int) (original: byte[]) (read: byte[] -> unit) : FuzzReport =
        runWith (limitsFor original) target firstSeed cases original read

    /// One line of totals, then a line per failure (seed, mutation, problem).
    let describe (r: FuzzReport) =
        let head =
            sprintf "%s: %d mutants, %d accepted, %d refused with a typed error, %d failures; %.1f s, slowest case %.3f s, most allocated %d KB"
                r.Target r.Cases r.Accepted r.Rejected r.Failures.Length r.Seconds r.SlowestSeconds (r.MaxAllocatedBytes / 1024L)
        String.Join("\n", head :: [ for f in r.Failures -> sprintf "  seed %d (%s): %s" f.Seed f.Mutation f.Problem ])

/// The fuzz engine for C# callers (readers given as an Action).
[<AbstractClass; Sealed>]
type FuzzRunner =
    /// Runs `cases` mutants of `original` (seeds firstSeed, firstSeed + 1, ...) through `read` with the default caps.
    static member Run(target: string, original: byte[], cases: int, firstSeed: int, read: Action<byte[]>) : FuzzReport =
        Fuzz.run target firstSeed cases original read.Invoke
