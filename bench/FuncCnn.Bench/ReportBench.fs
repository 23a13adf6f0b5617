/// `report`: times the whole report of the seed CNN on the 10,000 MNIST test images through the C# API and
/// FuncCnn.Reports: gathering its data (TrainingReport.From predicts every test image), then writing it
/// (Report.Write: every chart as SVG and PNG, report.pdf, index.html), and end to end. To show where the
/// writing goes it also times each format alone. Each figure is the median of `runs` after `warmup` untimed runs.
module FuncCnn.Bench.ReportBench

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

let private show (times: float[]) = times |> Array.map (sprintf "%.3f") |> String.concat "; "

let run (trainImages: int) (warmup: int) (runs: int) =
    let pair = Datasets.Mnist()
    let train, test = pair.Train.Take(trainImages), pair.Test
    let model = ModelBuilder.Preset("seed-cnn").Build(42)
    let options = TrainingOptions(Epochs = 1, BatchSize = 128, Seed = 42)
    let result, trainSeconds = time (fun () -> model.Fit(train, options))
    printfn "trained the seed CNN for 1 epoch on %d MNIST images in %.1f s" train.Count trainSeconds
    let trained, history = result.Model, result.History

    let dataMedian, dataTimes = measure warmup runs (fun () -> TrainingReport.From(trained, history, test, train = train))
    printfn "TrainingReport.From (predict %d test images + 32 training images): median %.3f s of [%s]" test.Count dataMedian (show dataTimes)

    let data = TrainingReport.From(trained, history, test, train = train)
    let folder = Path.Combine(Path.GetTempPath(), "funccnn-bench-report-" + string (System.Environment.ProcessId))
    let write formats = fun () -> Report.Write(folder, data, ReportOptions(Formats = formats))
    try
        let svg, _ = measure warmup runs (write ReportFormats.Svg)
        let png, _ = measure warmup runs (write ReportFormats.Png)
        let pdf, _ = measure warmup runs (write ReportFormats.Pdf)
        let writeMedian, writeTimes = measure warmup runs (write ReportFormats.All)
        let files = Directory.GetFiles folder
        printfn "Report.Write, one format at a time (medians): SVG %.3f s, PNG %.3f s, PDF %.3f s" svg png pdf
        printfn "Report.Write (%d files: SVG + PNG + report.pdf + index.html): median %.3f s of [%s]" files.Length writeMedian (show writeTimes)
        let totalMedian, totalTimes =
            measure warmup runs (fun () -> TrainingReport.Write(folder, trained, history, test, train = train))
        printfn "TrainingReport.Write (predict + write everything): median %.3f s of [%s]" totalMedian (show totalTimes)
        printfn "shares of the whole report: predicting %.0f%%, PNG %.0f%%, PDF %.0f%% (formats timed alone; PNG and PDF run side by side in the whole write)"
            (100.0 * dataMedian / totalMedian) (100.0 * png / totalMedian) (100.0 * pdf / totalMedian)
        printfn "{\"report_total_s_median\":%.4f,\"report_data_s_median\":%.4f,\"report_write_s_median\":%.4f,\"svg_s\":%.4f,\"png_s\":%.4f,\"pdf_s\":%.4f,\"images\":%d}"
            totalMedian dataMedian writeMedian svg png pdf test.Count
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)
