/// Settings shared by the kernels: which SIMD path runs and how many threads may be used, plus the
/// parallel loop and scratch buffers they all use. Results never depend on these settings: every
/// parallel split is a fixed partition of the work, and every path does the same FMAs in the same
/// order, so tests run the same work under different settings (withSettings, a scoped value, never
/// a global) and compare bit for bit.
module FuncCnn.Core.Kernels.Setup

open FuncCnn

open FuncCnn.Core
open System
open System.Buffers
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop
#nowarn "9"

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

/// What a kernel call runs with: the SIMD path and the most worker threads (-1: one per core).
/// Neither changes a single bit of any result, only the speed.
[<Struct>]
type KernelSettings = { Path: SimdPath; Threads: int }

/// The settings of the current scope. An AsyncLocal, so a scope set by one test (or one caller)
/// is invisible to code running at the same time on other threads; never a global that changes.
let private scoped = System.Threading.AsyncLocal<KernelSettings voption>()

/// The machine's own settings: its best path, every core.
let defaultSettings = { Path = detectedPath; Threads = -1 }

/// The settings in force here. Every kernel reads them ONCE at its entry and passes the value
/// down, so one call never packs with one tile width and computes with another.
let current () = match scoped.Value with ValueSome s -> s | ValueNone -> defaultSettings

