using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>funccnn train.</summary>
internal static partial class Commands
{
    // ---- train -------------------------------------------------------------------------------

    private static Command Train()
    {
        var model = Opt("--model", $"Preset to train: {string.Join(", ", ModelZoo.Names)}", "seed-cnn");
        var dataset = Opt("--dataset", "mnist, fashion-mnist, quickdraw or letters", "mnist");
        var data = Opt<string>("--data", "The dataset's folder (default: $FUNCCNN_DATA/<dataset>, ../shared/datasets/<dataset>, system folders)");
        var epochs = Opt("--epochs", "Passes over the training data", 2);
        var batch = Opt("--batch", "Images per step", 128);
        var lr = Opt("--lr", "Learning rate", 0.001);
        var seed = Opt("--seed", "Seeds shuffling, dropout and the initial parameters", 0);
        var output = Opt<string>("--out", "Folder for the model, history, summary and report (default: runs/<model>-<dataset>)");
        var limit = Opt<int?>("--limit", "Train on the first N training images only");
        var testLimit = Opt<int?>("--test-limit", "Evaluate on the first N test images only");
        var validation = Opt("--validation-split", "Fraction of the training images kept for validation (0 = none)", 0.0);
        var optimizer = Opt("--optimizer", "adam or sgd", "adam");
        optimizer.AcceptOnlyFromAmong("adam", "sgd");
        var categories = Opt<string>("--categories", "quickdraw: comma-separated categories (default: all in the folder)");
        var cmd = new Command("train", "Train a preset on a dataset with live progress; saves model.fcnn, history.csv/json, summary.txt, metrics.json")
        {
            model, dataset, data, epochs, batch, lr, seed, output, limit, testLimit, validation, optimizer, categories,
        };
        cmd.SetAction(p =>
        {
            var preset = p.GetValue(model)!;
            var datasetName = p.GetValue(dataset)!;
            CheckPreset(preset);
            DataSources.Check(datasetName);
            var options = new TrainingOptions
            {
                Epochs = Positive(p.GetValue(epochs), "--epochs", allowZero: true),
                BatchSize = Positive(p.GetValue(batch), "--batch"),
                LearningRate = LearningRate(p.GetValue(lr), "--lr"),
                Seed = p.GetValue(seed),
                ValidationSplit = Fraction(p.GetValue(validation), "--validation-split"),
                Optimizer = p.GetValue(optimizer) == "sgd" ? Optimizer.Sgd : Optimizer.Adam,
            };
            var cats = p.GetValue(categories)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var pair = DataSources.Load(datasetName, p.GetValue(data), cats);
            var outDir = p.GetValue(output) ?? Path.Combine("runs", $"{preset}-{datasetName}");
            return RunTraining(preset, datasetName, pair, options, outDir, p.GetValue(limit), p.GetValue(testLimit));
        });
        return cmd;
    }

