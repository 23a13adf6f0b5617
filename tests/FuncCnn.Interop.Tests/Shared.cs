using Xunit;
using System.Text.Json;
using FuncCnn;

namespace FuncCnn.Interop.Tests;

/// <summary>Paths of the shared read-only data and the real MNIST test images, loaded once.</summary>
internal static class Shared
{
    public static string Dir { get; } = FindShared();

    public static string Keras(string name) => Path.Combine(Dir, "models", "keras", name);

    public static string Images(string name) => Path.Combine(Dir, "images", name);

    private static readonly Lazy<Dataset> MnistTest = new(() => Datasets.Mnist().Test);

    /// <summary>The 10,000 MNIST test images.</summary>
    public static Dataset Mnist => MnistTest.Value;

    /// <summary>The first <paramref name="count"/> MNIST test images as (1,28,28) floats.</summary>
    public static float[][] MnistImages(int count) => Enumerable.Range(0, count).Select(i => Mnist.Image(i)).ToArray();

    private static readonly Lazy<JsonElement> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "keras_reference.json"))).RootElement);

    /// <summary>Rows of a matrix in the numpy reference fixture (tests/fixtures/keras).</summary>
    public static float[][] ReferenceRows(string key) =>
        Reference.Value.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

    public static float MaxAbsDiff(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        Assert.Equal(a.Count, b.Count);
        float max = 0;
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }

    private static string FindShared()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
        }
        throw new DirectoryNotFoundException("../shared (models, datasets, images) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A private temp folder, deleted with everything in it.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "funccnn-interop-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}
