/// `report`: times the whole report of the seed CNN on the 10,000 MNIST test images through the C# API and
/// FuncCnn.Reports, end to end (TrainingReport.Write: predict every test image, build every chart, write SVG +
/// PNG per chart, report.pdf and index.html), and then phase by phase to show where the time goes: predicting,
/// each chart's build, each export format over all charts on one thread, and the index page. Every figure is
/// the median and the 90th percentile of `runs` timed runs after `warmup` untimed ones.
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

/// Wall-clock and process CPU seconds of one call (CPU time is what the work costs whatever else runs on
/// the machine; on 2 idle cores the wall time of well-parallelized work is about half of it).
let private timeBoth (f: unit -> 'T) =
    let proc = Process.GetCurrentProcess()
    proc.Refresh()
    let cpu0 = proc.TotalProcessorTime
    let clock = Stopwatch.StartNew()
    f () |> ignore
    let wall = clock.Elapsed.TotalSeconds
    proc.Refresh()
    wall, (proc.TotalProcessorTime - cpu0).TotalSeconds

/// The p-th percentile (nearest rank) of the timings.
let private percentile (p: float) (xs: float[]) =
    let s = Array.sort xs
    s.[min (s.Length - 1) (max 0 (int (ceil (p * float s.Length)) - 1))]

/// Median and 90th percentile of the wall time of `runs` timed calls after `warmup` untimed ones, their
/// wall times, and the median CPU time.
let private measure (warmup: int) (runs: int) (f: unit -> 'T) =
    for _ in 1..warmup do f () |> ignore
    let both = Array.init runs (fun _ -> timeBoth f)
    let times = Array.map fst both
    Step.median times, percentile 0.9 times, times, Step.median (Array.map snd both)

let private show (times: float[]) = times |> Array.map (sprintf "%.3f") |> String.concat "; "

let private line (name: string) (median: float, p90: float, _: float[], cpu: float) =
    printfn "  %-34s median %7.3f s   p90 %7.3f s   CPU %7.3f s" name median p90 cpu

let private cpu () =
    try
        let lines = File.ReadAllLines "/proc/cpuinfo"
        let model = lines |> Array.tryFind (fun l -> l.StartsWith "model name") |> Option.map (fun l -> l.Split(':', 2).[1].Trim())
        defaultArg model "unknown CPU"
    with _ -> "unknown CPU"

let private load () =
    try (File.ReadAllText "/proc/loadavg").Split(' ') |> Array.take 3 |> String.concat " " with _ -> "?"

let run (trainImages: int) (warmup: int) (runs: int) =
    let simd =
        if Runtime.Intrinsics.Vector512.IsHardwareAccelerated then "AVX-512 (512-bit)"
        elif Runtime.Intrinsics.Vector256.IsHardwareAccelerated then "AVX2 (256-bit)"
        else "128-bit or scalar"
    printfn "%s, %d cores, SIMD %s, load average %s" (cpu ()) Environment.ProcessorCount simd (load ())
    let pair = Datasets.Mnist()
    let train, test = pair.Train.Take(trainImages), pair.Test
    let model = ModelBuilder.Preset("seed-cnn").Build(42)
    let options = TrainingOptions(Epochs = 1, BatchSize = 128, Seed = 42)
    let result, trainSeconds = time (fun () -> model.Fit(train, options))
    printfn "trained the seed CNN for 1 epoch on %d MNIST images in %.1f s" train.Count trainSeconds
    let trained, history = result.Model, result.History
    let folder = Path.Combine(Path.GetTempPath(), "funccnn-bench-report-" + string Environment.ProcessId)
    try
        // The whole report first, while the machine is as it was when the run started.
        let total = measure warmup runs (fun () -> TrainingReport.Write(folder, trained, history, test, train = train))
        let files = Directory.GetFiles folder
        let tm, tp, tt, tc = total
        printfn "TrainingReport.Write, %d test images -> %d files (predict + charts + SVG + PNG + report.pdf + index.html):" test.Count files.Length
        printfn "  median %.3f s, p90 %.3f s of [%s]; CPU median %.3f s" tm tp (show tt) tc

        printfn "phases (one at a time, each over all charts):"
        let predict = measure warmup runs (fun () -> trained.Predict(test))
        line "Model.Predict (API, reference)" predict
        let data = TrainingReport.From(trained, history, test, train = train)
        let gather = measure warmup runs (fun () -> TrainingReport.From(trained, history, test, train = train))
        line "TrainingReport.From (predict ...)" gather
        let ro = ReportOptions()
        let builders: (string * (unit -> OxyPlot.PlotModel)) list =
            [ "training-curves", (fun () -> Charts.TrainingCurves(data.History))
              "dataset-preview", (fun () -> Charts.DatasetPreview(data.DatasetPreview, data.ClassNames))
              "class-histogram", (fun () -> Charts.ClassHistogram(data.ClassNames, data.ClassCounts, "Training images per class"))
              "filters", (fun () -> Charts.Filters(data.FirstConvFilters, Nullable(), ro.FilterNormalization))
              "confusion-matrix", (fun () -> Charts.ConfusionMatrix(ConfusionCounts.FromPredictions(data.Predictions, data.ClassNames)))
              "predictions", (fun () -> Charts.PredictionGrid(data.Predictions, data.ClassNames, ro.PredictionCount))
              "training-predictions", (fun () -> Charts.PredictionGrid(data.TrainingPredictions, data.ClassNames, ro.PredictionCount))
              "misclassified", (fun () -> Charts.Misclassified(data.Predictions, data.ClassNames, ro.MisclassifiedCount))
              "feature-maps", (fun () -> Charts.FeatureMaps(data.FeatureMaps))
              "model-diagram", (fun () -> Charts.ModelDiagram(data.Summary))
              "model-summary", (fun () -> Charts.Summary(data.Summary)) ]
        for name, build in builders do line ("chart " + name) (measure warmup runs build)
        let charts = Report.ChartsFor(data, ro) |> Seq.map (fun c -> c.Model) |> Array.ofSeq
        line (sprintf "Report.ChartsFor (%d charts)" charts.Length) (measure warmup runs (fun () -> Report.ChartsFor(data, ro)))
        let svg = measure warmup runs (fun () -> for m in charts do ChartExport.ToSvg m |> ignore)
        line "SVG, all charts, one thread" svg
        let png = measure warmup runs (fun () -> for m in charts do ChartExport.ToPng(m, ro.PngScale) |> ignore)
        line "PNG, all charts, one thread" png
        let pdf = measure warmup runs (fun () -> ChartExport.ToPdf charts |> ignore)
        line "PDF, all charts, one thread" pdf
        let html = measure warmup runs (fun () -> Report.Write(folder, data, ReportOptions(Formats = ReportFormats.None)))
        line "charts + index.html (no formats)" html
        let write = measure warmup runs (fun () -> Report.Write(folder, data, ro))
        line "Report.Write (all formats)" write
        let med (m, _, _, _) = m
        printfn "shares of the whole report (medians, each phase alone on both cores): predicting %.0f%%, PNG %.0f%%, PDF %.0f%%"
            (100.0 * med gather / tm) (100.0 * med png / tm) (100.0 * med pdf / tm)
        printfn "load average after: %s" (load ())
        printfn "{\"report_total_s_median\":%.4f,\"report_total_s_p90\":%.4f,\"report_data_s_median\":%.4f,\"report_write_s_median\":%.4f,\"svg_s\":%.4f,\"png_s\":%.4f,\"pdf_s\":%.4f,\"images\":%d}"
            tm tp (med gather) (med write) (med svg) (med png) (med pdf) test.Count
    finally
        if Directory.Exists folder then Directory.Delete(folder, true)

/// `report --layers`: the seed CNN's forward pass layer by layer on 10,000 images at several batch sizes
/// (milliseconds per 10,000 images, medians), to pick the batch the report predicts in.
let layers () =
    let model = FuncCnn.Core.Model.build (FuncCnn.Core.Rng.create 0L) FuncCnn.Core.Zoo.mnistInput FuncCnn.Core.Zoo.seedCnn
    let p name = FuncCnn.Core.ParamTree.find name model.Params
    let timeMs reps (f: unit -> 'a) =
        for _ in 1..2 do f () |> ignore
        Array.init reps (fun _ -> 1000.0 * snd (timeBoth f)) |> Step.median
    for batch in [ 128; 500; 2000 ] do
        let x = FuncCnn.Core.Tensor.ofArray [| batch; 1; 28; 28 |] (FuncCnn.Core.Rng.uniform 0.0f 1.0f (batch * 784) (FuncCnn.Core.Rng.create 1L))
        let per = 10000.0 / float batch
        let show name ms = printfn "  batch %5d %-22s %8.1f CPU ms / 10k images" batch name (per * ms)
        let c1 = FuncCnn.Core.Nn.conv2dRelu (1, 1) FuncCnn.Core.Nn.Valid x (p "conv1/kernel") (Some(p "conv1/bias"))
        show "conv1+relu" (timeMs 5 (fun () -> FuncCnn.Core.Nn.conv2dRelu (1, 1) FuncCnn.Core.Nn.Valid x (p "conv1/kernel") (Some(p "conv1/bias"))))
        let m1 = FuncCnn.Core.Nn.maxPool2d (2, 2) (2, 2) c1
        show "pool1" (timeMs 5 (fun () -> FuncCnn.Core.Nn.maxPool2d (2, 2) (2, 2) c1))
        let c2 = FuncCnn.Core.Nn.conv2dRelu (1, 1) FuncCnn.Core.Nn.Valid m1 (p "conv2/kernel") (Some(p "conv2/bias"))
        show "conv2+relu" (timeMs 5 (fun () -> FuncCnn.Core.Nn.conv2dRelu (1, 1) FuncCnn.Core.Nn.Valid m1 (p "conv2/kernel") (Some(p "conv2/bias"))))
        let m2 = FuncCnn.Core.Nn.maxPool2d (2, 2) (2, 2) c2
        show "pool2" (timeMs 5 (fun () -> FuncCnn.Core.Nn.maxPool2d (2, 2) (2, 2) c2))
        let f = FuncCnn.Core.Ops.flatten m2
        show "dense1+relu+dense2" (timeMs 5 (fun () -> FuncCnn.Core.Ops.linear (FuncCnn.Core.Ops.relu (FuncCnn.Core.Ops.linear f (p "dense1/kernel") (Some(p "dense1/bias")))) (p "dense2/kernel") (Some(p "dense2/bias"))))
        show "Model.predictRaw" (timeMs 5 (fun () -> FuncCnn.Core.Model.predictRaw model x))

/// `report --predict`: the seed CNN's probabilities for the 10,000 MNIST test images through the old path
/// (Train.predict in batches of 128, what Model.Predict(Dataset) ran before) and through Inference, side by
/// side in one process: wall median and p90, CPU median, over `runs` runs after one warm-up each.
let predictPaths (runs: int) =
    printfn "%s, %d cores, load average %s" (cpu ()) Environment.ProcessorCount (load ())
    let model = FuncCnn.Core.Model.build (FuncCnn.Core.Rng.create 0L) FuncCnn.Core.Zoo.mnistInput FuncCnn.Core.Zoo.seedCnn
    let ds = FuncCnn.Core.Data.Mnist.load None |> snd
    let old () = FuncCnn.Core.Train.predict 128 model (FuncCnn.Core.Data.Dataset.toTensor (Array.init ds.Labels.Length id) ds)
    let fresh () = FuncCnn.Core.Inference.probabilities model ds
    let a, b = old (), fresh ()
    let diff = Array.map2 (fun (x: float32) y -> abs (x - y)) (a.ToArray()) b |> Array.max
    printfn "largest difference between the two paths' probabilities: %g" diff
    line "Train.predict 128 (before)" (measure 1 runs old)
    line "Inference.probabilities (after)" (measure 1 runs fresh)
    printfn "load average after: %s" (load ())