/// Runs f with other kernel settings in this scope (and the tasks it starts), restoring the
/// previous ones afterwards. Vector512 and Vector256 are emulated where not native.
let withSettings (settings: KernelSettings) (f: unit -> 'a) : 'a =
    if settings.Threads = 0 || settings.Threads < -1 then invalidArg "settings" (sprintf "threads must be -1 (all cores) or at least 1, got %d" settings.Threads)
    let before = scoped.Value
    scoped.Value <- ValueSome settings
    try f () finally scoped.Value <- before

/// The path in force here (see current).
let simdPath () = (current ()).Path

/// Rows of the register tile (rows of A broadcast per k step).
[<Literal>]
let MR = 6

/// Columns of the register tile for a path: two vectors wide.
let nrOf (path: SimdPath) = match path with V512 -> 32 | V256 | Scalar -> 16

let internal roundUp (x: int) (m: int) = (x + m - 1) / m * m

/// Floats a scratch buffer needs beyond its contents so that a panel in it can start on a 64-byte line.
[<Literal>]
let AlignSlack = 16

/// The first 64-byte boundary at or after p: the packed B panel the micro-kernel streams through
/// then never has a vector load (or a packing store) split across two cache lines.
let internal align64 (p: nativeptr<float32>) : nativeptr<float32> =
    let address = NativePtr.toNativeInt p
    NativePtr.ofNativeInt ((address + 63n) &&& ~~~63n)

/// Lane numbers 0..15 of a Vector512<int>.
let internal laneIndex = Vector512.Create<int>(Array.init 16 id)

/// All bits set in lanes [0, count), zero above (none for count <= 0, all for count >= 16): the mask a
/// masked load or store takes to touch only those lanes (a masked-off lane never faults).
let inline internal tailMask (count: int) = Vector512.GreaterThan(Vector512.Create count, laneIndex).AsSingle()

/// Scratch arrays the kernels borrow for one call (packed panels, im2col columns, partial sums),
/// kept by exact length between calls. ArrayPool<T>.Shared served these badly from Parallel.For
/// workers (about 1 MB of fresh arrays per convolution call, measured with bench profile).
module internal Scratch =
    let private free = Collections.Generic.Dictionary<int, Collections.Generic.Stack<float32[]>>()
    let mutable private kept = 0L
    /// Bytes kept for reuse before everything is dropped.
    let limit = 256L * 1024L * 1024L

    let rent (length: int) : float32[] =
        let found =
            lock free (fun () ->
                match free.TryGetValue length with
                | true, stack when stack.Count > 0 ->
                    kept <- kept - 4L * int64 length
                    stack.Pop()
                | _ -> null)
        if isNull found then GC.AllocateUninitializedArray<float32> length else found

    let give (arr: float32[]) =
        lock free (fun () ->
            if kept + 4L * int64 arr.Length > limit then
                free.Clear()
                kept <- 0L
            match free.TryGetValue arr.Length with
            | true, stack -> stack.Push arr
            | _ -> let stack = Collections.Generic.Stack<float32[]>() in stack.Push arr; free.[arr.Length] <- stack
            kept <- kept + 4L * int64 arr.Length)

/// The threads a kernel may use under these settings.
let internal threadsOf (settings: KernelSettings) =
    if settings.Threads = -1 then Environment.ProcessorCount else settings.Threads

/// Runs body 0 .. count-1, in parallel when there is more than one piece and it is worth it.
/// Which piece does what is fixed by the caller; only the scheduling varies.
let internal parallelFor (count: int) (worthIt: bool) (body: int -> unit) =
    Workers.run count (if worthIt then threadsOf (current ()) else 1) body

/// Like parallelFor, but each thread borrows `scratchLength` floats once and reuses them for all its pieces.
let internal parallelForWithScratch (count: int) (worthIt: bool) (scratchLength: int) (body: float32[] -> int -> unit) =
    Workers.runWithLocal count (if worthIt then threadsOf (current ()) else 1)
        (fun () -> Scratch.rent (max 1 scratchLength)) body Scratch.give

/// Elements per piece of an elementwise pass split over the cores (a multiple of 16, so every piece
/// but the last runs whole vectors of any width).
[<Literal>]
let ElementwiseChunk = 32768

/// Runs body start count over consecutive ranges covering 0 .. n-1, in parallel when there are at
/// least two: for elementwise passes, where each element's result never depends on the split.
let internal parallelChunks (n: int) (body: int -> int -> unit) =
    let pieces = (n + ElementwiseChunk - 1) / ElementwiseChunk
    parallelFor pieces (pieces >= 2) (fun c ->
        let start = c * ElementwiseChunk
        body start (min ElementwiseChunk (n - start)))

/// Borrows a scratch array, runs f on it and gives it back.
let internal withScratch (length: int) (f: float32[] -> 'a) : 'a =
    let scratch = Scratch.rent (max 1 length)
    try f scratch finally Scratch.give scratch

/// The buffers of one training step of a fixed model at a fixed batch size. A step asks for the
/// same array lengths in the same order every time, so after the first step every request is
/// served from what the previous step gave back: the steady state allocates no large arrays.
/// Only arrays that never leave the step (activations, tape gradients, scratch) come from here;
/// whatever a step returns (parameters, optimizer moments) is allocated normally or owned by
/// the caller, so the functional API stays pure outside.
[<Sealed; AllowNullLiteral>]
type Workspace() =
    let freeFloats = Collections.Generic.Dictionary<int, Collections.Generic.Stack<float32[]>>()
    let freeInts = Collections.Generic.Dictionary<int, Collections.Generic.Stack<int[]>>()
    let lentFloats = ResizeArray<float32[]>()
    let lentInts = ResizeArray<int[]>()
    let mutable retained = 0L
    let take (free: Collections.Generic.Dictionary<int, Collections.Generic.Stack<'T[]>>) (length: int) =
        match free.TryGetValue length with
        | true, stack when stack.Count > 0 ->
            let a = stack.Pop()
            retained <- retained - 4L * int64 a.Length
            a
        | _ -> GC.AllocateUninitializedArray<'T>(length, pinned = false)
    static let give (free: Collections.Generic.Dictionary<int, Collections.Generic.Stack<'T[]>>) (arr: 'T[]) =
        match free.TryGetValue arr.Length with
        | true, stack -> stack.Push arr
        | _ -> let stack = Collections.Generic.Stack<'T[]>() in stack.Push arr; free.[arr.Length] <- stack
    /// Bytes a workspace keeps between steps (in its free lists) before it drops them all (a model
    /// and batch size that change all the time would otherwise pile up buffers).
    static member val RetainLimit = 256L * 1024L * 1024L with get, set
    /// An uninitialized array of exactly `length` floats, lent until Release.
    member _.Floats(length: int) =
        let a = take freeFloats length
        lentFloats.Add a
        a
    /// An uninitialized array of exactly `length` ints, lent until Release.
    member _.Ints(length: int) =
        let a = take freeInts length
        lentInts.Add a
        a
    /// Bytes lent since the last Release plus those kept for reuse.
    member _.Retained =
        let lent = (lentFloats |> Seq.sumBy (fun a -> 4L * int64 a.Length)) + (lentInts |> Seq.sumBy (fun a -> 4L * int64 a.Length))
        lent + retained
    /// Everything lent since the last Release is free again (the step that used it is over).
    member _.Release() =
        for a in lentFloats do
            give freeFloats a
            retained <- retained + 4L * int64 a.Length
        for a in lentInts do
            give freeInts a
            retained <- retained + 4L * int64 a.Length
        lentFloats.Clear()
        lentInts.Clear()
        if retained > Workspace.RetainLimit then
            freeFloats.Clear()
            freeInts.Clear()
            retained <- 0L

/// The workspace of the step running on this thread, if any.
type private ActiveWorkspace =
    [<ThreadStatic; DefaultValue>]
    static val mutable private current: Workspace
    static member Current with get () = ActiveWorkspace.current and set (w: Workspace) = ActiveWorkspace.current <- w

/// Runs f with `ws` serving this thread's kernel output arrays, then releases nothing: the caller
/// calls ws.Release() once nothing from the step is needed any more.
let internal inWorkspace (ws: Workspace) (f: unit -> 'a) : 'a =
    let before = ActiveWorkspace.Current
    ActiveWorkspace.Current <- ws
    try f () finally ActiveWorkspace.Current <- before

/// Workspaces no call is using, for passes that copy their results out before the workspace is
/// released (inference, evaluation): each batch reuses the buffers of the one before instead of
/// allocating, and faulting in, fresh multi-megabyte arrays (which made batch-128 inference 2.6x
/// slower than the kernels allow). At most four are kept; concurrent callers each get their own.
module internal IdleWorkspaces =
    let private idle = System.Collections.Concurrent.ConcurrentBag<Workspace>()

    /// Runs f with a reused workspace serving this thread's kernel outputs. What f returns must
    /// not refer to the workspace's arrays: copy out what outlives the call.
    let run (f: unit -> 'a) : 'a =
        let ws = match idle.TryTake() with | true, w -> w | _ -> Workspace()
        try inWorkspace ws f
        finally
            ws.Release()
            if idle.Count < 4 then idle.Add ws

/// An output array that the kernel overwrites completely (skips the GC's zeroing); from the
/// active workspace when a training step is running on this thread.
let internal uninitialized (length: int) : float32[] =
    let ws = ActiveWorkspace.Current
    if isNull ws || length < 1024 then GC.AllocateUninitializedArray<float32> length else ws.Floats length

/// A zero-filled output array (from the active workspace when there is one).
let internal zeroed (length: int) : float32[] =
    let ws = ActiveWorkspace.Current
    if isNull ws || length < 1024 then Array.zeroCreate length
    else
        let a = ws.Floats length
        Array.Clear a
        a

/// An int output array that the kernel overwrites completely (from the active workspace when there is one).
let internal uninitializedInts (length: int) : int[] =
    let ws = ActiveWorkspace.Current
    if isNull ws || length < 1024 then GC.AllocateUninitializedArray<int> length else ws.Ints length

/// Fails with an ArgumentException unless `need` elements fit in the array from `offset`.
let internal requireFits (what: string) (arr: float32[]) (offset: int) (need: int) =
    if isNull arr then raise (ArgumentNullException what)
    if offset < 0 || need < 0 || int64 offset + int64 need > int64 arr.Length then
        raise (ArgumentException(sprintf "%s: needs %d elements from offset %d but the array holds %d" what need offset arr.Length))

/// Sums in our own fixed order, so a reduction gives the same bits on every machine and path:
/// element i goes to lane i mod 16 (in index order), then the 16 lanes are added pairwise
/// (0+8, 1+9, ... then 0+4, ... then 0+2, then 0+1). Vector512, two Vector256 or a scalar loop
/// perform exactly these additions.
module Reduce =
    [<Literal>]
    let Lanes = 16

    let inline private fold16 (lanes: Span<float32>) =
        let mutable width = Lanes / 2
        while width >= 1 do
            for i in 0 .. width - 1 do lanes.[i] <- lanes.[i] + lanes.[i + width]
            width <- width / 2
        lanes.[0]

    /// Σ x·y (or Σ x when y is empty) in the fixed order; products rounded to float32 first.
    let private reduce (x: ReadOnlySpan<float32>) (y: ReadOnlySpan<float32>) (withProduct: bool) : float32 =
        let lanes = Span<float32>(NativePtr.toVoidPtr (NativePtr.stackalloc<float32> Lanes), Lanes)
        lanes.Clear()
        let whole = x.Length / Lanes * Lanes
        if whole > 0 && Vector512.IsHardwareAccelerated then
            let mutable acc = Vector512<float32>.Zero
            let mutable i = 0
            while i < whole do
                let xv = Vector512.Create<float32>(x.Slice(i, Lanes))
                acc <- acc + (if withProduct then xv * Vector512.Create<float32>(y.Slice(i, Lanes)) else xv)
                i <- i + Lanes
            Vector512.CopyTo(acc, lanes)
        elif whole > 0 && Vector256.IsHardwareAccelerated then
            let mutable lo = Vector256<float32>.Zero
            let mutable hi = Vector256<float32>.Zero
            let mutable i = 0
            while i < whole do
                let xl = Vector256.Create<float32>(x.Slice(i, 8))
                let xh = Vector256.Create<float32>(x.Slice(i + 8, 8))
                if withProduct then
                    lo <- lo + xl * Vector256.Create<float32>(y.Slice(i, 8))
                    hi <- hi + xh * Vector256.Create<float32>(y.Slice(i + 8, 8))
                else
                    lo <- lo + xl
                    hi <- hi + xh
                i <- i + Lanes
            Vector256.CopyTo(lo, lanes.Slice(0, 8))
            Vector256.CopyTo(hi, lanes.Slice(8, 8))
        else
            let mutable i = 0
            while i < whole do
                for l in 0 .. Lanes - 1 do
                    lanes.[l] <- lanes.[l] + (if withProduct then x.[i + l] * y.[i + l] else x.[i + l])
                i <- i + Lanes
        for i in whole .. x.Length - 1 do
            lanes.[i - whole] <- lanes.[i - whole] + (if withProduct then x.[i] * y.[i] else x.[i])
        fold16 lanes

    /// reduce x without products on AVX-512, entirely in registers: the same additions in the same
    /// order. The last few elements are added to their lanes as one masked vector whose other lanes
    /// are +0, which leaves those lanes as they are (a lane that starts at +0 is never -0), and the
    /// fold adds the same pairs as fold16, eight, four, two and one at a time.
    let private sum512 (x: ReadOnlySpan<float32>) : float32 =
        let whole = x.Length / Lanes * Lanes
        use p = fixed &System.Runtime.InteropServices.MemoryMarshal.GetReference x
        let mutable acc = Vector512<float32>.Zero
        let mutable i = 0
        while i < whole do
            acc <- acc + Vector512.Load(NativePtr.add p i)
            i <- i + Lanes
        if whole < x.Length then
            let tail = Vector512.GreaterThan(Vector512.Create(x.Length - whole), laneIndex).AsSingle()
            acc <- acc + X86.Avx512F.MaskLoad(NativePtr.add p whole, tail, Vector512<float32>.Zero)
        let s8 = acc.GetLower() + acc.GetUpper()
        let s4 = s8.GetLower() + s8.GetUpper()
        let s2 = s4 + X86.Sse.MoveHighToLow(s4, s4)
        s2.ToScalar() + s2.GetElement 1

    /// Σ x in the fixed order above.
    let sum (x: ReadOnlySpan<float32>) : float32 =
        if x.Length >= Lanes && X86.Avx512F.IsSupported then sum512 x else reduce x ReadOnlySpan.Empty false

    /// Σ x·y in the fixed order of sum (each product rounded to float32 first, no FMA).
    let dot (x: ReadOnlySpan<float32>) (y: ReadOnlySpan<float32>) : float32 =
        if x.Length <> y.Length then invalidArg "y" (sprintf "dot: lengths %d and %d differ" x.Length y.Length)
        reduce x y true
