/// `report`: times the report of the seed CNN on the 10,000 MNIST test images through the C# API
/// and FuncCnn.Reports: gathering its data (TrainingReport.From predicts every test image) and
/// writing it (Report.Write: every chart as SVG and, when librsvg is there, PNG, plus index.html),
/// then both together (TrainingReport.Write). Each is the median of `runs` after `warmup` untimed runs.
module FuncCnn.Bench.ReportBench

open System
open System.Diagnostics
open System.IO
open FuncCnn
open FuncCnn.Reports

let private time (f: unit -> 'T) =
    let clock = Stopwatch.StartNew()
    let result = f ()
    result, clock.Elapsed.TotalSeconds

/// Median of `runs` timed calls after `warmup` untimed ones.
let private measure (warmup: int) (runs: int) (f: unit -> 'T) =
    for _ in 1..warmup do f () |> ignore
    let times = Array.init runs (fun _ -> snd (time f))
    Step.median times, times

let run (trainImages: int) (warmup: int) (runs: int) =
    let pair = Datasets.Mnist()
    let train, test = pair.Train.Take(trainImages), pair.Test
    let model = ModelBuilder.Preset("seed-cnn").Build(42)
    let options = TrainingOptions(Epochs = 1, BatchSize = 128, Seed = 42)
    let result, trainSeconds = time (fun () -> model.Fit(train, options))
    printfn "trained the seed CNN for 1 epoch on %d MNIST images in %.1f s" train.Count trainSeconds
    let trained, history = result.Model, result.History

    let dataMedian, dataTimes = measure warmup runs (fun () -> TrainingReport.From(trained, history, test))
    printfn "TrainingReport.From (predict %d test images): median %.3f s of [%s]" test.Count dataMedian
        (dataTimes |> Array.map (sprintf "%.3f") |> String.concat "; ")

    let data = TrainingReport.From(trained, history, test)
    let folder = Path.Combine(Path.GetTempPath(), "funccnn-bench-report-" + string (Environment.ProcessId))
    let png = PngExporter.IsAvailable
    if not png then printfn "librsvg/cairo not found: timing SVG only"
    let reportOptions = ReportOptions(WritePng = png)
    try
        let writeMedian, writeTimes = measure warmup runs (fun () -> Report.Write(folder, data, reportOptions))
        let files = Directory.GetFiles folder
        printfn "Report.Write (%d files, %s): median %.3f s of [%s]" files.Length (if png then "SVG + PNG" else "SVG only") writeMedian
            (writeTimes |> Array.map (sprintf "%.3f") |> String.concat "; ")
        // End to end, as a caller does it: TrainingReport.Write = From + Report.Write.
        let totalMedian, totalTimes = measure warmup runs (fun () -> TrainingReport.Write(folder, trained, history, test, options = reportOptions))
        printfn "TrainingReport.Write (both): median %.3f s of [%s]" totalMedian (totalTimes |> Array.map (sprintf "%.3f") |> String.concat "; ")
        printfn "{\"report_write_s_median\":%.4f,\"report_data_s_median\":%.4f,\"report_total_s_median\":%.4f,\"images\":%d,\"png\":%b}"
            writeMedian dataMedian totalMedian test.Count png
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)
