/// The threads the kernels' parallel loops run on: the calling thread plus workers that stay awake
/// (spinning) for a moment after each loop. A training step runs about twenty short loops; with
/// Parallel.For each one woke a sleeping pool thread, and when it woke late the caller ran every
/// piece alone. Which piece does what is always fixed by the caller, so results never depend on
/// which thread ran a piece.
module internal FuncCnn.Core.Kernels.Workers

open System
open System.Diagnostics
open System.Runtime.ExceptionServices
open System.Threading
open System.Threading.Tasks

/// One parallel loop over pieces 0 .. count-1. The caller claims pieces from the front and helpers
/// from the back, so on two cores each thread works through a contiguous half and the boundary
/// moves to whoever is faster. Consecutive loops over the same images then mostly find their data
/// in the cache of the core that wrote it (claiming pieces alternately made the step 10% slower).
[<AbstractClass; AllowNullLiteral>]
type private Loop(count: int, helpers: int, context: ExecutionContext) =
    /// The unclaimed pieces [front, back]: front in the low 32 bits, back in the high 32 bits.
    let mutable unclaimed = int64 (count - 1) <<< 32
    let mutable unfinished = count
    /// Participants still holding a local value (they give it back after their last piece).
    let mutable holding = 0
    let mutable helpersIn = 0
    let mutable failure: ExceptionDispatchInfo = null
    /// Claims and runs pieces (from the front or the back) until none is left, recording (never
    /// throwing) what failed.
    abstract RunPieces: fromFront: bool -> unit
    member _.Context = context
    /// Every piece finished and every local given back (a participant holds before it finishes its
    /// first piece, so no holder can still appear once the pieces are done).
    member _.Done = Volatile.Read(&unfinished) = 0 && Volatile.Read(&holding) = 0
    member _.Failure = failure
    /// The next unclaimed piece from one end, or -1.
    member _.Claim(fromFront: bool) =
        let mutable claimed = -2
        while claimed = -2 do
            let seen = Volatile.Read(&unclaimed)
            let front = int (seen &&& 0xFFFFFFFFL)
            let back = int (seen >>> 32)
            if front > back then claimed <- -1
            else
                let next = if fromFront then seen + 1L else seen - (1L <<< 32)
                if Interlocked.CompareExchange(&unclaimed, next, seen) = seen then
                    claimed <- if fromFront then front else back
        claimed
    member _.Finished() = Interlocked.Decrement(&unfinished) |> ignore
    member _.Hold() = Interlocked.Increment(&holding) |> ignore
    member _.Unhold() = Interlocked.Decrement(&holding) |> ignore
    member _.Fail(e: exn) = Interlocked.CompareExchange(&failure, ExceptionDispatchInfo.Capture e, null) |> ignore
    /// Whether one more helper may join (the loop's thread budget minus the caller).
    member _.TryJoin() = Interlocked.Increment(&helpersIn) <= helpers

/// A loop whose participants each borrow one local value (scratch) for all the pieces they run.
[<Sealed>]
type private Loop<'Local>(count, helpers, context, init: unit -> 'Local, body: 'Local -> int -> unit, release: 'Local -> unit) =
    inherit Loop(count, helpers, context)
    override this.RunPieces(fromFront) =
        let mutable i = this.Claim fromFront
        if i >= 0 then
            // held until the local is given back: the caller returns only after that
            this.Hold()
            let mutable local = Unchecked.defaultof<'Local>
            let borrowed =
                try local <- init (); true
                with e -> this.Fail e; false
            while i >= 0 do
                if borrowed then
                    try body local i with e -> this.Fail e
                this.Finished()
                i <- this.Claim fromFront
            if borrowed then
                try release local with e -> this.Fail e
            this.Unhold()

/// How long a worker spins for the next loop before it sleeps (a step's loops are microseconds apart).
let private spinTicks = Stopwatch.Frequency / 1000L // 1 ms: a training step never has a longer serial stretch

/// The loop being run (null between loops), and how workers are told about a new one.
let mutable private current: Loop = null
let mutable private generation = 0L
let private gate = obj ()
let mutable private sleepers = 0
/// Held by the thread running a loop; another thread that wants one meanwhile uses Parallel.For.
let private owner = obj ()
let mutable private workers = 0

