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
        var dataset = Opt("--dataset", "mnist, fashion-mnist, quickdraw, letters or letters-notebook (the from-scratch notebook's four O/X images)", "mnist");
        var freeze = Opt<string>("--freeze", "Comma-separated layers to keep as they are (e.g. conv2d: train only the dense layers, as the from-scratch notebook)");
        var data = Opt<string>("--data", "The dataset's folder (default: $FUNCCNN_DATA/<dataset>, ../shared/datasets/<dataset>, system folders); for quickdraw also a .ndjson stroke file or a folder of them");
        var epochs = Opt("--epochs", "Passes over the training data", 2);
        var batch = Opt("--batch", "Images per step", 128);
        var lr = Opt("--lr", "Learning rate", 0.001);
        var seed = Opt("--seed", "Seeds shuffling, dropout and the initial parameters", 0);
        var output = Opt<string>("--out", "Folder for the model, history, summary and report (default: runs/<model>-<dataset>)");
        var limit = Opt<int?>("--limit", "Train on the first N training images only");
        var testLimit = Opt<int?>("--test-limit", "Evaluate on N test images only: a sample (seeded by --seed) covering every class");
        var validation = Opt("--validation-split", "Fraction of the training images kept for validation (0 = none)", 0.0);
        var optimizer = Opt("--optimizer", "adam or sgd", "adam");
        optimizer.AcceptOnlyFromAmong("adam", "sgd");
        var categories = Opt<string>("--categories", "quickdraw: comma-separated categories (default: all in the folder)");
        var validateOn = Opt<string>("--validate-on", "Validate after every epoch on 'test' (the test images, or the --test-limit sample of them), as the notebooks' validation_data=(x_test, y_test)");
        validateOn.AcceptOnlyFromAmong("test");
        var encoder = Opt<string>("--encoder", "--model decoder: a trained classifier (run/model.fcnn) whose layers up to its last hidden Dense become the frozen encoder; the decoder learns to rebuild the input pixels (binary cross-entropy)");
        var cmd = new Command("train", "Train a preset on a dataset with live progress; saves model.fcnn, history.csv/json, summary.txt, metrics.json")
        {
            model, dataset, data, epochs, batch, lr, seed, output, limit, testLimit, validation, optimizer, categories, validateOn, encoder, freeze,
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
                FrozenLayers = p.GetValue(freeze)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            };
            var cats = p.GetValue(categories)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var pair = DataSources.Load(datasetName, p.GetValue(data), cats);
            var outDir = p.GetValue(output) ?? Path.Combine("runs", $"{preset}-{datasetName}");
            if (preset == "decoder")
            {
                var encoderFile = p.GetValue(encoder) ?? throw new UsageException("--model decoder needs --encoder run/model.fcnn: the trained classifier whose layers become the frozen encoder.");
                return RunDecoderTraining(encoderFile, datasetName, pair, options, outDir, p.GetValue(limit), p.GetValue(testLimit), p.GetValue(validateOn) == "test");
            }
            if (p.GetValue(encoder) is not null) throw new UsageException("--encoder goes with --model decoder.");
            return RunTraining(preset, datasetName, pair, options, outDir, p.GetValue(limit), p.GetValue(testLimit), p.GetValue(validateOn) == "test");
        });
        return cmd;
    }

    /// <summary>
    /// The notebook's generator: a trained classifier up to its last hidden Dense (frozen) under the
    /// zoo's decoder, trained to rebuild its input (binary cross-entropy against the pixels). Writes the
    /// model (feed it to generate), the history and a noise-to-images chart.
    /// </summary>
    private static int RunDecoderTraining(string encoderFile, string datasetName, DatasetPair pair, TrainingOptions options, string outDir, int? limit, int? testLimit, bool validateOnTest)
    {
        var classifier = LoadModel(encoderFile);
        var train = pair.Train;
        if (limit is { } n) train = train.Take(Positive(n, "--limit"));
        var test = testLimit is { } t ? pair.Test.Sample(Positive(t, "--test-limit"), options.Seed) : pair.Test;
        if (!classifier.InputShape.SequenceEqual(train.ImageShape))
            throw new UsageException($"the encoder takes ({string.Join(",", classifier.InputShape)}) inputs but {datasetName} has ({string.Join(",", train.ImageShape)}) images.");
        var auto = classifier.Autoencoder(options.Seed);
        if (!auto.OutputShape.SequenceEqual(auto.InputShape))
            throw new UsageException($"the decoder makes ({string.Join(",", auto.OutputShape)}) images but the encoder takes ({string.Join(",", auto.InputShape)}): the decoder preset is for 28x28 grey images.");
        var frozen = classifier.EncoderLayers();
        options = options with { FrozenLayers = frozen };
        if (validateOnTest)
        {
            if (options.ValidationSplit > 0) throw new UsageException("give either --validation-split or --validate-on test, not both.");
            options = options with { ValidationData = test };
        }
        Outputs.CheckWritable(outDir, "--out");
        Console.WriteLine($"encoder  {Path.GetFileName(encoderFile)}: layers {string.Join(", ", frozen)} (frozen)");
        Console.WriteLine($"decoder  {auto.Layers.Count - frozen.Count} layers, {auto.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters in all");
        Console.WriteLine($"data     {train.Name}: {train.Count} training images; loss: binary cross-entropy against the input pixels");

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        TrainingResult result;
        try { result = auto.FitReconstruction(train, options, null, cts.Token); }
        finally { Console.CancelKeyPress -= onCancel; }
        TrainingUi.PrintHistory(result.History);

        var metadata = new Dictionary<string, string>
        {
            ["preset"] = "decoder", ["encoder"] = Path.GetFullPath(encoderFile), ["dataset"] = datasetName,
            ["trainImages"] = train.Count.ToString(CultureInfo.InvariantCulture), ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture), ["frozen"] = string.Join(",", frozen),
        };
        var files = Outputs.WriteModel(outDir, result.Model, result.History, metadata).ToList();
        var generated = result.Model.Generate(8, options.Seed);
        var chart = FuncCnn.Reports.Charts.NoiseToImages(
            generated.Noise.Select(v => Picture(v, generated.NoiseShape)).ToList(), generated.Images.Select(v => Picture(v, generated.ImageShape)).ToList());
        var png = Path.Combine(outDir, "noise-to-images.png");
        FuncCnn.Reports.ChartExport.WritePng(chart, png);
        files.Add(png);
        Console.WriteLine($"wrote {Path.GetFullPath(outDir)}:");
        foreach (var f in files) Console.WriteLine($"  {Path.GetRelativePath(outDir, f)}");
        return result.History.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>Trains, evaluates, writes the run folder and the report; shared by train and demo.</summary>
    private static int RunTraining(string preset, string datasetName, DatasetPair pair, TrainingOptions options, string outDir, int? limit, int? testLimit, bool validateOnTest = false)
    {
        var train = pair.Train;
        // the output layer follows the data's classes (the notebooks' num_classes = len(categories))
        var model = ModelZoo.Build(preset, options.Seed, preset == "decoder" ? null : train.ClassNames.Count);
        if (limit is { } n) train = train.Take(Positive(n, "--limit"));
        var test = testLimit is { } t ? pair.Test.Sample(Positive(t, "--test-limit"), options.Seed) : pair.Test;
        if (!model.InputShape.SequenceEqual(train.ImageShape))
            throw new UsageException($"preset '{preset}' takes ({string.Join(",", model.InputShape)}) inputs but {datasetName} has ({string.Join(",", train.ImageShape)}) images; use --model {(datasetName.StartsWith("letters", StringComparison.Ordinal) ? "o-vs-x" : "seed-cnn")}.");
        if (model.OutputShape.Count != 1 || model.OutputShape[0] < train.ClassNames.Count)
            throw new UsageException($"preset '{preset}' has ({string.Join(",", model.OutputShape)}) outputs but {datasetName} has {train.ClassNames.Count} classes; use --model quickdraw (345 classes) or fewer --categories.");

        Outputs.CheckWritable(outDir, "--out");

        if (validateOnTest)
        {
            if (options.ValidationSplit > 0) throw new UsageException("give either --validation-split or --validate-on test, not both.");
            options = options with { ValidationData = test };
        }

        Console.WriteLine($"model    {preset}: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, input ({string.Join(",", model.InputShape)})");
        Console.WriteLine($"data     {train.Name}: {train.Count} training images, {test.Count} test images, {train.ClassNames.Count} classes");
        Console.WriteLine($"training {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed} (Ctrl+C stops after the current batch and keeps what was trained)");

        if (validateOnTest) Console.WriteLine($"validate on the {test.Count} test images after every epoch");

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
