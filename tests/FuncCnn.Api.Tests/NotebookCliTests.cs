using System.Diagnostics;
using System.Text.Json;
using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>Issue 11 through the funccnn CLI: QuickDraw categories, test subsets, validation on the test set, generate.</summary>
public sealed class NotebookCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("funccnn-nbcli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "funccnn.dll");
    private static readonly string QuickDrawFolder = Datasets.Locate("quickdraw", out _) ?? throw new InvalidOperationException("QuickDraw not found for the CLI tests");
    private static readonly string MnistFolder = Datasets.Locate("mnist", out _) ?? throw new InvalidOperationException("MNIST not found for the CLI tests");

    private sealed record Run(int ExitCode, string Out, string Err);

    private Run Funccnn(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["FUNCCNN_DATA"] = "";
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(300_000), "funccnn did not finish in 5 minutes");
        return new Run(p.ExitCode, output, err.Result);
    }

    [Fact]
    public void Quickdraw_categories_size_the_output_layer_and_test_subsets_cover_every_category()
    {
        var train = Funccnn("train", "--model", "quickdraw", "--dataset", "quickdraw", "--data", QuickDrawFolder,
            "--categories", "airplane,apple,banana,cat", "--limit", "256", "--test-limit", "40", "--epochs", "1",
            "--validate-on", "test", "--out", "qd");
        Assert.True(train.ExitCode == 0, train.Out + train.Err);
        Assert.Contains("validate on the 40 test images", train.Out);
        var run = Path.Combine(_dir.FullName, "qd");
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
        {
            var root = metrics.RootElement;
            Assert.Equal(["airplane", "apple", "banana", "cat"], root.GetProperty("classNames").EnumerateArray().Select(e => e.GetString()));
            var rows = root.GetProperty("confusionMatrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
            Assert.Equal(4, rows.Length);
            Assert.All(rows, r => Assert.Equal(4, r.Length));
            Assert.Equal(40, rows.Sum(r => r.Sum()));
            Assert.All(rows, r => Assert.InRange(r.Sum(), 6, 14));   // a stratified sample: about 10 of each category
        }
        var model = Model.Load(Path.Combine(run, "model.fcnn"));
        Assert.Equal([4], model.OutputShape);
        var history = TrainingHistory.FromJson(File.ReadAllText(Path.Combine(run, "history.json")));
        Assert.NotNull(history.Epochs[0].ValidationLoss);

        var eval = Funccnn("eval", "--model", Path.Combine(run, "model.fcnn"), "--dataset", "quickdraw", "--data", QuickDrawFolder, "--limit", "20");
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Contains("20 images", eval.Out);
        Assert.Contains("cat", eval.Out);

        // the report's grids and predictions.csv see every category of a limited test set
        var report = Funccnn("report", "--model", Path.Combine(run, "model.fcnn"), "--dataset", "quickdraw", "--data", QuickDrawFolder,
            "--limit", "24", "--format", "svg", "--out", "qd-report");
        Assert.True(report.ExitCode == 0, report.Err);
        var predicted = File.ReadAllLines(Path.Combine(_dir.FullName, "qd-report", "predictions.csv")).Skip(1).ToArray();
        Assert.Equal(24, predicted.Length);
        Assert.Equal(4, predicted.Select(r => r.Split(',')[1]).Distinct().Count());                 // labels 0..3
        Assert.Equal(4, predicted.Take(8).Select(r => r.Split(',')[1]).Distinct().Count());         // mixed: the grid's first images too
    }

    [Fact]
    public void Generate_draws_noise_and_the_keras_generator_images_as_a_chart()
    {
        var run = Funccnn("generate", "--model", SharedFiles.Keras("cnn_generator.h5"), "--count", "4", "--out", "gen");
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        var svg = Path.Combine(_dir.FullName, "gen", "noise-to-images.svg");
        var png = Path.Combine(_dir.FullName, "gen", "noise-to-images.png");
        Assert.Contains("<svg", File.ReadAllText(svg));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png).Take(4));
        Assert.Contains("4 noise images of (1,28,28)", run.Out);

        var classifier = Funccnn("generate", "--model", Path.Combine(_dir.FullName, "nothing.h5"));
        Assert.NotEqual(0, classifier.ExitCode);
    }

    [Fact]
    public void Train_decoder_under_a_frozen_encoder_then_generate_from_it()
    {
        var cls = Funccnn("train", "--model", "seed-cnn", "--dataset", "mnist", "--data", MnistFolder, "--limit", "256", "--test-limit", "50", "--epochs", "1", "--out", "cls");
        Assert.True(cls.ExitCode == 0, cls.Err);
        var encoder = Path.Combine(_dir.FullName, "cls", "model.fcnn");
        var dec = Funccnn("train", "--model", "decoder", "--encoder", encoder, "--dataset", "mnist", "--data", MnistFolder,
            "--limit", "256", "--test-limit", "64", "--epochs", "2", "--validate-on", "test", "--out", "dec");
        Assert.True(dec.ExitCode == 0, dec.Out + dec.Err);
        Assert.Contains("conv1, pool1, conv2, pool2, flatten, dense1 (frozen)", dec.Out);
        var saved = Model.LoadFile(Path.Combine(_dir.FullName, "dec", "model.fcnn"));
        Assert.Equal([1, 28, 28], saved.Model.OutputShape);
        Assert.Equal(2, saved.History.Epochs.Count);
        Assert.Null(saved.History.Epochs[0].TrainAccuracy);
        Assert.NotNull(saved.History.Epochs[0].ValidationLoss);
        Assert.Equal(Model.Load(encoder).Filters("conv1").Weights, saved.Model.Filters("conv1").Weights);  // frozen
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "dec", "noise-to-images.png")));

        var gen = Funccnn("generate", "--model", Path.Combine(_dir.FullName, "dec", "model.fcnn"), "--count", "3", "--out", "g2", "--format", "png");
        Assert.True(gen.ExitCode == 0, gen.Err);
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "g2", "noise-to-images.png")));
        var noEncoder = Funccnn("train", "--model", "decoder", "--dataset", "letters");
        Assert.Equal(2, noEncoder.ExitCode);
        Assert.Contains("--encoder", noEncoder.Err);
    }

    [Fact]
    public void The_notebook_letters_train_with_a_frozen_convolution_from_the_cli()
    {
        var run = Funccnn("train", "--model", "o-vs-x", "--dataset", "letters-notebook", "--freeze", "conv2d", "--optimizer", "sgd",
            "--lr", "0.1", "--batch", "1", "--epochs", "300", "--out", "ox");
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.Contains("test accuracy 100.00 %", run.Out);
        Assert.Contains("4 training images", run.Out);
        var bad = Funccnn("train", "--model", "o-vs-x", "--dataset", "letters-notebook", "--freeze", "conv9", "--epochs", "1", "--out", "bad");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'conv9'", bad.Err);
    }

    [Fact]
    public void Quickdraw_strokes_train_from_the_cli()
    {
        var folder = StrokeTests.WriteStrokes(Path.Combine(_dir.FullName, "strokes"));
        var run = Funccnn("train", "--model", "fashion-dense", "--dataset", "quickdraw", "--data", folder, "--epochs", "3", "--batch", "4", "--out", "st");
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.Contains("16 training images, 4 test images, 2 classes", run.Out);
        Assert.Equal(["cat", "line"], Model.Load(Path.Combine(_dir.FullName, "st", "model.fcnn")).ClassNames);
    }
}
