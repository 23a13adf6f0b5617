/// `compare`: the seed CNN's training step here and in PyTorch, side by side in one run. The
/// PyTorch side is the shared anchor (../shared/anchors/pytorch_cnn_bench.py, model A = the seed
/// CNN, Keras init and Adam eps, 2 threads, its own 5 warm-up + 20 timed steps per round), run
/// with /usr/bin/python3 and Debian's python3-torch (installed with apt-get when missing). Rounds
/// alternate: ours, theirs, ours, theirs, ... so both see the same machine load.
module FuncCnn.Bench.Compare

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open FuncCnn.Core

let private python = "/usr/bin/python3"

/// Runs a process to its end, echoing its output; (exit code, stdout).
let private exec (file: string) (args: string list) =
    let psi = ProcessStartInfo(file, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)
    for a in args do psi.ArgumentList.Add a
    use p = Process.Start psi
    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out + err.Result

/// Installs python3-torch with apt-get unless /usr/bin/python3 already imports torch.
let ensureTorch () =
    match exec python [ "-c"; "import torch" ] with
    | 0, _ -> ()
    | _ ->
        eprintfn "compare: /usr/bin/python3 cannot import torch; installing Debian's python3-torch with apt-get"
        let install () = exec "apt-get" [ "install"; "-y"; "python3-torch" ]
        let code, out =
            match install () with
            | 0, out -> 0, out
            | _ ->
                // a fresh machine's package lists are empty ("Unable to locate package"): update once, then retry
                eprintfn "compare: apt-get install failed; running apt-get update and trying again"
                match exec "apt-get" [ "update" ] with
                | 0, _ -> install ()
                | failed -> failed
        if code <> 0 then failwithf "compare: apt-get install python3-torch failed (%d): %s" code out

/// Looks for a file upwards from the current folder and from the executable.
let private findUp (relative: string) =
    let starts = [ Directory.GetCurrentDirectory(); AppContext.BaseDirectory ]
    starts |> List.tryPick (fun start ->
        let rec go (d: DirectoryInfo) =
            if isNull d then None
            else
                let candidate = Path.Combine(d.FullName, relative)
                if File.Exists candidate || Directory.Exists candidate then Some candidate else go d.Parent
        go (DirectoryInfo start))

type private Theirs = { Median: float; Min: float; Max: float; Threads: int; Load: string }

/// One run of the anchor's step bench; its batch-128 record.
let private runAnchor (script: string) (data: string) (threads: int) =
    let json = Path.GetTempFileName()
    try
        let code, out = exec python [ script; "--data"; data; "--step-bench"; "--model"; "A"; "--threads"; string threads; "--json"; json ]
        if code <> 0 then failwithf "compare: the PyTorch anchor failed (%d):\n%s" code out
        out.Split('\n') |> Array.filter (fun l -> l.Contains "[step") |> Array.iter (fun l -> printfn "  pytorch:%s" l)
        File.ReadAllLines json
        |> Array.map (fun l -> JsonDocument.Parse(l).RootElement)
        |> Array.find (fun r -> r.GetProperty("kind").GetString() = "step" && r.GetProperty("bs").GetInt32() = 128)
        |> fun r ->
            { Median = r.GetProperty("step_ms_median").GetDouble(); Min = r.GetProperty("step_ms_min").GetDouble()
              Max = r.GetProperty("step_ms_max").GetDouble(); Threads = r.GetProperty("threads").GetInt32()
              Load = (match r.TryGetProperty "load" with | true, v -> v.ToString() | _ -> "?") }
    finally File.Delete json

let run (rounds: int) (steps: int) =
    ensureTorch ()
    let script =
        match findUp (Path.Combine("shared", "anchors", "pytorch_cnn_bench.py")) with
        | Some s -> s
        | None -> failwith "compare: ../shared/anchors/pytorch_cnn_bench.py not found above the current folder"
    let data =
        match findUp (Path.Combine("shared", "datasets", "mnist")) with
        | Some d -> d
        | None -> failwith "compare: ../shared/datasets/mnist not found (the anchor reads the four IDX .gz files from it)"
    let cpu =
        try File.ReadAllLines "/proc/cpuinfo" |> Array.find (fun l -> l.StartsWith "model name") |> fun l -> l.Split(':').[1].Trim()
        with _ -> "?"
    printfn "compare: seed CNN (PyTorch anchor model A), batch 128, %d rounds; %s, %d cores, SIMD path %A, load average %s"
        rounds cpu Environment.ProcessorCount (Kernels.Setup.simdPath ()) (try (File.ReadAllText "/proc/loadavg").Trim() with _ -> "?")
    let ours = ResizeArray<float>()
    let theirs = ResizeArray<Theirs>()
    let mutable alloc = 0.0
    let mutable gen2 = 0
    for round in 1 .. rounds do
        printfn "round %d: FuncCnn" round
        let t = Step.run FitLoopStep "seed-cnn" 128 5 steps
        ours.AddRange t.Times
        alloc <- max alloc t.AllocatedBytesPerStep
        gen2 <- gen2 + t.Gen2
        printfn "round %d: PyTorch" round
        theirs.Add(runAnchor script data 2)
    let ourMedian = StepBenchmark.quantile 0.5 (ours.ToArray())
    let ourP90 = StepBenchmark.quantile 0.9 (ours.ToArray())
    let theirMedian = StepBenchmark.quantile 0.5 (theirs |> Seq.map (fun t -> t.Median) |> Array.ofSeq)
    let theirMin = theirs |> Seq.map (fun t -> t.Min) |> Seq.min
    let theirMax = theirs |> Seq.map (fun t -> t.Max) |> Seq.max
    printfn ""
    printfn "FuncCnn  median %.2f ms  p90 %.2f  min %.2f  (%d steps in %d rounds)  alloc <= %.0f bytes/step  gen2 %d"
        ourMedian ourP90 (Seq.min ours) ours.Count rounds alloc gen2
    printfn "PyTorch  median %.2f ms  min %.2f  max %.2f  (median of its %d round medians of 20 steps, %d threads)"
        theirMedian theirMin theirMax theirs.Count (theirs.[0].Threads)
    printfn "ratio FuncCnn / PyTorch (medians): %.3f  (target <= 0.25 with AVX-512, <= 0.4 with AVX2 only)" (ourMedian / theirMedian)
    printfn "{\"bench\":\"compare\",\"ours_median_ms\":%.3f,\"ours_p90_ms\":%.3f,\"torch_median_ms\":%.3f,\"ratio\":%.4f,\"rounds\":%d}"
        ourMedian ourP90 theirMedian (ourMedian / theirMedian) rounds
    0
