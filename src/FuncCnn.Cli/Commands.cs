using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>The command tree of funccnn and what each command does.</summary>
internal static class Commands
{
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Show stack traces of errors", Recursive = true };

    public static RootCommand Root()
    {
        var root = new RootCommand("FuncCnn: train, evaluate and inspect small CNNs (MNIST, Fashion-MNIST, Quick Draw, letters).");
        root.Options.Add(Verbose);
        root.Subcommands.Add(Train());
        root.Subcommands.Add(Eval());
        root.Subcommands.Add(Predict());
        root.Subcommands.Add(Summary());
        root.Subcommands.Add(Bench());
        root.Subcommands.Add(Demo());
        return root;
    }

    private static Option<T> Opt<T>(string name, string description, T fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    private static Option<T?> Opt<T>(string name, string description) => new(name) { Description = description };

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
                LearningRate = p.GetValue(lr),
                Seed = p.GetValue(seed),
                ValidationSplit = p.GetValue(validation),
                Optimizer = p.GetValue(optimizer) == "sgd" ? Optimizer.Sgd : Optimizer.Adam,
            };
            var cats = p.GetValue(categories)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var pair = DataSources.Load(datasetName, p.GetValue(data), cats);
            var outDir = p.GetValue(output) ?? Path.Combine("runs", $"{preset}-{datasetName}");
            return RunTraining(preset, datasetName, pair, options, outDir, p.GetValue(limit), p.GetValue(testLimit));
        });
        return cmd;
    }

    private static int Positive(int value, string name, bool allowZero = false)
    {
        if (value < 0 || (!allowZero && value == 0)) throw new UsageException($"{name} must be {(allowZero ? "0 or more" : "at least 1")}, got {value}.");
        return value;
    }

    private static void CheckPreset(string name)
    {
        if (!ModelZoo.Names.Contains(name))
            throw new UsageException($"unknown model preset '{name}'; the presets are: {string.Join(", ", ModelZoo.Names)}.");
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

        Console.WriteLine($"model    {preset}: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, input ({string.Join(",", model.InputShape)})");
        Console.WriteLine($"data     {train.Name}: {train.Count} training images, {test.Count} test images, {train.ClassNames.Count} classes");
        Console.WriteLine($"training {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed} (Ctrl+C stops after the current batch and keeps what was trained)");

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        TrainingResult result;
        try { result = TrainingUi.Fit(model, train, options, cts.Token); }
        finally { Console.CancelKeyPress -= onCancel; }

        var history = result.History;
        TrainingUi.PrintHistory(history);
        EvaluationResult? evaluation = null;
        if (history.Cancelled)
        {
            var last = history.Last;
            Console.WriteLine(last is null
                ? "interrupted before the first batch; saving the untrained model"
                : $"interrupted in epoch {last.Epoch}; saving the model trained so far (test evaluation skipped)");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            evaluation = result.Model.Evaluate(test);
            Console.WriteLine($"test accuracy {Outputs.Percent(evaluation.Accuracy)} (loss {evaluation.Loss.ToString("F4", CultureInfo.InvariantCulture)}) on {evaluation.Count} images, {clock.Elapsed.TotalSeconds:F1}s");
        }

        var metadata = new Dictionary<string, string>
        {
            ["preset"] = preset, ["dataset"] = datasetName, ["trainImages"] = train.Count.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture), ["batchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = options.Optimizer.ToString(), ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture), ["date"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        var files = Outputs.WriteRun(outDir, result.Model, history, evaluation, metadata).ToList();
        var report = ReportWriter.TryWrite(new TrainingRun(outDir, preset, datasetName, result.Model, history, test, evaluation, options));
        if (report is not null) files.Add(report);
        Console.WriteLine($"wrote {Path.GetFullPath(outDir)}:");
        foreach (var f in files) Console.WriteLine($"  {Path.GetRelativePath(outDir, f)}");
        if (report is not null) Console.WriteLine($"open {Path.GetFullPath(report)} to see the report");
        return history.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    // ---- eval / predict / summary -----------------------------------------------------------------

    private static Model LoadModel(string path) => Model.Load(path);

    private static Command Eval()
    {
        var model = Opt<string>("--model", "A model file written by train (model.fcnn)");
        model.Required = true;
        var dataset = Opt("--dataset", "mnist, fashion-mnist, quickdraw or letters", "mnist");
        var data = Opt<string>("--data", "The dataset's folder");
        var limit = Opt<int?>("--limit", "Evaluate on the first N test images only");
        var cmd = new Command("eval", "Evaluate a saved model on a dataset's test images: loss, accuracy, confusion matrix") { model, dataset, data, limit };
        cmd.SetAction(p =>
        {
            var m = LoadModel(p.GetValue(model)!);
            var name = p.GetValue(dataset)!;
            DataSources.Check(name);
            var test = DataSources.Load(name, p.GetValue(data), name == "quickdraw" ? m.ClassNames : null).Test;
            if (p.GetValue(limit) is { } n) test = test.Take(Positive(n, "--limit"));
            var r = m.Evaluate(test);
            Console.WriteLine($"{test.Name}: {r.Count} images");
            Console.WriteLine($"accuracy {Outputs.Percent(r.Accuracy)}");
            Console.WriteLine($"loss     {r.Loss.ToString("F4", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"misclassified {r.Misclassified.Count}");
            Console.WriteLine("confusion matrix (rows: actual, columns: predicted):");
            Console.Write(r.ConfusionMatrix.ToString());
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Predict()
    {
        var model = Opt<string>("--model", "A model file written by train (model.fcnn)");
        model.Required = true;
        var image = Opt<string>("--image", "A grayscale image: PGM (P2/P5, 8-bit) or raw bytes, of the model's input size (28x28 = 784 bytes for MNIST)");
        var index = Opt<int?>("--index", "Predict test image N of --dataset instead");
        var dataset = Opt("--dataset", "The dataset for --index", "mnist");
        var data = Opt<string>("--data", "The dataset's folder");
        var cmd = new Command("predict", "Predict the class of an image file or of a dataset's test image") { model, image, index, dataset, data };
        cmd.SetAction(p =>
        {
            var file = p.GetValue(image);
            var idx = p.GetValue(index);
            if ((file is null) == (idx is null)) throw new UsageException("give either --image FILE or --index N.");
            var m = LoadModel(p.GetValue(model)!);
            float[] pixels;
            string? actual = null;
            if (file is not null)
            {
                var shape = m.InputShape;
                if (shape.Count != 3 || shape[0] != 1) throw new UsageException($"--image needs a model of grayscale images (1,H,W); this one takes ({string.Join(",", shape)}).");
                pixels = ImageFiles.Read(file, shape[1], shape[2]);
            }
            else
            {
                var name = p.GetValue(dataset)!;
                DataSources.Check(name);
                var test = DataSources.Load(name, p.GetValue(data), name == "quickdraw" ? m.ClassNames : null).Test;
                if (idx < 0 || idx >= test.Count) throw new UsageException($"--index {idx} is outside the {test.Count} test images of {name} (0..{test.Count - 1}).");
                pixels = test.Image(idx!.Value);
                actual = test.ClassNames[test.Label(idx.Value)];
            }
            var prediction = m.Predict(pixels);
            Console.WriteLine($"predicted {prediction.ClassName} (class {prediction.Class}) with probability {prediction.Confidence.ToString("F4", CultureInfo.InvariantCulture)}");
            if (actual is not null) Console.WriteLine($"actual    {actual}");
            foreach (var (p2, c) in prediction.Probabilities.Select((v, c) => (v, c)).OrderByDescending(t => t.v).Take(3))
                Console.WriteLine($"  {(c < m.ClassNames.Count ? m.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture)),-16} {p2.ToString("F4", CultureInfo.InvariantCulture)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Summary()
    {
        var model = Opt<string>("--model", $"A preset ({string.Join(", ", ModelZoo.Names)}) or a model file");
        model.Required = true;
        var cmd = new Command("summary", "Print a model's layers, output shapes and parameter counts") { model };
        cmd.SetAction(p =>
        {
            var name = p.GetValue(model)!;
            Model m;
            if (File.Exists(name)) m = LoadModel(name);
            else if (ModelZoo.Names.Contains(name)) m = ModelZoo.Build(name);
            else if (name.EndsWith(".fcnn", StringComparison.OrdinalIgnoreCase) || name.Contains(Path.DirectorySeparatorChar))
                throw new FileNotFoundException($"model file '{name}' not found.", name);
            else throw new UsageException($"'{name}' is neither a preset nor a model file; the presets are: {string.Join(", ", ModelZoo.Names)}.");
            Console.WriteLine(m.Summary().Table);
            if (m.ClassNames.Count > 0) Console.WriteLine($"classes: {string.Join(", ", m.ClassNames)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    // ---- bench ----------------------------------------------------------------------------------

    private static Command Bench()
    {
        var model = Opt("--model", "Preset to time", "seed-cnn");
        var batch = Opt("--batch", "Images per step", 128);
        var warmup = Opt("--warmup", "Untimed steps first", 5);
        var steps = Opt("--steps", "Timed steps", 20);
        var cmd = new Command("bench", "Time training steps (forward, loss, gradients, Adam) with the benchmark harness, on real MNIST images when found; prints the median and a JSON line") { model, batch, warmup, steps };
        cmd.SetAction(p =>
        {
            var preset = p.GetValue(model)!;
            CheckPreset(preset);
            int b = Positive(p.GetValue(batch), "--batch"), w = Positive(p.GetValue(warmup), "--warmup", allowZero: true), s = Positive(p.GetValue(steps), "--steps");
            if (ModelZoo.Build(preset).OutputShape.Count != 1)
                throw new UsageException($"bench times classifiers; preset '{preset}' is not one.");
            // the benchmark harness itself (bench/FuncCnn.Bench), so both report the same measurement
            FuncCnn.Bench.Step.run(preset, b, w, s);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    // ---- demo -----------------------------------------------------------------------------------

    private static Command Demo()
    {
        var epochs = Opt("--epochs", "Passes over the training data", 2);
        var output = Opt("--out", "Folder for the results", "funccnn-demo");
        var limit = Opt<int?>("--limit", "Train on the first N training images only (faster)");
        var testLimit = Opt<int?>("--test-limit", "Evaluate on the first N test images only");
        var cmd = new Command("demo", "Train the seed CNN on MNIST (or Fashion-MNIST when MNIST is not found), print the test accuracy and write the results folder")
        {
            epochs, output, limit, testLimit,
        };
        cmd.SetAction(p =>
        {
            string? datasetName = null;
            foreach (var candidate in new[] { "mnist", "fashion-mnist" })
            {
                var folder = Datasets.Locate(candidate, out _);
                if (folder is null) continue;
                datasetName = candidate;
                Console.WriteLine($"found {candidate} in {folder}");
                break;
            }
            if (datasetName is null)
            {
                Datasets.Locate("fashion-mnist", out var why);
                throw new DirectoryNotFoundException("the demo needs MNIST or Fashion-MNIST and found neither.\n" + why +
                    "\nOn Debian/Ubuntu: sudo apt-get install -y dataset-fashion-mnist, then run 'funccnn demo' again.");
            }
            var options = new TrainingOptions { Epochs = Positive(p.GetValue(epochs), "--epochs", allowZero: true), BatchSize = 128, Seed = 0 };
            return RunTraining("seed-cnn", datasetName, DataSources.Load(datasetName, null), options, p.GetValue(output)!, p.GetValue(limit), p.GetValue(testLimit));
        });
        return cmd;
    }
}
