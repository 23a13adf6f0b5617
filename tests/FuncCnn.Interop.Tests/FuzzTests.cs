using FuncCnn;
using Xunit;

namespace FuncCnn.Interop.Tests;

/// <summary>
/// Mutations (byte flips, overwritten runs, truncations) of real files with a fixed seed: the readers
/// may accept a mutated file or refuse it, but only with FuncCnn's own typed exceptions.
/// </summary>
public class FuzzTests
{
    private static IEnumerable<byte[]> Mutations(byte[] original, int count, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var b = (byte[])original.Clone();
            switch (i % 3)
            {
                case 0:
                    for (int k = 0; k < 1 + rng.Next(8); k++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                    yield return b;
                    break;
                case 1:
                    int at = rng.Next(b.Length), len = Math.Min(b.Length - at, 1 + rng.Next(64));
                    rng.NextBytes(b.AsSpan(at, len));
                    yield return b;
                    break;
                default:
                    yield return b[..rng.Next(b.Length)];
                    break;
            }
        }
    }

    private static void Fuzz(byte[] original, string extension, int count, Action<string> read)
    {
        using var dir = new TempDir();
        int n = 0;
        foreach (var bytes in Mutations(original, count, seed: 1234))
        {
            var path = dir.File($"fuzz{n++}{extension}");
            File.WriteAllBytes(path, bytes);
            try { read(path); }
            catch (FuncCnnException) { }
            catch (Exception e) { Assert.Fail($"mutation {n - 1} of a {extension} file: {e.GetType().Name}: {e.Message}"); }
        }
    }

    [Fact]
    public void Safetensors_reader_gives_only_typed_errors()
    {
        using var dir = new TempDir();
        var path = dir.File("seed.safetensors");
        var model = ModelZoo.Build("mnist-5x5");
        model.SaveSafetensors(path);
        Fuzz(File.ReadAllBytes(path), ".safetensors", 300, p => model.LoadSafetensors(p));
    }

    [Fact]
    public void Onnx_reader_gives_only_typed_errors() =>
        Fuzz(ModelZoo.Build("mnist-5x5").ToOnnx(), ".onnx", 300, p => Model.ImportOnnx(p));

    [Fact]
    public void Keras_reader_gives_only_typed_errors() =>
        Fuzz(File.ReadAllBytes(Shared.Keras("mlp_model.h5")), ".h5", 120, p => Model.ImportKeras(p));
}

public class ImageFuzzTests
{
    [Fact]
    public void Image_reader_gives_only_typed_errors()
    {
        var rng = new Random(99);
        var original = File.ReadAllBytes(Shared.Images("camera.png"));
        using var dir = new TempDir();
        for (int i = 0; i < 60; i++)
        {
            var b = i % 2 == 0 ? (byte[])original.Clone() : original[..rng.Next(original.Length)];
            if (i % 2 == 0) for (int k = 0; k < 1 + rng.Next(16); k++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
            var path = dir.File($"fuzz{i}.png");
            File.WriteAllBytes(path, b);
            try { ImageFile.Read(path, new ImageReadOptions { Grayscale = true, Height = 28, Width = 28 }); }
            catch (FuncCnnException) { }
            catch (Exception e) { Assert.Fail($"mutation {i}: {e.GetType().Name}: {e.Message}"); }
        }
    }
}
