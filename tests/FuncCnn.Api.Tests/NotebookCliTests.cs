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
    }
}
