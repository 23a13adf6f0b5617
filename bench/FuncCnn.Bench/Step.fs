/// `step`: times training steps (forward, loss, gradients, Adam update) of a zoo model at a batch
/// size, on real MNIST images when they can be found: median, p10, p90, min, allocated bytes per
/// step and gen-0/1/2 collections over the timed steps (FuncCnn.Core.StepBenchmark measures).
module FuncCnn.Bench.Step

open System
open System.Runtime
open FuncCnn.Core

let median (xs: float[]) = StepBenchmark.quantile 0.5 xs

/// The zoo preset of a bench model name ("seed000" is the seed CNN's name in the reference
/// fixtures and in the PyTorch anchor's model A).
let presetOf (modelName: string) = if modelName = "seed000" then "seed-cnn" else modelName

/// One line per figure, then one JSON line.
let print (t: StepTimings) =
    let kind = match t.Kind with FitLoopStep -> "fit-loop" | PureStep -> "pure"
    printfn "%s (%d parameters), batch %d of %s images, %s step, %d steps after %d warm-up; GC %s, %s"
        t.Preset t.Parameters t.Batch t.Data kind t.Times.Length t.Warmup
        (if GCSettings.IsServerGC then "server" else "workstation") (string GCSettings.LatencyMode)
    printfn "  median %.2f ms  p10 %.2f  p90 %.2f  min %.2f  max %.2f  (p90/median %.2f)  %.0f images/s"
        t.Median t.P10 t.P90 t.Min t.Max (t.P90 / t.Median) (float t.Batch / t.Median * 1000.0)
    printfn "  allocated %.0f bytes/step (%.3f MB)  collections during the timed steps: gen0 %d  gen1 %d  gen2 %d"
        t.AllocatedBytesPerStep (t.AllocatedBytesPerStep / 1e6) t.Gen0 t.Gen1 t.Gen2
    printfn "  step times (ms): %s" (t.Times |> Array.map (sprintf "%.1f") |> String.concat " ")
    printfn "{\"bench\":\"step\",\"model\":\"%s\",\"kind\":\"%s\",\"batch\":%d,\"steps\":%d,\"warmup\":%d,\"median_ms\":%.3f,\"p10_ms\":%.3f,\"p90_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"alloc_bytes_per_step\":%.0f,\"gen0\":%d,\"gen1\":%d,\"gen2\":%d,\"cores\":%d,\"data\":\"%s\"}"
        t.Preset kind t.Batch t.Times.Length t.Warmup t.Median t.P10 t.P90 t.Min t.Max t.AllocatedBytesPerStep t.Gen0 t.Gen1 t.Gen2 Environment.ProcessorCount t.Data

let run (kind: StepKind) (modelName: string) (batch: int) (warmup: int) (steps: int) =
    let t = StepBenchmark.run kind (presetOf modelName) batch warmup steps
    print t
    t
