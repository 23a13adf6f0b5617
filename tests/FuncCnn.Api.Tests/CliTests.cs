using System.Diagnostics;
using System.Text.Json;
using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>Runs the built funccnn CLI as a process on small data: exit codes, messages, files written.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("funccnn-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "funccnn.dll");
    private static readonly string MnistFolder = Datasets.Locate("mnist", out _) ?? throw new InvalidOperationException("MNIST not found for the CLI tests");

    private sealed record Run(int ExitCode, string Out, string Err);

    private Process Start(string[] args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["FUNCCNN_DATA"] = "";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    private Run Funccnn(params string[] args) => Funccnn(null, args);

    private Run Funccnn(IDictionary<string, string>? env, params string[] args)
    {
        using var p = Start(args, env);
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "funccnn did not finish in 2 minutes");
        return new Run(p.ExitCode, output, err.Result);
    }

    private static void NoStackTrace(Run r) => Assert.DoesNotContain("   at ", r.Err);

    [Fact]
    public void Usage_errors_exit_2_with_a_short_message()
    {
        var none = Funccnn();
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("funccnn --help", none.Err);

        var preset = Funccnn("train", "--model", "lenet", "--dataset", "letters");
        Assert.Equal(2, preset.ExitCode);
        Assert.Contains("unknown model preset 'lenet'", preset.Err);
        Assert.Contains("seed-cnn", preset.Err);
        NoStackTrace(preset);

        var value = Funccnn("train", "--epochs", "many");
        Assert.Equal(2, value.ExitCode);
        Assert.Contains("--epochs", value.Err);

        var dataset = Funccnn("train", "--dataset", "cifar");
        Assert.Equal(2, dataset.ExitCode);
        Assert.Contains("unknown dataset 'cifar'", dataset.Err);

        var shape = Funccnn("train", "--model", "seed-cnn", "--dataset", "letters");
        Assert.Equal(2, shape.ExitCode);
        Assert.Contains("--model o-vs-x", shape.Err);

        Assert.Equal(0, Funccnn("--help").ExitCode);
    }

    private static void OneLineNaming(Run r, params string[] fragments)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Err}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"one line expected, got:\n{r.Err}");
        foreach (var f in fragments) Assert.Contains(f, r.Err);
        NoStackTrace(r);
    }

    [Fact]
    public void Bad_option_values_exit_2_with_one_line_naming_option_value_and_range()
    {
        foreach (var v in new[] { "0", "-1", "NaN", "Infinity", "1e300" })
            OneLineNaming(Funccnn("train", "--dataset", "letters", "--model", "o-vs-x", "--lr", v), "--lr", v == "1e300" ? "1E+300" : v, "above 0");
        foreach (var v in new[] { "1.5", "NaN", "-0.1", "1" })
            OneLineNaming(Funccnn("train", "--dataset", "letters", "--model", "o-vs-x", "--validation-split", v), "--validation-split", v, "[0, 1)");
        OneLineNaming(Funccnn("train", "--epochs", "many"), "--epochs", "many");
        OneLineNaming(Funccnn("train", "--batch", "0"), "--batch", "0", "at least 1");
    }

    [Fact]
    public void An_unknown_command_is_named_with_the_list_of_commands_and_help_lists_them()
    {
        var unknown = Funccnn("frobnicate");
        OneLineNaming(unknown, "unknown command 'frobnicate'", "train", "eval", "predict", "summary");
        Assert.DoesNotContain("Required command", unknown.Err);
        OneLineNaming(Funccnn(), "no command given", "train");
        var help = Funccnn("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var c in new[] { "train", "eval", "predict", "summary", "bench", "demo", "report", "import", "export" })
            Assert.Contains(c, help.Out);
    }

    [Fact]
    public void An_unwritable_out_fails_before_training()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "taken"), "a file in the way");
        var r = Funccnn("train", "--model", "fashion-dense", "--dataset", "mnist", "--data", MnistFolder, "--limit", "256", "--test-limit", "10", "--epochs", "1", "--out", "taken");
        OneLineNaming(r, "--out", "taken", "is a file");
        Assert.DoesNotContain("epoch 1/1", r.Out);
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "run", "model.fcnn"));
        var dir = Funccnn("train", "--model", "fashion-dense", "--dataset", "mnist", "--data", MnistFolder, "--limit", "256", "--test-limit", "10", "--epochs", "1", "--out", "run");
        OneLineNaming(dir, "--out", "model.fcnn");
        Assert.DoesNotContain("epoch 1/1", dir.Out);
    }

    [Fact]
    public void Dev_zero_or_a_huge_file_as_model_or_image_fails_fast_with_a_clear_error()
    {
        // a small saved model (no training needed) to predict with
        var model = Path.Combine(_dir.FullName, "small.fcnn");
        ModelZoo.Build("fashion-dense").Save(model);
        var huge = Path.Combine(_dir.FullName, "huge.bin");
        using (var fs = new FileStream(huge, FileMode.Create)) fs.SetLength(1L << 30);   // sparse: no disk used
        var pgm = Path.Combine(_dir.FullName, "big.pgm");
        using (var fs = new FileStream(pgm, FileMode.Create))
        {
            fs.Write("P5\n512 512\n255\n"u8);
            fs.SetLength(15 + 512 * 512);
        }
        foreach (var source in File.Exists("/dev/zero") ? new[] { "/dev/zero", huge } : [huge])
        {
            var clock = Stopwatch.StartNew();
            var summary = Funccnn("summary", "--model", source);
            Assert.Equal(1, summary.ExitCode);
            Assert.Contains("not a FuncCnn model file", summary.Err);
            var predict = Funccnn("predict", "--model", model, "--image", source);
            Assert.Equal(1, predict.ExitCode);
            Assert.Contains("too large for a PGM or raw 28x28 image", predict.Err);
            NoStackTrace(predict);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{source}: {clock.Elapsed}");
        }
        var big = Funccnn("predict", "--model", model, "--image", pgm);
        Assert.Equal(1, big.ExitCode);
        Assert.Contains("512x512", big.Err);
    }

    private static void Interrupt(Process p)
    {
        using var kill = Process.Start("kill", ["-INT", p.Id.ToString()]);
        kill.WaitForExit();
    }

    [Fact]
    public async Task Ctrl_c_during_the_test_evaluation_keeps_the_trained_model()
    {
        using var p = Start(["train", "--model", "seed-cnn", "--dataset", "mnist", "--data", MnistFolder, "--limit", "256", "--epochs", "1", "--out", "eval-interrupted"]);
        var err = p.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        string? line;
        bool evaluating = false;
        while ((line = p.StandardOutput.ReadLine()) != null)
        {
            output.AppendLine(line);
            if (line.StartsWith("saved the model; evaluating")) { evaluating = true; break; }
        }
        Assert.True(evaluating, $"no 'evaluating' line: {output}");
        Interrupt(p);
        output.Append(p.StandardOutput.ReadToEnd());
        Assert.True(p.WaitForExit(60_000));
        var errors = await err;
        Assert.True(p.ExitCode is 130 or 0, $"exit {p.ExitCode}: {errors}\n{output}");
        if (p.ExitCode == 130) Assert.Contains("interrupted during the test evaluation", errors);
        var run = Path.Combine(_dir.FullName, "eval-interrupted");
        Assert.Equal(10, Model.Load(Path.Combine(run, "model.fcnn")).ClassNames.Count);
        Assert.True(File.Exists(Path.Combine(run, "history.json")));
    }

    [Fact]
    public async Task Repeated_ctrl_c_waits_for_the_save_and_says_so()
    {
        using var p = Start(["train", "--model", "fashion-dense", "--dataset", "mnist", "--data", MnistFolder, "--limit", "20000", "--epochs", "500", "--batch", "64", "--out", "hammered"]);
        var err = p.StandardError.ReadToEndAsync();
        var rest = Task.Run(async () =>
        {
            string? l;
            while ((l = await p.StandardOutput.ReadLineAsync()) != null && !l.StartsWith("epoch 1/500")) { }
            // the first Ctrl+C stops training; the next ones land while the run is being saved
            for (int i = 0; i < 400 && !p.HasExited; i++) { Interrupt(p); await Task.Delay(10); }
            return await p.StandardOutput.ReadToEndAsync();
        });
        Assert.True(p.WaitForExit(120_000));
        var output = await rest;
        var errors = await err;
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {errors}\n{output}");
        Assert.Contains("waiting for it to finish", errors);
        var run = Path.Combine(_dir.FullName, "hammered");
        Assert.Equal(10, Model.Load(Path.Combine(run, "model.fcnn")).ClassNames.Count);
        Assert.True(TrainingHistory.FromJson(File.ReadAllText(Path.Combine(run, "history.json"))).Cancelled);
    }

    [Fact]
    public void Failures_exit_1_with_the_cause_and_no_stack_trace()
    {
        var missing = Funccnn("eval", "--model", "nothing.fcnn", "--dataset", "letters");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nothing.fcnn", missing.Err);
        NoStackTrace(missing);

        var data = Funccnn("train", "--dataset", "fashion-mnist", "--data", Path.Combine(_dir.FullName, "nowhere"));
        Assert.Equal(1, data.ExitCode);
        Assert.Contains("dataset fashion-mnist not found", data.Err);
        Assert.Contains("apt-get install", data.Err);
        NoStackTrace(data);

        var verbose = Funccnn("eval", "--model", "nothing.fcnn", "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Err);
    }

    [Fact]
    public void Train_writes_the_run_folder_and_summary_and_predict_read_it()
    {
        var train = Funccnn("train", "--model", "o-vs-x", "--dataset", "letters", "--epochs", "30", "--batch", "4", "--lr", "0.05", "--out", "letters");
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("test accuracy", train.Out);
        var run = Path.Combine(_dir.FullName, "letters");
        foreach (var f in new[] { "model.fcnn", "history.csv", "history.json", "summary.txt", "metrics.json" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Contains(run, train.Out);
        Assert.Equal(31, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);
        Assert.Equal(30, TrainingHistory.FromJson(File.ReadAllText(Path.Combine(run, "history.json"))).Epochs.Count);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal(10, metrics.RootElement.GetProperty("testExamples").GetInt32());
        Assert.Equal(["O", "X"], Model.Load(Path.Combine(run, "model.fcnn")).ClassNames);

        var summary = Funccnn("summary", "--model", Path.Combine(run, "model.fcnn"));
        Assert.Equal(0, summary.ExitCode);
        Assert.Contains("Total params: 40", summary.Out);
        Assert.Contains("classes: O, X", summary.Out);

        var predict = Funccnn("predict", "--model", Path.Combine(run, "model.fcnn"), "--dataset", "letters", "--index", "7");
        Assert.Equal(0, predict.ExitCode);
        Assert.Contains("actual    X", predict.Out);

        var both = Funccnn("predict", "--model", Path.Combine(run, "model.fcnn"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--image FILE or --index N", both.Err);
    }

    [Fact]
    public void Mnist_train_eval_and_predict_from_image_files()
    {
        var train = Funccnn("train", "--model", "fashion-dense", "--dataset", "mnist", "--data", MnistFolder, "--limit", "2000", "--test-limit", "300", "--epochs", "2", "--out", "mnist");
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("epoch 2/2", train.Out);
        var model = Path.Combine(_dir.FullName, "mnist", "model.fcnn");

        var eval = Funccnn("eval", "--model", model, "--dataset", "mnist", "--data", MnistFolder, "--limit", "200");
        Assert.Equal(0, eval.ExitCode);
        Assert.Contains("mnist/test: 200 images", eval.Out);
        Assert.Contains("confusion matrix", eval.Out);

        var seven = Mnist.Test.Image(0).Select(v => (byte)MathF.Round(v * 255)).ToArray();
        var pgm = Path.Combine(_dir.FullName, "seven.pgm");
        File.WriteAllBytes(pgm, [.. "P5\n# test image 0\n28 28\n255\n"u8.ToArray(), .. seven]);
        var raw = Path.Combine(_dir.FullName, "seven.raw");
        File.WriteAllBytes(raw, seven);
        var expected = Model.Load(model).Predict(Mnist.Test.Image(0)).ClassName;
        foreach (var file in new[] { pgm, raw })
        {
            var p = Funccnn("predict", "--model", model, "--image", file);
            Assert.Equal(0, p.ExitCode);
            Assert.StartsWith($"predicted {expected} ", p.Out);
        }
        File.WriteAllBytes(raw, seven[..700]);
        var bad = Funccnn("predict", "--model", model, "--image", raw);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("784 bytes (28x28", bad.Err);
        NoStackTrace(bad);
    }

    [Fact]
    public void Report_writes_every_chart_the_pdf_and_the_index_for_a_trained_model()
    {
        var train = Funccnn("train", "--model", "seed-cnn", "--dataset", "mnist", "--data", MnistFolder, "--limit", "600", "--test-limit", "100", "--epochs", "1", "--out", "run");
        Assert.True(train.ExitCode == 0, train.Err);
        var model = Path.Combine(_dir.FullName, "run", "model.fcnn");

        var report = Funccnn("report", "--model", model, "--dataset", "mnist", "--data", MnistFolder, "--limit", "200", "--out", "rep");
        Assert.True(report.ExitCode == 0, report.Err);
        var rep = Path.Combine(_dir.FullName, "rep");
        Assert.Contains(Path.Combine(rep, "index.html"), report.Out);
        Assert.Contains("Test accuracy", report.Out);
        var charts = new[] { "training-curves", "dataset-preview", "class-histogram", "filters", "confusion-matrix", "predictions",
            "training-predictions", "misclassified", "feature-maps", "model-diagram", "model-summary" };
        var index = File.ReadAllText(Path.Combine(rep, "index.html"));
        foreach (var chart in charts)
        {
            var png = File.ReadAllBytes(Path.Combine(rep, chart + ".png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(rep, chart + ".svg")));
            Assert.Contains($"src=\"{chart}.png\"", index);
        }
        var pdf = File.ReadAllBytes(Path.Combine(rep, "report.pdf"));
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.Equal(charts.Length, System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page\b").Count);
        // predictions.csv: one row per test image, the classes Model.Predict gives
        var rows = File.ReadAllLines(Path.Combine(rep, "predictions.csv"));
        Assert.Equal(201, rows.Length);
        var expected = Model.Load(model).Predict(Mnist.Test.Sample(200, seed: 0));   // --limit: a seeded sample of every class
        for (var i = 0; i < 200; i += 37)
            Assert.Equal(expected[i].Class.ToString(), rows[i + 1].Split(',')[2]);

        var pngOnly = Funccnn("report", "--model", model, "--dataset", "mnist", "--data", MnistFolder, "--limit", "50", "--out", "png-only", "--format", "png");
        Assert.True(pngOnly.ExitCode == 0, pngOnly.Err);
        var files = Directory.GetFiles(Path.Combine(_dir.FullName, "png-only")).Select(Path.GetFileName).ToArray();
        Assert.Contains("confusion-matrix.png", files);
        Assert.DoesNotContain(files, f => f!.EndsWith(".svg") || f.EndsWith(".pdf"));

        var bad = Funccnn("report", "--model", model, "--dataset", "mnist", "--data", MnistFolder, "--format", "svg,gif", "--out", "bad");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'gif'", bad.Err);
        NoStackTrace(bad);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "bad")));
    }

    [Fact]
    public async Task Ctrl_c_stops_after_the_current_batch_and_keeps_what_was_trained()
    {
        using var p = Start(["train", "--model", "fashion-dense", "--dataset", "mnist", "--data", MnistFolder, "--limit", "20000", "--epochs", "500", "--batch", "64", "--out", "interrupted"]);
        var err = p.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        string? line;
        while ((line = p.StandardOutput.ReadLine()) != null)
        {
            output.AppendLine(line);
            if (line.StartsWith("epoch 1/500")) break;
        }
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        output.Append(p.StandardOutput.ReadToEnd());
        Assert.True(p.WaitForExit(60_000));
        var errors = await err;
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {errors}\n{output}");
        Assert.Contains("interrupted in epoch", output.ToString());
        var run = Path.Combine(_dir.FullName, "interrupted");
        var history = TrainingHistory.FromJson(File.ReadAllText(Path.Combine(run, "history.json")));
        Assert.InRange(history.Epochs.Count, 1, 499);
        Assert.True(history.Cancelled);
        Assert.True(File.Exists(Path.Combine(run, "model.fcnn")));
    }

    [Fact]
    public void Bench_prints_the_median_and_a_json_line()
    {
        var bench = Funccnn("bench", "--model", "fashion-dense", "--batch", "32", "--warmup", "1", "--steps", "3");
        Assert.Equal(0, bench.ExitCode);
        var json = bench.Out.Split('\n').Single(l => l.StartsWith('{'));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("fashion-dense", doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("steps").GetInt32());
        Assert.True(doc.RootElement.GetProperty("images_per_s").GetDouble() > 0);
    }

    [Fact]
    public void Demo_trains_on_mnist_when_found_and_says_how_to_get_data_otherwise()
    {
        var root = Path.GetDirectoryName(MnistFolder)!;
        var demo = Funccnn(new Dictionary<string, string> { ["FUNCCNN_DATA"] = root }, "demo", "--limit", "256", "--test-limit", "100", "--epochs", "1", "--out", "demo");
        Assert.True(demo.ExitCode == 0, demo.Err);
        Assert.Contains("found mnist", demo.Out);
        Assert.Contains("test accuracy", demo.Out);
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "demo", "model.fcnn")));
        Assert.Contains(Path.Combine(_dir.FullName, "demo"), demo.Out);

        // every place the search looks is empty here, whether or not this machine has Debian's
        // dataset-fashion-mnist in /usr/share/datasets
        var empty = Directory.CreateDirectory(Path.Combine(_dir.FullName, "empty")).FullName;
        var none = Funccnn(new Dictionary<string, string> { ["FUNCCNN_DATA"] = empty, ["FUNCCNN_SYSTEM_DATA"] = empty }, "demo");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("found neither", none.Err);
        Assert.Contains(Path.Combine(empty, "fashion-mnist") + " ($FUNCCNN_SYSTEM_DATA/fashion-mnist): no such folder", none.Err);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", none.Err);
        Assert.DoesNotContain("(the system folder)", none.Err);
        NoStackTrace(none);
    }
}