/// Set on a thread while it runs pieces: a parallel loop inside a piece runs inline.
type private InLoop =
    [<ThreadStatic; DefaultValue>]
    static val mutable private flag: bool
    static member Value with get () = InLoop.flag and set (v: bool) = InLoop.flag <- v

let private runInContext =
    ContextCallback(fun state -> (state :?> Loop).RunPieces false)

let private help (loop: Loop) =
    if loop.TryJoin() then
        InLoop.Value <- true
        try
            match loop.Context with
            | null -> loop.RunPieces false
            | context -> ExecutionContext.Run(context, runInContext, loop)
        finally InLoop.Value <- false

let private workerMain () =
    let mutable seen = Volatile.Read(&generation)
    while true do
        // spin a little for the next loop, then sleep until one is published
        let started = Stopwatch.GetTimestamp()
        while Volatile.Read(&generation) = seen && Stopwatch.GetTimestamp() - started < spinTicks do
            Thread.SpinWait 20
        if Volatile.Read(&generation) = seen then
            lock gate (fun () ->
                Interlocked.Increment(&sleepers) |> ignore
                while Volatile.Read(&generation) = seen do Monitor.Wait gate |> ignore
                Interlocked.Decrement(&sleepers) |> ignore)
        seen <- Volatile.Read(&generation)
        match Volatile.Read(&current) with
        | null -> ()
        | loop -> try help loop with _ -> () // a piece's exception is the caller's, kept in the loop

/// Starts workers until there are `wanted` (the pool only grows; they are background threads).
let private ensureWorkers (wanted: int) =
    while workers < wanted do
        let t = Thread(workerMain, IsBackground = true, Name = sprintf "FuncCnn worker %d" (workers + 1))
        t.Start()
        workers <- workers + 1

let private publish (loop: Loop) =
    Volatile.Write(&current, loop)
    Interlocked.Increment(&generation) |> ignore
    if Volatile.Read(&sleepers) > 0 then lock gate (fun () -> Monitor.PulseAll gate)

/// Runs body local i for i in 0 .. count-1 on at most `threads` threads (the caller included), each
/// participant borrowing one local value from init and handing it to release when its pieces are
/// done. An exception from a piece is rethrown here, as itself, after every piece has ended.
let runWithLocal (count: int) (threads: int) (init: unit -> 'Local) (body: 'Local -> int -> unit) (release: 'Local -> unit) =
    let inline serial () =
        let local = init ()
        try for i in 0 .. count - 1 do body local i finally release local
    if count <= 0 then ()
    elif count = 1 || threads <= 1 || Environment.ProcessorCount = 1 || InLoop.Value then serial ()
    elif not (Monitor.TryEnter owner) then
        // another thread's loop holds the workers: share the machine through the thread pool
        try
            Parallel.For(0, count, ParallelOptions(MaxDegreeOfParallelism = threads),
                         (fun () -> init ()), (fun i _ local -> body local i; local), (fun local -> release local))
            |> ignore
        with :? AggregateException as e when e.InnerExceptions.Count = 1 ->
            ExceptionDispatchInfo.Capture(e.InnerException).Throw() // as the workers' path throws it
    else
        try
            // more threads than cores would only take turns (and spin against each other)
            let helpers = min (min threads Environment.ProcessorCount - 1) (count - 1)
            ensureWorkers helpers
            let loop = Loop<'Local>(count, helpers, ExecutionContext.Capture(), init, body, release)
            publish loop
            InLoop.Value <- true
            try loop.RunPieces true finally InLoop.Value <- false
            // the caller ran out of pieces: wait for the ones still running on workers, and for
            // their locals to be given back
            let mutable spin = SpinWait()
            while not loop.Done do spin.SpinOnce(-1)
            Volatile.Write(&current, null)
            match loop.Failure with
            | null -> ()
            | failure -> failure.Throw()
        finally Monitor.Exit owner

/// Runs body i for i in 0 .. count-1 on at most `threads` threads (see runWithLocal).
let run (count: int) (threads: int) (body: int -> unit) =
    runWithLocal count threads ignore (fun () i -> body i) ignore