    /// <summary>Trains, evaluates, writes the run folder and the report; shared by train and demo.</summary>
    private static int RunTraining(string preset, string datasetName, DatasetPair pair, TrainingOptions options, string outDir, int? limit, int? testLimit)
    {
        var model = ModelZoo.Build(preset, options.Seed);
        var train = pair.Train;
        if (datasetName == "quickdraw") train = train.Shuffle(options.Seed); // the files come grouped by category
        if (limit is { } n) train = train.Take(Positive(n, "--limit"));
        var test = testLimit is { } t ? pair.Test.Take(Positive(t, "--test-limit")) : pair.Test;
        if (!model.InputShape.SequenceEqual(train.ImageShape))
            throw new UsageException($"preset '{preset}' takes ({string.Join(",", model.InputShape)}) inputs but {datasetName} has ({string.Join(",", train.ImageShape)}) images; use --model {(datasetName == "letters" ? "o-vs-x" : "seed-cnn")}.");
        if (model.OutputShape.Count != 1 || model.OutputShape[0] < train.ClassNames.Count)
            throw new UsageException($"preset '{preset}' has ({string.Join(",", model.OutputShape)}) outputs but {datasetName} has {train.ClassNames.Count} classes; use --model quickdraw (345 classes) or fewer --categories.");

        Outputs.CheckWritable(outDir, "--out");

        Console.WriteLine($"model    {preset}: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, input ({string.Join(",", model.InputShape)})");
        Console.WriteLine($"data     {train.Name}: {train.Count} training images, {test.Count} test images, {train.ClassNames.Count} classes");
        Console.WriteLine($"training {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed} (Ctrl+C stops after the current batch and keeps what was trained)");

        // Ctrl+C: during training it stops after the current batch; while files are written it is
        // ignored (the run is saved whole, never half); during the test evaluation, which comes after
        // the model is saved, it ends the process.
        int phase = Phase.Training;
        int told = 0;
        var fullOut = Path.GetFullPath(outDir);
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            switch (Volatile.Read(ref phase))
            {
                case Phase.Training:
                    e.Cancel = true;
                    cts.Cancel();
                    break;
                case Phase.Evaluating:
                    Console.Error.WriteLine($"interrupted during the test evaluation; the model and its history are saved in {fullOut} (no test metrics)");
                    e.Cancel = false;
                    break;
                default:
                    e.Cancel = true;
                    if (Interlocked.Exchange(ref told, 1) == 0)
                        Console.Error.WriteLine($"saving to {fullOut}; waiting for it to finish (Ctrl+C is ignored until then)");
                    break;
            }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = TrainingUi.Fit(model, train, options, cts.Token);
            Volatile.Write(ref phase, Phase.Saving);
            var history = result.History;
            TrainingUi.PrintHistory(history);
            var metadata = new Dictionary<string, string>
            {
                ["preset"] = preset, ["dataset"] = datasetName, ["trainImages"] = train.Count.ToString(CultureInfo.InvariantCulture),
                ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture), ["batchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["optimizer"] = options.Optimizer.ToString(), ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture), ["date"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            };
            // the model is saved before the test evaluation, so nothing interrupts its saving and an
            // interrupted evaluation loses only the test metrics
            var files = Outputs.WriteModel(outDir, result.Model, history, metadata).ToList();
            EvaluationResult? evaluation = null;
            if (history.Cancelled)
            {
                var last = history.Last;
                Console.WriteLine(last is null
                    ? "interrupted before the first batch; saved the untrained model"
                    : $"interrupted in epoch {last.Epoch}; saved the model trained so far (test evaluation skipped)");
            }
            else
            {
                Console.WriteLine($"saved the model; evaluating on {test.Count} test images");
                Volatile.Write(ref phase, Phase.Evaluating);
                var clock = Stopwatch.StartNew();
                evaluation = result.Model.Evaluate(test);
                Volatile.Write(ref phase, Phase.Saving);
                Console.WriteLine($"test accuracy {Outputs.Percent(evaluation.Accuracy)} (loss {evaluation.Loss.ToString("F4", CultureInfo.InvariantCulture)}) on {evaluation.Count} images, {clock.Elapsed.TotalSeconds:F1}s");
                files.AddRange(Outputs.WriteMetrics(outDir, evaluation));
            }
            var report = ReportWriter.TryWrite(new TrainingRun(outDir, preset, datasetName, result.Model, history, test, evaluation, options, train));
            if (report is not null) files.Add(report);
            Console.WriteLine($"wrote {fullOut}:");
            foreach (var f in files) Console.WriteLine($"  {Path.GetRelativePath(outDir, f)}");
            if (report is not null) Console.WriteLine($"open {Path.GetFullPath(report)} to see the report");
            return history.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    /// <summary>What RunTraining is doing, for its Ctrl+C handler.</summary>
    private static class Phase
    {
        public const int Training = 0, Saving = 1, Evaluating = 2;
    }
}
