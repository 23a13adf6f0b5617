/// The kernels' parallel loops (Kernels.Workers): every piece exactly once, failures rethrown as
/// themselves, loops inside pieces run inline, several threads looping at once, and the kernel
/// settings of the caller's scope seen on the workers.
module FuncCnn.Core.Tests.WorkerTests

open System
open System.Threading
open System.Threading.Tasks
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn.Core.Kernels

/// Runs `count` pieces on `threads` threads where the first piece (the caller's, from the front)
/// waits until a piece has run on another thread: fails if no other thread ever takes part.
let private runNeedingAHelper (count: int) (threads: int) (body: int -> unit) =
    let caller = Thread.CurrentThread.ManagedThreadId
    use helped = new ManualResetEventSlim(false)
    Workers.run count threads (fun i ->
        if Thread.CurrentThread.ManagedThreadId <> caller then helped.Set()
        body i
        if i = 0 && not (helped.Wait(TimeSpan.FromSeconds 20.0)) then failwith "no other thread took part in the loop")

[<Tests>]
let tests =
    testList "Workers" [
        testCase "every piece runs exactly once, and each thread's local value is borrowed once and given back" <| fun () ->
            let caller = Environment.CurrentManagedThreadId
            for threads in [ 1; 2; 3; 8 ] do
                for count in [ 0; 1; 2; 3; 7; 64; 1000 ] do
                    let runs = Array.zeroCreate<int> count
                    let borrowed = ref 0
                    let givenBack = ref 0
                    Workers.runWithLocal count threads
                        (fun () -> Interlocked.Increment borrowed |> ignore; ref 0)
                        (fun (mine: int ref) i ->
                            mine.Value <- mine.Value + 1
                            Interlocked.Increment(&runs.[i]) |> ignore)
                        // a helper that is slow to give its local back: the loop must not return before it has
                        (fun mine ->
                            if Environment.CurrentManagedThreadId <> caller then Thread.Sleep 2
                            Interlocked.Add(givenBack, mine.Value) |> ignore)
                    let twice = runs |> Array.tryFindIndex (fun r -> r <> 1)
                    Expect.isNone twice (sprintf "%d threads, %d pieces: piece %A ran %A times" threads count twice (twice |> Option.map (fun i -> runs.[i])))
                    Expect.isLessThanOrEqual borrowed.Value (max 1 threads) (sprintf "%d threads, %d pieces: locals borrowed" threads count)
                    Expect.equal givenBack.Value count (sprintf "%d threads, %d pieces: pieces counted by the locals given back" threads count)

        sequencedCase "a second thread takes part, and sees the caller's kernel settings" <| fun () ->
            if Environment.ProcessorCount < 2 then skiptest "one core: every loop runs on the caller"
            let settings = { Setup.Path = Setup.Scalar; Setup.Threads = 2 }
            let seen = Array.zeroCreate<Setup.KernelSettings> 2
            Setup.withSettings settings (fun () -> runNeedingAHelper 2 2 (fun i -> seen.[i] <- Setup.current ()))
            Expect.sequenceEqual seen [ settings; settings ] "the settings each piece saw"

        sequencedCase "an exception from a piece is rethrown as itself once every piece has ended" <| fun () ->
            if Environment.ProcessorCount < 2 then skiptest "one core: every loop runs on the caller"
            for failing in [ 0; 1; 37; 63 ] do
                let ran = ref 0
                let e =
                    Expect.throwsC
                        (fun () ->
                            runNeedingAHelper 64 2 (fun i ->
                                if i = failing then raise (InvalidOperationException(sprintf "piece %d" i))
                                Thread.SpinWait 2000
                                Interlocked.Increment ran |> ignore))
                        id
                Expect.equal (e.GetType()) typeof<InvalidOperationException> "the piece's own exception type"
                Expect.equal e.Message (sprintf "piece %d" failing) "the piece's own message"
                Expect.equal ran.Value 63 (sprintf "the other pieces all ran (failing piece %d)" failing)

        sequencedCase "a loop inside a piece runs inline on the piece's thread" <| fun () ->
            let outer = Array.zeroCreate<int> 8
            let inner = Array.init 8 (fun _ -> Array.zeroCreate<int> 16)
            Workers.run 8 2 (fun i ->
                outer.[i] <- Thread.CurrentThread.ManagedThreadId
                Workers.run 16 2 (fun j -> inner.[i].[j] <- Thread.CurrentThread.ManagedThreadId))
            for i in 0 .. 7 do
                Expect.allEqual inner.[i] outer.[i] (sprintf "inner pieces of outer piece %d" i)

        testCase "loops started from several threads at once all finish with every piece once" <| fun () ->
            let sums =
                Array.init 4 (fun t ->
                    Task.Run(fun () ->
                        let mutable total = 0L
                        for round in 1 .. 200 do
                            let parts = Array.zeroCreate<int64> 32
                            Workers.run 32 2 (fun i -> parts.[i] <- int64 (i + round + t))
                            total <- total + Array.sum parts
                        total))
                |> Array.map (fun task -> task.Result)
            for t in 0 .. 3 do
                let expected = Seq.sum (seq { for round in 1 .. 200 do for i in 0 .. 31 -> int64 (i + round + t) })
                Expect.equal sums.[t] expected (sprintf "thread %d's sum" t)
    ]
