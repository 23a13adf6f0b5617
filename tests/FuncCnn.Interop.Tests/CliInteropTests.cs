using System.Diagnostics;
using FuncCnn;
using Xunit;

namespace FuncCnn.Interop.Tests;

/// <summary>funccnn import/export and Keras/ONNX/PNG files given to eval, predict and summary, run as a process.</summary>
public sealed class CliInteropTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Code, string Out, string Err) Funccnn(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "funccnn.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(180_000), "funccnn did not finish in 3 minutes");
        return (p.ExitCode, output, err.Result);
    }

    [Fact]
    public void Import_then_export_then_onnx_runtime_computes_the_keras_models_outputs()
    {
        var (code, output, err) = Funccnn("import", Shared.Keras("cnn_model.h5"), "--out", "model.fcnn");
        Assert.True(code == 0, err);
        Assert.Contains("conv1", output);
        Assert.Contains("121,930", output);

        (code, output, err) = Funccnn("export", "--model", "model.fcnn", "--onnx", "model.onnx");
        Assert.True(code == 0, err);
        var images = Shared.MnistImages(4);
        var expected = Shared.ReferenceRows("cnn_model").Take(4).ToArray();
        var actual = OnnxTests.RunOnnx(File.ReadAllBytes(_dir.File("model.onnx")), [1, 28, 28], images);
        Assert.True(Shared.MaxAbsDiff(expected, actual) <= 1e-5f);
    }

    [Fact]
    public void Summary_and_predict_take_a_keras_file_and_a_png_directly()
    {
        var (code, output, err) = Funccnn("summary", "--model", Shared.Keras("cnn_generator.h5"));
        Assert.True(code == 0, err);
        Assert.Contains("deconv1", output);
        Assert.Contains("380,801", output);

        ImageFileTests.WritePng(_dir.File("seven.png"), Shared.Mnist.Image(0), 28, 28, invert: true);
        (code, output, err) = Funccnn("predict", "--model", Shared.Keras("cnn_model.h5"), "--image", "seven.png", "--invert");
        Assert.True(code == 0, err);
        Assert.Contains("class 7", output);
    }

    [Fact]
    public void A_pgm_whose_size_overflows_32_bits_gets_a_clear_error()
    {
        File.WriteAllText(_dir.File("huge.pgm"), "P5\n46341 46341\n255\n");
        var (code, _, err) = Funccnn("predict", "--model", Shared.Keras("cnn_model.h5"), "--image", "huge.pgm");
        Assert.Equal(1, code);
        Assert.Contains("46341x46341", err);
        Assert.DoesNotContain("Overflow", err);
    }

    [Fact]
    public void Importing_a_file_that_is_not_a_model_fails_naming_it()
    {
        File.WriteAllText(_dir.File("notes.h5"), "hello");
        var (code, _, err) = Funccnn("import", "notes.h5", "--out", "x.fcnn");
        Assert.Equal(1, code);
        Assert.Contains("notes.h5", err);
    }
}
