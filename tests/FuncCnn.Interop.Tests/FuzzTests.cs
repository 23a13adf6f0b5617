using FuncCnn;
using Xunit;

namespace FuncCnn.Interop.Tests;

/// <summary>
/// Mutants of real files from the core's seeded engine (FuncCnn.Core.Fuzz: flips, truncations,
/// insertions, extreme header integers and numbers) read through the C# API: each may load or be
/// refused, but only with FuncCnn's own typed exceptions, within the engine's time and allocation caps.
/// A failure names the mutant's seed (replay it with Fuzz.mutate(seed, original)).
/// </summary>
public class FuzzTests
{
    private static void Fuzz(byte[] original, string extension, int count, Action<string> read, int firstSeed = 1234)
    {
        using var dir = new TempDir();
        var path = dir.File($"fuzz{extension}");
        var report = FuncCnn.Core.FuzzRunner.Run(extension, original, count, firstSeed, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            read(path);
        });
        Assert.True(report.Failures.IsEmpty, FuncCnn.Core.Fuzz.describe(report));
        Assert.True(report.Accepted < report.Cases, $"{extension}: every mutant loaded, the fuzz proves nothing");
    }

    [Fact]
    public void Safetensors_reader_gives_only_typed_errors()
    {
        using var dir = new TempDir();
        var path = dir.File("seed.safetensors");
        var model = ModelZoo.Build("mnist-5x5");
        model.SaveSafetensors(path);
        Fuzz(File.ReadAllBytes(path), ".safetensors", 100, p => model.LoadSafetensors(p));
    }

    [Fact]
    public void Onnx_reader_gives_only_typed_errors() =>
        Fuzz(ModelZoo.Build("mnist-5x5").ToOnnx(), ".onnx", 100, p => Model.ImportOnnx(p));

    [Fact]
    public void Keras_reader_gives_only_typed_errors() =>
        Fuzz(File.ReadAllBytes(Shared.Keras("mlp_model.h5")), ".h5", 60, p => Model.ImportKeras(p));
}

public class ImageFuzzTests
{
    [Fact]
    public void Image_reader_gives_only_typed_errors()
    {
        var original = File.ReadAllBytes(Shared.Images("camera.png"));
        using var dir = new TempDir();
        var path = dir.File("fuzz.png");
        var report = FuncCnn.Core.FuzzRunner.Run("camera.png", original, 40, 99, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            ImageFile.Read(path, new ImageReadOptions { Grayscale = true, Height = 28, Width = 28 });
        });
        Assert.True(report.Failures.IsEmpty, FuncCnn.Core.Fuzz.describe(report));
    }
}
