/// Settings shared by the kernels: which SIMD path runs and how many threads may be used, plus the
/// parallel loop and scratch buffers they all use. Results never depend on these settings: every
/// parallel split is a fixed partition of the work, and every path does the same FMAs in the same
/// order, so tests flip them and compare bit for bit.
module FuncCnn.Core.Kernels.Setup

open FuncCnn

open FuncCnn.Core
open System
open System.Buffers
open System.Runtime.Intrinsics
open System.Threading.Tasks

/// Which micro-kernel family runs. All three give identical bits (same FMA chains, same order).
type SimdPath =
    | Scalar
    | V256
    | V512

/// The best path this machine runs natively.
let detectedPath =
    if Vector512.IsHardwareAccelerated then V512
    elif Vector256.IsHardwareAccelerated && X86.Fma.IsSupported then V256
    else Scalar

/// The path in use (tests force the others; Vector512 and Vector256 are emulated where not native).
let mutable internal simdPath = detectedPath

/// Upper bound on worker threads for every kernel; -1 means one per core. Changing it changes the
/// speed only, never a single bit of any result.
let mutable maxDegreeOfParallelism = -1

/// Rows of the register tile (rows of A broadcast per k step).
[<Literal>]
let MR = 6

/// Columns of the register tile for the current path: two vectors wide.
let nr () = match simdPath with V512 -> 32 | V256 | Scalar -> 16

let internal roundUp (x: int) (m: int) = (x + m - 1) / m * m

/// Runs body 0 .. count-1, in parallel when there is more than one piece and it is worth it.
/// Which piece does what is fixed by the caller; only the scheduling varies.
let internal parallelFor (count: int) (worthIt: bool) (body: int -> unit) =
    if count = 1 || not worthIt || maxDegreeOfParallelism = 1 then
        for i in 0 .. count - 1 do body i
    elif count > 1 then
        let options = ParallelOptions(MaxDegreeOfParallelism = maxDegreeOfParallelism)
        Parallel.For(0, count, options, (fun i -> body i)) |> ignore

/// Like parallelFor, but each worker rents `scratchLength` floats once and reuses them for all its pieces.
let internal parallelForWithScratch (count: int) (worthIt: bool) (scratchLength: int) (body: float32[] -> int -> unit) =
    let pool = ArrayPool<float32>.Shared
    if count = 1 || not worthIt || maxDegreeOfParallelism = 1 then
        let scratch = pool.Rent(max 1 scratchLength)
        try
            for i in 0 .. count - 1 do body scratch i
        finally
            pool.Return scratch
    elif count > 1 then
        let options = ParallelOptions(MaxDegreeOfParallelism = maxDegreeOfParallelism)
        Parallel.For(
            0, count, options,
            (fun () -> pool.Rent(max 1 scratchLength)),
            (fun i _ (scratch: float32[]) -> body scratch i; scratch),
            (fun (scratch: float32[]) -> pool.Return scratch))
        |> ignore

/// Rents a scratch array, runs f on it and gives it back.
let internal withScratch (length: int) (f: float32[] -> 'a) : 'a =
    let pool = ArrayPool<float32>.Shared
    let scratch = pool.Rent(max 1 length)
    try f scratch finally pool.Return scratch

/// An output array that the kernel overwrites completely (skips the GC's zeroing).
let internal uninitialized (length: int) : float32[] = GC.AllocateUninitializedArray<float32> length

/// Fails with an ArgumentException unless `need` elements fit in the array from `offset`.
let internal requireFits (what: string) (arr: float32[]) (offset: int) (need: int) =
    if isNull arr then raise (ArgumentNullException what)
    if offset < 0 || need < 0 || int64 offset + int64 need > int64 arr.Length then
        raise (ArgumentException(sprintf "%s: needs %d elements from offset %d but the array holds %d" what need offset arr.Length))
